/**
 * Trading sessions and bar alignment, pure. All times are epoch ms (UTC); local wall times are computed in the
 * session's IANA zone with Intl, so DST shifts are honoured. Called only when a bar rolls over, never per tick.
 *
 * Alignment rules (documented in README.md):
 * - intraday timeframes: buckets start at the latest session open ≤ t, every `tf` after it; a bucket is cut
 *   short at the next session open, so every session starts a fresh grid (7m bars: 09:30, 09:37, …);
 * - whole-day timeframes (`1d`, `2d`): with a trading calendar, N trading days from the local midnight of the
 *   first (calendarBucket in libs/contracts, shared with history's resampling), else local midnight in the
 *   instrument's zone on the epoch-day grid; whole weeks (`1w`): Monday 00:00 local. Day and week buckets follow
 *   the calendar (23 h or 25 h on DST days).
 */

import {
  barGridFor,
  type CalendarId,
  calendarBucket,
  calendarForInstrument,
  latestSession,
  localDay,
  localToInstant,
  nextSession,
  type SessionHours,
  weekdayOfDay,
} from '@trading-system/contracts';

export interface SessionSpec {
  /** IANA zone the session times are given in. */
  readonly timeZone: string;
  /** Session open, minutes after local midnight. */
  readonly openMin: number;
  /** Local weekdays (0 = Sunday … 6 = Saturday) on which a session opens. */
  readonly openDays: readonly number[];
  /** IANA zone whose midnight starts daily bars (the instrument's own zone). */
  readonly dayZone: string;
  /**
   * The instrument's trading calendar: when set, session opens come from it (holidays have none, so a bar grid
   * never starts on a closed day) and `openMin` / `openDays` are only its usual shape.
   */
  readonly calendar?: CalendarId;
  /** Which of the calendar's sessions anchors the grid: regular (stocks, options, indices) or extended. */
  readonly hours?: SessionHours;
}

export interface Bucket {
  readonly startMs: number;
  readonly endMs: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEKDAYS = [1, 2, 3, 4, 5];
const SUN_TO_THU = [0, 1, 2, 3, 4];
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

/**
 * Default session of an instrument by security type, following IB's regular hours for US venues:
 * stocks/options/indices 09:30 New York Mon–Fri; futures 17:00 Chicago Sun–Thu (CME Globex); FX 17:15 New York
 * Sun–Thu (IDEALPRO); metals 18:00 New York Sun–Thu; anything else round the clock from local midnight.
 * Ticks outside the session still build bars: they fall on the grid of the session that opened last.
 */
export function sessionFor(instrument: {
  readonly secType: string;
  readonly timeZone?: string | undefined;
  readonly symbol?: string | undefined;
  readonly primaryExchange?: string | undefined;
  readonly tradingClass?: string | undefined;
}): SessionSpec {
  const dayZone = instrument.timeZone ?? 'America/New_York';
  const calendar = calendarForInstrument(instrument);
  switch (instrument.secType) {
    case 'STK':
    case 'OPT':
    case 'IND':
      return {
        timeZone: 'America/New_York',
        openMin: 9 * 60 + 30,
        openDays: WEEKDAYS,
        dayZone,
        calendar,
        hours: 'regular',
      };
    case 'FUT':
      return {
        timeZone: 'America/Chicago',
        openMin: 17 * 60,
        openDays: SUN_TO_THU,
        dayZone,
        calendar,
        hours: 'extended',
      };
    case 'CASH':
      return {
        timeZone: 'America/New_York',
        openMin: 17 * 60 + 15,
        openDays: SUN_TO_THU,
        dayZone,
        calendar,
        hours: 'extended',
      };
    case 'CMDTY':
      return {
        timeZone: 'America/New_York',
        openMin: 18 * 60,
        openDays: SUN_TO_THU,
        dayZone,
        calendar,
        hours: 'extended',
      };
    default:
      return { timeZone: dayZone, openMin: 0, openDays: EVERY_DAY, dayZone };
  }
}

function openOnDay(spec: SessionSpec, day: number): number | undefined {
  const weekday = weekdayOfDay(day);
  if (!spec.openDays.includes(weekday)) return undefined;
  return localToInstant(spec.timeZone, day * DAY + spec.openMin * MINUTE);
}

/** The latest session open at or before t. */
export function sessionOpenAtOrBefore(spec: SessionSpec, t: number): number {
  if (spec.calendar !== undefined) {
    const hours = spec.hours ?? 'regular';
    return latestSession(spec.calendar, t, hours)[hours].openMs;
  }
  const today = localDay(spec.timeZone, t);
  for (let d = today + 1; d >= today - 8; d--) {
    const open = openOnDay(spec, d);
    if (open !== undefined && open <= t) return open;
  }
  throw new Error(`no session open within 8 days before ${new Date(t).toISOString()} in ${spec.timeZone}`);
}

/** The first session open strictly after t. */
export function sessionOpenAfter(spec: SessionSpec, t: number): number {
  if (spec.calendar !== undefined) {
    const hours = spec.hours ?? 'regular';
    return nextSession(spec.calendar, t, hours)[hours].openMs;
  }
  const today = localDay(spec.timeZone, t);
  for (let d = today - 1; d <= today + 9; d++) {
    const open = openOnDay(spec, d);
    if (open !== undefined && open > t) return open;
  }
  throw new Error(`no session open within 9 days after ${new Date(t).toISOString()} in ${spec.timeZone}`);
}

/** The bucket of timeframe `tfMs` containing t (see the alignment rules above). */
export function bucketOf(spec: SessionSpec, tfMs: number, t: number): Bucket {
  const grid = barGridFor(spec.calendar, spec.hours ?? 'regular', spec.dayZone, tfMs);
  const onCalendar = grid === undefined ? undefined : calendarBucket(grid, tfMs, t);
  if (onCalendar !== undefined) return onCalendar;
  if (tfMs % DAY === 0) {
    const n = tfMs / DAY;
    const day = localDay(spec.dayZone, t);
    // weeks start on Monday (day 4 after the epoch's Thursday); other day counts on the epoch day grid
    const base = n % 7 === 0 ? 4 : 0;
    const startDay = day - ((((day - base) % n) + n) % n);
    return {
      startMs: localToInstant(spec.dayZone, startDay * DAY),
      endMs: localToInstant(spec.dayZone, (startDay + n) * DAY),
    };
  }
  const anchor = sessionOpenAtOrBefore(spec, t);
  const next = sessionOpenAfter(spec, anchor);
  const startMs = anchor + Math.floor((t - anchor) / tfMs) * tfMs;
  return { startMs, endMs: Math.min(startMs + tfMs, next) };
}
