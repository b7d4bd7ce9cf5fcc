/**
 * The one time-zone module: wall-clock arithmetic in an IANA time zone (also IB's legacy ids such as `US/Eastern`,
 * which Intl knows) without a date library. Instruments carry their exchange's zone (`Instrument.timeZone`), and
 * sessions, bars, "N trading days", TWS time strings and ib-sim's clock are all read on its local calendar.
 * Every function takes the zone first. Pure; Intl formatters and offsets are cached.
 */
const DAY_MS = 86_400_000;

/**
 * Offsets are cached per zone and quarter hour of UTC: every offset change since 1970 falls on a quarter hour in
 * UTC (zones with :30 and :45 offsets switch at local whole hours), so one Intl call serves a quarter hour.
 */
const BUCKET_MS = 900_000;

export interface WallTime {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether Intl knows `zone` (IANA ids and IB's legacy ones such as `US/Eastern`). */
export function isValidZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

const offsets = new Map<string, Map<number, number>>();

/** Offset of `zone` from UTC at instant `t`, ms (positive east of Greenwich: -5 h for EST). Throws RangeError on an unknown zone. */
export function zoneOffsetMs(zone: string, t: number): number {
  const bucket = Math.floor(t / BUCKET_MS);
  let byBucket = offsets.get(zone);
  if (byBucket === undefined) {
    byBucket = new Map();
    offsets.set(zone, byBucket);
  }
  let offset = byBucket.get(bucket);
  if (offset === undefined) {
    const probe = bucket * BUCKET_MS;
    const p: Record<string, number> = {};
    for (const part of formatter(zone).formatToParts(probe))
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    offset = wall - probe;
    if (byBucket.size > 100_000) byBucket.clear();
    byBucket.set(bucket, offset);
  }
  return offset;
}

/** Local wall time of `t` in `zone`, expressed as if it were UTC (so Date.UTC arithmetic works on it). */
export function localAsUtc(zone: string, t: number): number {
  return t + zoneOffsetMs(zone, t);
}

/**
 * The instant at which the local wall clock in `zone` shows `localMs` (a local time written as UTC). A wall time
 * skipped by a DST switch maps to the instant an hour earlier (02:30 → 01:30 standard time); one shown twice maps
 * to its first showing.
 */
export function localToInstant(zone: string, localMs: number): number {
  const first = localMs - zoneOffsetMs(zone, localMs);
  // The second pass settles wall times near a DST switch, where the first guess used the other side's offset.
  return localMs - zoneOffsetMs(zone, first);
}

/** Wall-clock fields of instant `t` in `zone`. */
export function toWall(zone: string, t: number): WallTime {
  const d = new Date(localAsUtc(zone, t));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/** The instant at which `zone`'s wall clock shows the given date and minute of the day (may exceed 24 h or be negative). */
export function fromWall(zone: string, year: number, month: number, day: number, minutesOfDay: number): number {
  return localToInstant(zone, Date.UTC(year, month - 1, day) + minutesOfDay * 60_000);
}

const abbreviations = new Map<string, Intl.DateTimeFormat>();

/** Short display name such as `EST`/`EDT`/`CST`/`GMT` at instant `t`; the id itself when Intl has none (`GMT+1`). */
export function zoneAbbreviation(zone: string, t: number): string {
  let f = abbreviations.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' });
    abbreviations.set(zone, f);
  }
  const name = f.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? zone;
  return /^[A-Z]{3,4}$/.test(name) ? name : zone;
}

/** Local day index (days since 1970-01-01 in `zone`) of instant t. */
export function localDay(zone: string, t: number): number {
  return Math.floor(localAsUtc(zone, t) / DAY_MS);
}

/** Day of the week of a local day index: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Day index (days since 1970-01-01) of a calendar date, for date arithmetic independent of zones. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** The calendar date of a day index. */
export function dayNumberToDate(n: number): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

/**
 * Start (local midnight in `zone`) of the `count`-th weekday counting back from the day of `endMs`, that day
 * included when it is a weekday: "5 D" ending on a Tuesday starts on the Wednesday before, like IB's five trading
 * days. Exchange holidays are not known here, so a holiday inside the span makes it one trading day short.
 */
export function weekdaysBackStart(zone: string, endMs: number, count: number): number {
  let day = localDay(zone, endMs - 1);
  let seen = 0;
  for (;;) {
    const wd = weekdayOfDay(day);
    if (wd !== 0 && wd !== 6) seen += 1;
    if (seen >= count) break;
    day -= 1;
  }
  return localToInstant(zone, day * DAY_MS);
}
