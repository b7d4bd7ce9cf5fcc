/**
 * Wall-clock conversions in IB time-zone ids (`US/Eastern`, `US/Central`, `Europe/London`, `UTC`, …) via
 * Intl, which knows these legacy ids. Pure functions; formatters are cached per zone.
 */

export interface WallTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const abbreviations = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isValidZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

function toWallSlow(ms: number, zone: string): WallTime {
  const parts = formatter(zone).formatToParts(ms);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS[get('weekday')] ?? 0,
  };
}

// Zone offsets only change on whole UTC hours for the zones we use, so one Intl call per (zone, hour).
const offsetCache = new Map<string, number>();

function offsetForHour(ms: number, zone: string): number {
  const hour = Math.floor(ms / 3_600_000);
  const key = `${zone}|${hour}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const probe = hour * 3_600_000;
    const w = toWallSlow(probe, zone);
    offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - probe;
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

export function toWall(ms: number, zone: string): WallTime {
  const d = new Date(ms + offsetForHour(ms, zone));
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

/** Offset of the zone from UTC at instant `ms`, in ms (e.g. -5h for EST). */
export function zoneOffsetMs(ms: number, zone: string): number {
  return offsetForHour(ms, zone);
}

/** The instant at which the zone's wall clock shows the given time (minutes may exceed 24h or be negative). */
export function fromWall(year: number, month: number, day: number, minutesOfDay: number, zone: string): number {
  const naive = Date.UTC(year, month - 1, day) + minutesOfDay * 60_000;
  let guess = naive - zoneOffsetMs(naive, zone);
  // Second pass settles instants near a DST switch.
  guess = naive - zoneOffsetMs(guess, zone);
  return guess;
}

/** Short display name such as `EST`/`EDT`/`CST`/`GMT`; falls back to the id itself. */
export function zoneAbbreviation(ms: number, zone: string): string {
  let f = abbreviations.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' });
    abbreviations.set(zone, f);
  }
  const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? zone;
  return /^[A-Z]{3,4}$/.test(name) ? name : zone;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function fmtYmd(w: WallTime): string {
  return `${w.year}${pad(w.month)}${pad(w.day)}`;
}

export function fmtHms(w: WallTime): string {
  return `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** Day number (days since 1970-01-01) of a calendar date, for date arithmetic independent of zones. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

export function dayNumberToDate(n: number): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}
