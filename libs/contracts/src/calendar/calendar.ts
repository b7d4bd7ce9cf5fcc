/**
 * Pure trading-calendar functions: is a date a trading day, when does its session open and close (regular and
 * extended hours), which session holds an instant, the next / previous session, trading days between dates.
 * Every answer is a function of the calendar id and its arguments; sessions are memoised per day.
 */
import { localDay, localToInstant } from '../zoned-time.js';
import { CALENDARS, type CalendarId, type CalendarSpec } from './calendars.js';
import { dayFromIso, type IsoDate, isoFromDay, partsOfDay, weekdayOf } from './days.js';
import { type SpecialDay, type SpecialKind, specialDaysOf } from './rules.js';

export type SessionHours = 'regular' | 'extended';

export interface SessionWindow {
  /** Open (inclusive) and close (exclusive), epoch ms. */
  readonly openMs: number;
  readonly closeMs: number;
}

export interface TradingSession {
  readonly calendar: CalendarId;
  /** Trade date in the calendar's zone. */
  readonly date: IsoDate;
  /** The same date as a day number (days since 1970-01-01). */
  readonly day: number;
  /** Liquid hours (useRTH); empty (open = close) on a day that only trades outside them. */
  readonly regular: SessionWindow;
  /** Full trading hours, the regular ones included. */
  readonly extended: SessionWindow;
  /** Present on an early-close or late-open day. */
  readonly special?: { readonly kind: Exclude<SpecialKind, 'closed'>; readonly name: string };
}

