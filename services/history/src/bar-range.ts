import {
  type BarGrid,
  barGridFor,
  barSizeToTimeframe,
  type CalendarId,
  type HistBarsQuery,
  IB_BAR_SIZES,
  type IbBarSize,
  ibBaseBarSize,
  parseIbDuration,
  parseTimeframe,
  toIbBarSize,
  tradingDaysBackStart,
  weekdaysBackStart,
} from '@trading-system/contracts';
import type { Range } from './coverage.js';
import { bucketEnd, bucketStart } from './resample.js';

/** What a hist.bars query asks of the cache: which base series, over which range, and whether to resample. */
export interface BarPlan {
  /** Canonical token of the bars the caller gets. */
  readonly timeframe: string;
  /** IB bar size fetched and cached (the timeframe itself, or the largest IB size that tiles it). */
  readonly baseBarSize: IbBarSize;
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
 * Start of a `duration` back from `endMs`. "N D" means N trading days as at IB: N sessions of the instrument's
 * trading calendar, the end's trade date included, holidays skipped — "5 D" ending the Tuesday after Labor Day
 * covers Tuesday to Tuesday (five sessions), not 120 hours. Without a calendar, N weekdays from local midnight in
 * `timeZone`. W/M/Y and S are calendar spans (the most IB would return for them).
 */
export function durationStart(
  duration: string,
  endMs: number,
  timeZone: string | undefined,
  calendar?: CalendarId,
): number {
  const d = parseIbDuration(duration);
  if (d.unit === 'D' && calendar !== undefined) return tradingDaysBackStart(calendar, endMs, d.count);
  if (d.unit === 'D' && timeZone !== undefined) return weekdaysBackStart(timeZone, endMs, d.count);
  return endMs - d.maxSeconds * 1_000;
}

/**
 * The range a query asks for (see durationStart for `duration`). Intraday base ranges are aligned to bar
 * boundaries; the end is capped at the last completed bar (the bar in progress is never cached).
 */
export function planBarRange(q: HistBarsQuery, nowMs: number, timeZone?: string, calendar?: CalendarId): BarPlan {
  const timeframe = barSizeToTimeframe(q.barSize);
  const direct = toIbBarSize(timeframe);
  const baseBarSize = direct ?? ibBaseBarSize(timeframe);
  const endMs = q.endMs ?? nowMs;
  const startMs = q.startMs ?? durationStart(q.duration ?? '1 D', endMs, timeZone, calendar);
  const requested = { startMs, endMs };
  const baseSeconds = parseTimeframe(IB_BAR_SIZES[baseBarSize]).seconds;
  const intraday = baseSeconds !== undefined && baseSeconds * 1_000 < DAY_MS;
  const baseMs = (baseSeconds ?? 0) * 1_000;
  const targetMs = (parseTimeframe(timeframe).seconds ?? Number.POSITIVE_INFINITY) * 1_000;
  const grid = barGridFor(calendar, q.useRth ? 'regular' : 'extended', timeZone, targetMs);
  let bStart = startMs;
  let bEnd = Math.min(endMs, nowMs);
  if (direct === undefined) {
    bStart = bucketStart(startMs, timeframe, grid);
    bEnd = Math.min(bucketEnd(bucketStart(Math.max(endMs - 1, bStart), timeframe, grid), timeframe, grid), nowMs);
  }
  if (intraday) {
    bStart = Math.floor(bStart / baseMs) * baseMs;
    bEnd = Math.floor(bEnd / baseMs) * baseMs;
  }
  return {
    timeframe,
    baseBarSize,
    resample: direct === undefined,
    requested,
    base: { startMs: bStart, endMs: Math.max(bStart, bEnd) },
    ...(grid === undefined ? {} : { grid }),
  };
}
