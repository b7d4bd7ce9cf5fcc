/**
 * US equity trading calendar in New York time: regular session 09:30–16:00 ET, extended 04:00–20:00 ET,
 * Monday to Friday. Exchange holidays are not modelled (every weekday is a trading day). Daylight saving follows
 * the US rule (second Sunday of March to first Sunday of November, 02:00 local), computed without Intl so the
 * functions stay cheap and pure.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Days since 1970-01-01 of a civil date (proleptic Gregorian). */
function daysFromCivil(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / DAY);
}

/** Day of the month of the n-th Sunday of a month. */
function nthSunday(year: number, month: number, n: number): number {
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((7 - firstWeekday) % 7) + (n - 1) * 7;
}

/** New York's offset from UTC at the instant tMs, in ms (−4 h in summer, −5 h in winter). */
export function nyOffsetMs(tMs: number): number {
  const year = new Date(tMs).getUTCFullYear();
  // DST starts 02:00 EST (07:00 UTC) and ends 02:00 EDT (06:00 UTC).
  const start = Date.UTC(year, 2, nthSunday(year, 3, 2), 7);
  const end = Date.UTC(year, 10, nthSunday(year, 11, 1), 6);
  return tMs >= start && tMs < end ? -4 * HOUR : -5 * HOUR;
}

/** The New York calendar day (days since epoch) containing tMs. */
export function nyDay(tMs: number): number {
  return Math.floor((tMs + nyOffsetMs(tMs)) / DAY);
}

/** Epoch ms of a New York wall time (day number, minutes after midnight). */
export function nyWallToMs(day: number, minutes: number): number {
  const guess = day * DAY + minutes * 60_000;
  // The offset at the wall instant; one correction settles it (no session edge falls in a DST gap).
  const offset = nyOffsetMs(guess - nyOffsetMs(guess));
  return guess - offset;
}

export function isWeekday(day: number): boolean {
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday (4)
  return weekday >= 1 && weekday <= 5;
}

export interface Session {
  /** New York day number. */
  readonly day: number;
  readonly openMs: number;
  readonly closeMs: number;
}

const REGULAR = { open: 9 * 60 + 30, close: 16 * 60 };
const EXTENDED = { open: 4 * 60, close: 20 * 60 };

export function sessionOf(day: number, extended = false): Session {
  const hours = extended ? EXTENDED : REGULAR;
  return { day, openMs: nyWallToMs(day, hours.open), closeMs: nyWallToMs(day, hours.close) };
}

export function isMarketOpen(tMs: number, extended = false): boolean {
  const day = nyDay(tMs);
  if (!isWeekday(day)) return false;
  const s = sessionOf(day, extended);
  return tMs >= s.openMs && tMs < s.closeMs;
}

/** The session in progress at tMs, else the next one to open. */
export function currentOrNextSession(tMs: number, extended = false): Session {
  for (let day = nyDay(tMs); ; day++) {
    if (!isWeekday(day)) continue;
    const s = sessionOf(day, extended);
    if (tMs < s.closeMs) return s;
  }
}

/** The next session opening strictly after tMs. */
export function nextOpenAfter(tMs: number): Session {
  for (let day = nyDay(tMs); ; day++) {
    if (!isWeekday(day)) continue;
    const s = sessionOf(day);
    if (s.openMs > tMs) return s;
  }
}

/** The last regular session that opened at or before tMs. */
export function lastSessionAtOrBefore(tMs: number): Session {
  for (let day = nyDay(tMs); ; day--) {
    if (!isWeekday(day)) continue;
    const s = sessionOf(day);
    if (s.openMs <= tMs) return s;
  }
}

export { daysFromCivil };

/** ISO-8601 with New York's offset, as Alpaca's clock endpoint writes times (`2024-01-02T09:30:00-05:00`). */
export function nyIso(tMs: number): string {
  const offset = nyOffsetMs(tMs);
  const wall = new Date(tMs + offset).toISOString().slice(0, 19);
  const hours = Math.abs(offset) / HOUR;
  return `${wall}${offset < 0 ? '-' : '+'}${String(hours).padStart(2, '0')}:00`;
}
