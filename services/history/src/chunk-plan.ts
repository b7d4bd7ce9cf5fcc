import { parseTimeframe } from '@trading-system/contracts';
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
 * Chunks for `missing`, in time order. Each range is cut from its start into pieces of at most `maxSpanMs` (the
 * broker's announced span for the bar size, or less: tests make many small chunks to test resumption). Piece
 * boundaries fall on multiples of the bar length so no bar straddles two chunks.
 */
export function planChunks(missing: readonly Range[], timeframe: string, maxSpanMs: number): PlannedChunk[] {
  const barMs = barSizeMs(timeframe);
  const span = Math.max(barMs, Math.floor(maxSpanMs / barMs) * barMs);
  const out: PlannedChunk[] = [];
  for (const r of missing) {
    let start = r.startMs;
    while (start < r.endMs) {
      const aligned = Math.floor(start / span) * span + span;
      const end = Math.min(r.endMs, aligned > start ? aligned : start + span);
      out.push({ startMs: start, endMs: end });
      start = end;
    }
  }
  return out;
}
