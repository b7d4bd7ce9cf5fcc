/**
 * Wall-clock arithmetic in an IANA time zone without a date library: instruments carry their exchange's zone
 * (`Instrument.timeZone`), and sessions, bars and "N trading days" are defined on its local calendar.
 */
const DAY_MS = 86_400_000;

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

/** Local wall time of `t` in `zone`, expressed as if it were UTC (so Date.UTC arithmetic works on it). */
export function localAsUtc(zone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const y = p.year ?? 1970;
  const mo = p.month ?? 1;
  const d = p.day ?? 1;
  return Date.UTC(y, mo - 1, d, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) + (((t % 1000) + 1000) % 1000);
}

/** The instant at which the local wall clock in `zone` shows `localMs` (a local time written as UTC). */
export function localToInstant(zone: string, localMs: number): number {
  let t = localMs - (localAsUtc(zone, localMs) - localMs);
  const offset = localAsUtc(zone, t) - t;
  t = localMs - offset;
  return t;
}

/** Local day index (days since 1970-01-01 in `zone`) of instant t. */
export function localDay(zone: string, t: number): number {
  return Math.floor(localAsUtc(zone, t) / DAY_MS);
}

/** Day of the week of a local day index: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
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
