/** endDateTime parsing and bar date formatting for historical data (spec §3.6). */
import { fromWall, isValidZone, toWall, type WallTime } from '@trading-system/contracts';

export type EndDateResult = { ok: true; endMs: number; impliedZone: boolean } | { ok: false };

export const END_DATE_INVALID =
  'End Date/Time: The date, time, or time-zone entered is invalid.\nThe correct format is yyyymmdd hh:mm:ss xx/xxxx\nwhere yyyymmdd and xx/xxxx are optional.\nE.g.: 20031126 15:59:00 US/Eastern\nNote that there is a space between the date and time, and between the time and time-zone.';

export const IMPLIED_ZONE_WARNING =
  'Warning: You submitted request with date-time attributes without explicit time zone. Please switch to use yyyymmdd-hh:mm:ss in UTC or use instrument time zone, like US/Eastern. Implied time zone functionality will be removed in the next API release';

/**
 * `""` = now; `yyyyMMdd HH:mm:ss <zone>`; `yyyyMMdd-HH:mm:ss` (UTC); `yyyyMMdd HH:mm:ss` (TWS zone, with
 * warning 2174). `twsZone` is the zone TWS itself runs in.
 */
export function parseEndDate(text: string, nowMs: number, twsZone: string): EndDateResult {
  const t = text.trim();
  if (t === '') return { ok: true, endMs: nowMs, impliedZone: false };
  const utc = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})$/.exec(t);
  if (utc) {
    const [y, mo, d, h, mi, s] = utc.slice(1).map(Number) as [number, number, number, number, number, number];
    if (!validParts(mo, d, h, mi, s)) return { ok: false };
    return { ok: true, endMs: Date.UTC(y, mo - 1, d, h, mi, s), impliedZone: false };
  }
  const zoned = /^(\d{4})(\d{2})(\d{2})\s+(\d{2}):(\d{2}):(\d{2})(?:\s+(\S+))?$/.exec(t);
  if (!zoned) return { ok: false };
  const [y, mo, d, h, mi, s] = zoned.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (!validParts(mo, d, h, mi, s)) return { ok: false };
  const zone = zoned[7];
  if (zone !== undefined && !isValidZone(zone)) return { ok: false };
  const endMs = fromWall(zone ?? twsZone, y, mo, d, h * 60 + mi) + s * 1000;
  return { ok: true, endMs, impliedZone: zone === undefined };
}

function validParts(month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
}

/** Intraday bar date: formatDate 1 → `yyyyMMdd HH:mm:ss <zone>`, 2 → epoch seconds. */
export function formatBarTime(ms: number, formatDate: number, zone: string): string {
  if (formatDate === 2) return String(Math.floor(ms / 1000));
  const w = toWall(zone, ms);
  return `${fmtYmd(w)} ${fmtHms(w)} ${zone}`;
}

/** reqHeadTimestamp answer: formatDate 1 → `yyyyMMdd-HH:mm:ss` (UTC), 2 → epoch seconds. */
export function formatHeadTimestamp(ms: number, formatDate: number): string {
  if (formatDate === 2) return String(Math.floor(ms / 1000));
  const w = toWall('UTC', ms);
  return `${fmtYmd(w)}-${fmtHms(w)}`;
}

/** `yyyyMMdd HH:mm:ss <zone>` for connection time, execution times, etc., with a short zone name. */
export function formatTwsTime(ms: number, zone: string, zoneLabel: string): string {
  const w = toWall(zone, ms);
  return `${fmtYmd(w)} ${fmtHms(w)} ${zoneLabel}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `yyyyMMdd` of a wall time, as TWS writes dates. */
export function fmtYmd(w: WallTime): string {
  return `${w.year}${pad(w.month)}${pad(w.day)}`;
}

/** `HH:mm:ss` of a wall time. */
export function fmtHms(w: WallTime): string {
  return `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}
