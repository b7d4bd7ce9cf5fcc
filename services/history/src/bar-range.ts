import {
  type BarGrid,
  barGridFor,
  barSizeToTimeframe,
  type CalendarId,
  type HistBarsQuery,
  latestSession,
  parseSpan,
  parseTimeframe,
  tradingDaysBackStart,
  weekdaysBackStart,
} from '@trading-system/contracts';
import { sourceTimeframe } from './broker-history.js';
import { gridFloor } from './chunk-plan.js';
import type { Range } from './coverage.js';
import { HistoryError } from './errors.js';
import { bucketEnd, bucketStart } from './resample.js';

/** What a hist.bars query asks of the cache: which base series, over which range, and whether to resample. */
export interface BarPlan {
  /** Canonical token of the bars the caller gets. */
  readonly timeframe: string;
  /** Bar size fetched and cached: the timeframe itself, or the largest size the broker serves that tiles it. */
  readonly baseTimeframe: string;
  readonly resample: boolean;
  /** Range of target bars (by tsStartMs) the caller asked for. */
  readonly requested: Range;
  /** Range of base bars to have in the cache: whole target buckets, capped at the last completed base bar. */
  readonly base: Range;
  /** The trading calendar resampled buckets follow (session-aligned intraday, N trading days), when known. */
  readonly grid?: BarGrid;
}

const DAY_MS = 86_400_000;

/**
 * Start of a `duration` (a span, see parseSpan) back from `endMs`. "5d" means five trading days: five sessions of
 * the instrument's trading calendar, the end's trade date included, holidays skipped — "5d" ending the Tuesday after
 * Labor Day covers Tuesday to Tuesday (five sessions), not 120 hours. Without a calendar, N weekdays from local
 * midnight in `timeZone`. Weeks, months, years and seconds are calendar spans.
 */
export function durationStart(
  duration: string,
  endMs: number,
  timeZone: string | undefined,
  calendar?: CalendarId,
): number {
  const d = parseSpan(duration);
  if (d.unit === 'd' && calendar !== undefined) return tradingDaysBackStart(calendar, endMs, d.count);
  if (d.unit === 'd' && timeZone !== undefined) return weekdaysBackStart(timeZone, endMs, d.count);
  return endMs - d.maxSeconds * 1_000;
}

/**
 * The range a query asks for (see durationStart for `duration`), fetched in bar sizes the broker serves (`served`,
 * its announcement). A query without `endMs` ends at `nowMs`, the broker's now. Intraday base ranges are aligned to
 * bar boundaries; the end is capped at the last bar completed by `latestMs` (the bar in progress is never cached):
 * the later of the broker's now and ours, since bars built live here (market-data's) are stamped by our clock, which
 * a simulated broker's may trail. Throws VALIDATION_FAILED when no served size tiles the timeframe.
 */
export function planBarRange(
  q: HistBarsQuery,
  nowMs: number,
  served: readonly string[],
  timeZone?: string,
  calendar?: CalendarId,
  latestMs: number = nowMs,
): BarPlan {
  const timeframe = barSizeToTimeframe(q.barSize);
  const targetMs = (parseTimeframe(timeframe).seconds ?? Number.POSITIVE_INFINITY) * 1_000;
  const grid = barGridFor(calendar, q.useRth ? 'regular' : 'extended', timeZone, targetMs);
  const baseTimeframe = sourceTimeframe(
    timeframe,
    served.filter((s) => s === timeframe || nestsInSessions(s, targetMs, grid, q.endMs ?? nowMs, timeZone)),
  );
  if (baseTimeframe === undefined)
    throw new HistoryError(
      'VALIDATION_FAILED',
      `broker ${q.broker} serves no bar size that ${timeframe} bars can be built from (it serves ${served.join(', ')})`,
      { details: { served: [...served] } },
    );
  const direct = baseTimeframe === timeframe;
  const endMs = q.endMs ?? nowMs;
  const startMs = q.startMs ?? durationStart(q.duration ?? '1d', endMs, timeZone, calendar);
  const requested = { startMs, endMs };
  const baseSeconds = parseTimeframe(baseTimeframe).seconds;
  const intraday = baseSeconds !== undefined && baseSeconds * 1_000 < DAY_MS;
  const baseMs = (baseSeconds ?? 0) * 1_000;
  let bStart = startMs;
  let bEnd = Math.min(endMs, latestMs);
  if (!direct) {
    bStart = bucketStart(startMs, timeframe, grid);
    bEnd = Math.min(bucketEnd(bucketStart(Math.max(endMs - 1, bStart), timeframe, grid), timeframe, grid), latestMs);
  }
  if (intraday) {
    // On the broker's bar grid (local midnight in the instrument's zone): on the epoch grid a 3-hour range of a New
    // York stock would end inside a bar, and the bar in progress (09:30–12:00 at 11:00) would be cached.
    bStart = gridFloor(bStart, baseMs, timeZone);
    bEnd = gridFloor(bEnd, baseMs, timeZone);
  }
  return {
    timeframe,
    baseTimeframe,
    resample: !direct,
    requested,
    base: { startMs: bStart, endMs: Math.max(bStart, bEnd) },
    ...(grid === undefined ? {} : { grid }),
  };
}

/**
 * Whether bars of `base` nest in the session-anchored buckets of an intraday target (calendarBucket: a grid from
 * each session's open). The broker's base bars sit on its grid from local midnight (gridFloor), so they nest only
 * when the open is on that grid: 30-minute bars do at a 09:30 open, 1-hour bars do not (their 12:00–13:00 bar would
 * straddle the 12:30 end of a 3-hour bucket from 09:30, its hour counted in one bucket and its end in the next).
 * Daily and longer targets or bases, and targets on no calendar, are not concerned.
 */
function nestsInSessions(
  base: string,
  targetMs: number,
  grid: BarGrid | undefined,
  atMs: number,
  timeZone: string | undefined,
): boolean {
  const baseSeconds = parseTimeframe(base).seconds;
  if (grid === undefined || targetMs >= DAY_MS || baseSeconds === undefined || baseSeconds * 1_000 >= DAY_MS)
    return true;
  const open = latestSession(grid.calendar, atMs, grid.hours)[grid.hours].openMs;
  return gridFloor(open, baseSeconds * 1_000, timeZone) === open;
}
