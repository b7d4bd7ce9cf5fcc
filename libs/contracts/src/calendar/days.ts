/**
 * Calendar-date arithmetic on day numbers (days since 1970-01-01 of a local date, the same index
 * `zoned-time.localDay` returns), independent of any zone. Holiday rules are written with these.
 */
import { ContractError } from '../errors.js';

/** A trade date `YYYY-MM-DD` in the exchange's own zone. */
export type IsoDate = string;

const DAY_MS = 86_400_000;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function dayOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

export function partsOfDay(day: number): { year: number; month: number; day: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function dayFromIso(date: IsoDate): number {
  const m = ISO_RE.exec(date);
  const day = m === null ? Number.NaN : dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  if (!Number.isFinite(day) || isoFromDay(day) !== date)
    throw new ContractError('VALIDATION_FAILED', `'${date}' is not a calendar date YYYY-MM-DD`, {
      details: { input: date },
    });
  return day;
}

export function isoFromDay(day: number): IsoDate {
  const p = partsOfDay(day);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isWeekend(day: number): boolean {
  const wd = weekdayOf(day);
  return wd === 0 || wd === 6;
}

/** The n-th (1-based) given weekday of a month; n = -1 is the last one. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n < 0) {
    const last = dayOf(year, month + 1, 1) - 1;
    return last - ((weekdayOf(last) - weekday + 7) % 7);
  }
  const first = dayOf(year, month, 1);
  return first + ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7;
}

/** Easter Sunday (Gregorian, the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(year, month, dayOfMonth);
}

/** US federal observance: a Saturday holiday moves to Friday, a Sunday one to Monday. */
export function nearestWorkday(day: number): number {
  const wd = weekdayOf(day);
  return wd === 6 ? day - 1 : wd === 0 ? day + 1 : day;
}

/** NYSE's New Year rule: a Sunday holiday moves to Monday, a Saturday one is not observed (undefined). */
export function sundayToMonday(day: number): number | undefined {
  const wd = weekdayOf(day);
  return wd === 0 ? day + 1 : wd === 6 ? undefined : day;
}
