import { fromWall, parseTimeframe, toWall } from '@trading-system/contracts';
import type { Range } from './coverage.js';

/**
 * Splits missing ranges into historical requests that each stay within the longest span the broker announces for
 * the bar size (BrokerStatus.capabilities.history: for IB, its "Historical Data Limitations") and within the NATS
 * payload of the gateway's reply (≈ 5 000 bars).
 */

const DAY_S = 86_400;

/** One planned request: bars of the series' bar size with tsStartMs in [startMs, endMs). */
export type PlannedChunk = Range;

/** Bar length in ms of a timeframe (months: 31 days, used only for alignment-free planning). */
export function barSizeMs(timeframe: string): number {
  return (parseTimeframe(timeframe).seconds ?? 31 * DAY_S) * 1_000;
}

/**
 * The start of the intraday bar slot of `barMs` holding `t`. A broker's intraday bars sit on a grid from local
 * midnight in the instrument's time zone (IB's and ib-sim's: 3-hour bars of a New York stock at 00:00, 03:00, …
 * New York, a session's first bar starting at its open inside its slot, 09:30 in 09:00–12:00); every intraday size
 * a broker serves divides a day. In UTC, and for sizes up to an hour in a whole-hour zone, that is the epoch grid.
 */
export function gridFloor(t: number, barMs: number, timeZone = 'UTC'): number {
  if (timeZone === 'UTC' || barMs >= DAY_S * 1_000) return Math.floor(t / barMs) * barMs;
  const w = toWall(timeZone, t);
  const midnight = fromWall(timeZone, w.year, w.month, w.day, 0);
  return midnight + Math.floor((t - midnight) / barMs) * barMs;
}

/**
 * Chunks for `missing`, in time order. Each range is cut from its start into pieces of at most `maxSpanMs` (the
 * broker's announced span for the bar size, or less: tests make many small chunks to test resumption). Piece
 * boundaries fall on multiples of the span, moved back onto the bar grid of the instrument's zone (gridFloor), so
 * no bar straddles two chunks: a chunk ending inside a bar would get that bar built only up to its end (IB and
 * ib-sim answer so), and the next chunk would not have it at all — a 3-hour bar of 18:00–21:00 New York cut at
 * 00:00 UTC (19:00 EST) was cached as its first hour.
 */
export function planChunks(
  missing: readonly Range[],
  timeframe: string,
  maxSpanMs: number,
  timeZone?: string,
): PlannedChunk[] {
  const barMs = barSizeMs(timeframe);
  const span = Math.max(barMs, Math.floor(maxSpanMs / barMs) * barMs);
  const onGrid = (t: number) => gridFloor(t, barMs, timeZone);
  const out: PlannedChunk[] = [];
  for (const r of missing) {
    let start = r.startMs;
    while (start < r.endMs) {
      let aligned = onGrid(Math.floor(start / span) * span + span);
      // Within a bar of the next span boundary: the boundary after (never more than a span from the start).
      if (aligned <= start) aligned = onGrid(start + span);
      const end = Math.min(r.endMs, aligned > start ? aligned : start + span);
      out.push({ startMs: start, endMs: end });
      start = end;
    }
  }
  return out;
}
