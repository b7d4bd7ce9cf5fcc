/**
 * US equity sessions for the sim, in the shapes the market and broker modules use, over the shared NYSE
 * calendar of `@trading-system/contracts` (holidays, early closes, regular 09:30–16:00 and extended 04:00–20:00
 * New York time) and its zoned-time arithmetic, so alpaca-sim, ib-sim and history agree on what a trading day is.
 */
import {
  currentOrNextSession as calendarCurrentOrNext,
  latestSession,
  localAsUtc,
  localDay,
  localToInstant,
  nextSession,
  sessionAt,
  sessionOnDay,
  type TradingSession,
} from '@trading-system/contracts';

const ZONE = 'America/New_York';
const CALENDAR = 'NYSE';
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface Session {
  /** New York day number (days since 1970-01-01). */
  readonly day: number;
  readonly openMs: number;
  readonly closeMs: number;
}

function window(s: TradingSession, extended: boolean): Session {
  const w = extended ? s.extended : s.regular;
  return { day: s.day, openMs: w.openMs, closeMs: w.closeMs };
}

/** New York's offset from UTC at tMs, ms (−4 h in summer, −5 h in winter). */
export function nyOffsetMs(tMs: number): number {
  return localAsUtc(ZONE, tMs) - tMs;
}

export function nyDay(tMs: number): number {
  return localDay(ZONE, tMs);
}

/** Epoch ms of a New York wall time (day number, minutes after midnight). */
export function nyWallToMs(day: number, minutes: number): number {
  return localToInstant(ZONE, day * DAY_MS + minutes * MINUTE_MS);
}

/** The regular (or extended) session of a New York day; undefined on weekends and holidays. */
export function sessionOf(day: number, extended = false): Session | undefined {
  const s = sessionOnDay(CALENDAR, day);
  return s && window(s, extended);
}

/**
 * Whether the market is open at tMs. The price model asks for every sampled second of every bar, so the answer is
 * kept as an interval known to be all open (a session) or all shut (the gap between two sessions), per kind of
 * hours; consecutive questions nearly always fall in the same one.
 */
interface Known {
  readonly fromMs: number;
  readonly toMs: number;
  readonly open: boolean;
}

const known: (Known | undefined)[] = [undefined, undefined];

export function isMarketOpen(tMs: number, extended = false): boolean {
  const k = extended ? 1 : 0;
  const hit = known[k];
  if (hit && tMs >= hit.fromMs && tMs < hit.toMs) return hit.open;
  const hours = extended ? 'extended' : 'regular';
  const session = sessionAt(CALENDAR, tMs, hours);
  let interval: Known;
  if (session) {
    const w = window(session, extended);
    interval = { fromMs: w.openMs, toMs: w.closeMs, open: true };
  } else {
    const before = latestSession(CALENDAR, tMs, hours);
    interval = {
      fromMs: window(before, extended).closeMs,
      toMs: window(nextSession(CALENDAR, tMs, hours), extended).openMs,
      open: false,
    };
  }
  known[k] = interval;
  return interval.open;
}

/** The session in progress at tMs, else the next one to open (a DAY order's session). */
export function currentOrNextSession(tMs: number, extended = false): Session {
  return window(calendarCurrentOrNext(CALENDAR, tMs, extended ? 'extended' : 'regular'), extended);
}

/** The next regular session opening strictly after tMs. */
export function nextOpenAfter(tMs: number): Session {
  return window(nextSession(CALENDAR, tMs), false);
}

/** The last regular session that opened at or before tMs. */
export function lastSessionAtOrBefore(tMs: number): Session {
  return window(latestSession(CALENDAR, tMs), false);
}

/** ISO-8601 with New York's offset, as Alpaca's clock endpoint writes times (`2024-01-02T09:30:00-05:00`). */
export function nyIso(tMs: number): string {
  const offset = nyOffsetMs(tMs);
  const wall = new Date(tMs + offset).toISOString().slice(0, 19);
  const hours = Math.abs(offset) / 3_600_000;
  return `${wall}${offset < 0 ? '-' : '+'}${String(hours).padStart(2, '0')}:00`;
}