export interface CalendarDayInfo {
  readonly date: IsoDate;
  readonly kind: SpecialKind;
  readonly name: string;
  /** Early close / late open time, local `HH:MM`. */
  readonly time?: string;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Longest run of closed days we search across (September 2001: six days in a row). */
const SEARCH_DAYS = 21;

const specialCache = new Map<string, Map<number, SpecialDay>>();
const sessionCache = new Map<string, TradingSession | null>();

export function calendarSpec(id: CalendarId): CalendarSpec {
  return CALENDARS[id];
}

function specialOn(spec: CalendarSpec, day: number): SpecialDay | undefined {
  if (spec.rules.length === 0) return undefined;
  const year = partsOfDay(day).year;
  const key = `${spec.id}|${year}`;
  let map = specialCache.get(key);
  if (map === undefined) {
    map = specialDaysOf(spec.rules, year);
    specialCache.set(key, map);
  }
  return map.get(day);
}

/** The session of trade date `day` (a day number), or undefined when the calendar is closed that day. */
export function sessionOnDay(id: CalendarId, day: number): TradingSession | undefined {
  const key = `${id}|${day}`;
  const cached = sessionCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const session = buildSession(CALENDARS[id], day);
  if (sessionCache.size > 50_000) sessionCache.clear();
  sessionCache.set(key, session ?? null);
  return session;
}

function buildSession(spec: CalendarSpec, day: number): TradingSession | undefined {
  if (!spec.weekdays.includes(weekdayOf(day))) return undefined;
  const special = specialOn(spec, day);
  if (special?.kind === 'closed') return undefined;
  let { openMin: rOpen, closeMin: rClose } = spec.regular;
  let { openMin: xOpen, closeMin: xClose } = spec.extended;
  if (special?.kind === 'early-close' && special.atMin !== undefined) {
    rClose = Math.min(rClose, special.atMin);
    xClose =
      spec.extendedCloseOnEarlyClose === undefined
        ? Math.min(xClose, special.atMin)
        : Math.min(xClose, Math.max(special.atMin, spec.extendedCloseOnEarlyClose));
    rOpen = Math.min(rOpen, rClose);
  }
  if (special?.kind === 'late-open' && special.atMin !== undefined) {
    const sameOpen = xOpen === rOpen;
    rOpen = Math.max(rOpen, special.atMin);
    if (sameOpen) xOpen = rOpen;
  }
  const at = (min: number): number => localToInstant(spec.timeZone, day * DAY_MS + min * MINUTE_MS);
  const session: TradingSession = {
    calendar: spec.id,
    date: isoFromDay(day),
    day,
    regular: { openMs: at(rOpen), closeMs: at(rClose) },
    extended: { openMs: at(xOpen), closeMs: at(xClose) },
    ...(special === undefined
      ? {}
      : { special: { kind: special.kind as 'early-close' | 'late-open', name: special.name } }),
  };
  return session;
}

export function sessionOn(id: CalendarId, date: IsoDate): TradingSession | undefined {
  return sessionOnDay(id, dayFromIso(date));
}

export function isTradingDay(id: CalendarId, date: IsoDate): boolean {
  return sessionOn(id, date) !== undefined;
}

/** Why `date` has no session: the holiday's name, `weekend`, or undefined when it is a trading day. */
export function closureReason(id: CalendarId, date: IsoDate): string | undefined {
  const day = dayFromIso(date);
  const spec = CALENDARS[id];
  if (!spec.weekdays.includes(weekdayOf(day))) return 'weekend';
  const special = specialOn(spec, day);
  return special?.kind === 'closed' ? special.name : undefined;
}

/** Every closure, early close and late open of `year`, in date order (the table behind the calendar). */
export function specialDays(id: CalendarId, year: number): CalendarDayInfo[] {
  const spec = CALENDARS[id];
  const map = specialDaysOf(spec.rules, year);
  return [...map.entries()]
    .filter(([day]) => spec.weekdays.includes(weekdayOf(day)))
    .sort(([a], [b]) => a - b)
    .map(([day, s]) => ({
      date: isoFromDay(day),
      kind: s.kind,
      name: s.name,
      ...(s.atMin === undefined
        ? {}
        : { time: `${String(Math.floor(s.atMin / 60)).padStart(2, '0')}:${String(s.atMin % 60).padStart(2, '0')}` }),
    }));
}

function windowOf(s: TradingSession, hours: SessionHours): SessionWindow {
  return hours === 'regular' ? s.regular : s.extended;
}

function localDayOf(id: CalendarId, t: number): number {
  return localDay(CALENDARS[id].timeZone, t);
}

/** The session whose `hours` window contains instant t, if any. */
export function sessionAt(id: CalendarId, t: number, hours: SessionHours = 'regular'): TradingSession | undefined {
  const today = localDayOf(id, t);
  for (const day of [today, today + 1]) {
    const s = sessionOnDay(id, day);
    if (s === undefined) continue;
    const w = windowOf(s, hours);
    if (w.openMs <= t && t < w.closeMs) return s;
  }
  return undefined;
}

/** The latest session whose `hours` window opened at or before t: the one in progress, else the last one. */
export function latestSession(id: CalendarId, t: number, hours: SessionHours = 'regular'): TradingSession {
  let day = localDayOf(id, t) + 1;
  for (let i = 0; i < SEARCH_DAYS; i++, day--) {
    const s = sessionOnDay(id, day);
    if (s !== undefined && windowOf(s, hours).openMs <= t && windowOf(s, hours).closeMs > windowOf(s, hours).openMs)
      return s;
  }
  throw new RangeError(`${id}: no session within ${SEARCH_DAYS} days before ${new Date(t).toISOString()}`);
}

/** The first session whose `hours` window opens strictly after t. */
export function nextSession(id: CalendarId, t: number, hours: SessionHours = 'regular'): TradingSession {
  let day = localDayOf(id, t) - 1;
  for (let i = 0; i < SEARCH_DAYS; i++, day++) {
    const s = sessionOnDay(id, day);
    if (s !== undefined && windowOf(s, hours).openMs > t && windowOf(s, hours).closeMs > windowOf(s, hours).openMs)
      return s;
  }
  throw new RangeError(`${id}: no session within ${SEARCH_DAYS} days after ${new Date(t).toISOString()}`);
}

/** The last session whose `hours` window closed at or before t. */
export function previousSession(id: CalendarId, t: number, hours: SessionHours = 'regular'): TradingSession {
  let day = localDayOf(id, t) + 1;
  for (let i = 0; i < SEARCH_DAYS; i++, day--) {
    const s = sessionOnDay(id, day);
    if (s !== undefined && windowOf(s, hours).closeMs <= t && windowOf(s, hours).closeMs > windowOf(s, hours).openMs)
      return s;
  }
  throw new RangeError(`${id}: no session within ${SEARCH_DAYS} days before ${new Date(t).toISOString()}`);
}

/** The session in progress at t, else the next one: where an order entered at t lives (its DAY close). */
export function currentOrNextSession(id: CalendarId, t: number, hours: SessionHours = 'regular'): TradingSession {
  return sessionAt(id, t, hours) ?? nextSession(id, t, hours);
}

function stepTradingDay(id: CalendarId, day: number, step: 1 | -1): number {
  let d = day + step;
  for (let i = 0; i < SEARCH_DAYS; i++, d += step) if (sessionOnDay(id, d) !== undefined) return d;
  throw new RangeError(`${id}: no trading day within ${SEARCH_DAYS} days of ${isoFromDay(day)}`);
}

export function nextTradingDay(id: CalendarId, date: IsoDate): IsoDate {
  return isoFromDay(stepTradingDay(id, dayFromIso(date), 1));
}

export function previousTradingDay(id: CalendarId, date: IsoDate): IsoDate {
  return isoFromDay(stepTradingDay(id, dayFromIso(date), -1));
}

/** Trading days from `from` to `to`, both included, oldest first. */
export function tradingDaysBetween(id: CalendarId, from: IsoDate, to: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  const last = dayFromIso(to);
  for (let d = dayFromIso(from); d <= last; d++) if (sessionOnDay(id, d) !== undefined) out.push(isoFromDay(d));
  return out;
}

/**
 * The trade date instant t belongs to: the date of the session that has opened by t (a CME evening belongs to
 * the next day's session), or t's own local date when that is a trading day not yet open (a stock at 02:00), else
 * the last trading day (a weekend or holiday belongs to the session before it).
 */
export function tradeDayAt(id: CalendarId, t: number): number {
  const latest = latestSession(id, t, 'extended').day;
  const local = localDayOf(id, t);
  if (latest >= local) return latest;
  return sessionOnDay(id, local) !== undefined ? local : latest;
}

export function tradeDateAt(id: CalendarId, t: number): IsoDate {
  return isoFromDay(tradeDayAt(id, t));
}

/**
 * Start of an "N D" span ending at endMs, as IB counts it: N trading days back, the trade date of the end
 * included; the start is the earlier of that day's local midnight and its extended open (a CME session opens
 * the evening before). A holiday inside the span is skipped, so the span always holds N sessions.
 */
export function tradingDaysBackStart(id: CalendarId, endMs: number, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`trading day count must be >= 1, got ${count}`);
  let day = tradeDayAt(id, endMs - 1);
  for (let i = 1; i < count; i++) day = stepTradingDay(id, day, -1);
  const session = sessionOnDay(id, day) as TradingSession;
  return Math.min(localToInstant(CALENDARS[id].timeZone, day * DAY_MS), session.extended.openMs);
}
