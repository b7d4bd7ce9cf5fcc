/**
 * Bar grids that follow the trading calendar, for the timeframes IB does not serve (7m, 45m, 90m, 2d, 3d …), so a
 * bar built live by market-data and the same bar resampled by history start and end at the same instants:
 * - intraday: every session starts a fresh grid at its open (regular or extended hours), buckets of `tf` after it,
 *   the last one cut short at the next session's open — a 7m grid of a NYSE stock runs 09:30, 09:37, … never
 *   09:26 (the epoch grid);
 * - whole days (not weeks): N consecutive *trading* days per bar, counted from a fixed first trading day, so a bar
 *   never starts on a weekend or holiday and every bar holds N sessions; a bar starts at the local midnight of its
 *   first trading day, or at that day's session open when it is earlier (a CME Monday opens Sunday 17:00), and
 *   ends at the local midnight after its last trading day or the next bar's start, whichever is first — so a
 *   Friday's daily bar of a stock closes at Friday's midnight (published then, not on Monday), the weekend is in
 *   no bar, and CME bars run session to session without overlap. An instant in no bar (a stock's Saturday) maps to
 *   the bar of the trading day before it.
 * Weeks and months stay on their civil grids (Monday 00:00, the first of the month), as IB and pandas have them.
 */
import { localToInstant } from '../zoned-time.js';
import { latestSession, nextSession, type SessionHours, sessionOnDay, tradeDayAt } from './calendar.js';
import { CALENDARS, type CalendarId } from './calendars.js';
import { dayOf } from './days.js';

export interface BarGrid {
  readonly calendar: CalendarId;
  /** Which session opens a grid: regular hours (useRTH) or extended. */
  readonly hours: SessionHours;
}

export interface BarBucket {
  readonly startMs: number;
  readonly endMs: number;
}

const DAY_MS = 86_400_000;
/** Trading days are counted from the first trading day of this year; earlier days use the epoch-day grid. */
const FIRST_COUNTED_YEAR = 1990;
const FIRST_COUNTED_DAY = dayOf(FIRST_COUNTED_YEAR, 1, 1);

/**
 * The grid bars of `tfMs` follow for an instrument on `calendar` (undefined: none, the caller's civil grid applies).
 * Day bars follow the calendar's trading days only where its days are the instrument's own (`dayZone`, when known):
 * a Tokyo listing mapped to a US calendar keeps Tokyo's civil days. One rule for market-data's live bars and
 * history's resampling.
 */
export function barGridFor(
  calendar: CalendarId | undefined,
  hours: SessionHours,
  dayZone: string | undefined,
  tfMs: number,
): BarGrid | undefined {
  if (calendar === undefined) return undefined;
  if (tfMs >= DAY_MS && dayZone !== undefined && CALENDARS[calendar].timeZone !== dayZone) return undefined;
  return { calendar, hours };
}

/**
 * The bucket of an intraday timeframe (`tfMs` < 1 day) or of a whole number of days (not weeks) containing t, on
 * `grid`'s calendar; undefined for weeks (the caller's civil grid applies) and for days before 1990.
 */
export function calendarBucket(grid: BarGrid, tfMs: number, t: number): BarBucket | undefined {
  if (tfMs < DAY_MS) {
    const anchor = latestSession(grid.calendar, t, grid.hours)[grid.hours].openMs;
    const next = nextSession(grid.calendar, anchor, grid.hours)[grid.hours].openMs;
    const startMs = anchor + Math.floor((t - anchor) / tfMs) * tfMs;
    return { startMs, endMs: Math.min(startMs + tfMs, next) };
  }
  if (tfMs % DAY_MS !== 0 || tfMs % (7 * DAY_MS) === 0) return undefined;
  const n = tfMs / DAY_MS;
  const day = tradeDayAt(grid.calendar, t);
  if (day < FIRST_COUNTED_DAY) return undefined;
  const days = tradingDays(grid.calendar);
  const k = days.indexOf(day);
  if (k < 0) return undefined;
  const first = Math.floor(k / n) * n;
  const zone = CALENDARS[grid.calendar].timeZone;
  const afterLast = localToInstant(zone, (days.at(first + n - 1) + 1) * DAY_MS);
  return {
    startMs: dayBarStart(grid.calendar, zone, days.at(first)),
    endMs: Math.min(afterLast, dayBarStart(grid.calendar, zone, days.at(first + n))),
  };
}

/** Where a bar whose first trading day is `day` starts: its local midnight, or its session's open if earlier. */
function dayBarStart(calendar: CalendarId, zone: string, day: number): number {
  const midnight = localToInstant(zone, day * DAY_MS);
  const session = sessionOnDay(calendar, day);
  return session === undefined ? midnight : Math.min(midnight, session.extended.openMs);
}

/**
 * The trading days of a calendar from 1990 on, numbered 0, 1, 2 …, grown on demand and kept (a few thousand
 * numbers per calendar). `indexOf` binary-searches; `at` extends the list when a bar's end lies beyond it.
 */
class TradingDayIndex {
  private readonly days: number[] = [];
  private nextDay = FIRST_COUNTED_DAY;

  constructor(private readonly calendar: CalendarId) {}

  indexOf(day: number): number {
    this.extendTo((d) => d[d.length - 1] !== undefined && (d[d.length - 1] as number) >= day);
    let lo = 0;
    let hi = this.days.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.days[mid] as number;
      if (v === day) return mid;
      if (v < day) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  at(i: number): number {
    this.extendTo((d) => d.length > i);
    return this.days[i] as number;
  }

  private extendTo(done: (days: readonly number[]) => boolean): void {
    while (!done(this.days)) {
      if (sessionOnDay(this.calendar, this.nextDay) !== undefined) this.days.push(this.nextDay);
      this.nextDay += 1;
    }
  }
}

const indexes = new Map<CalendarId, TradingDayIndex>();

function tradingDays(calendar: CalendarId): TradingDayIndex {
  let index = indexes.get(calendar);
  if (index === undefined) {
    index = new TradingDayIndex(calendar);
    indexes.set(calendar, index);
  }
  return index;
}
