import { IB_BAR_SIZES, type IbBarSize, parseTimeframe } from '@trading-system/contracts';
import type { Range } from './coverage.js';

/**
 * Splits missing ranges into historical requests that each stay within the longest span the broker announces for
 * the bar size (BrokerStatus.capabilities.history: for IB, its "Historical Data Limitations") and within the NATS
 * payload of the gateway's reply (≈ 5 000 bars).
 */

const DAY_S = 86_400;

/** One planned IB request: bars with tsStartMs in [startMs, endMs), asked as `duration` back from `endMs`. */
export interface PlannedChunk extends Range {
  readonly duration: string;
}

/**
 * IB duration string covering `spanMs` with the unit IB accepts for it: seconds up to one day, whole days up to
 * a year, else years. D/W/Y count trading periods back from the end, which covers at least the calendar span.
 */
export function durationFor(spanMs: number): string {
  const seconds = Math.ceil(spanMs / 1_000);
  if (seconds <= DAY_S) return `${Math.max(seconds, 1)} S`;
  const days = Math.ceil(seconds / DAY_S);
  if (days <= 365) return `${days} D`;
  return `${Math.ceil(days / 365)} Y`;
}

/** Bar length in ms of an IB bar size (months: 31 days, used only for alignment-free planning). */
export function barSizeMs(barSize: IbBarSize): number {
  return (parseTimeframe(IB_BAR_SIZES[barSize]).seconds ?? 31 * DAY_S) * 1_000;
}

/**
 * Chunks for `missing`, in time order. Each range is cut from its start into pieces of at most `maxSpanMs` (the
 * broker's announced span for the bar size, or less: tests make many small chunks to test resumption). Piece
 * boundaries fall on multiples of the bar length so no bar straddles two chunks.
 */
export function planChunks(missing: readonly Range[], barSize: IbBarSize, maxSpanMs: number): PlannedChunk[] {
  const barMs = barSizeMs(barSize);
  const span = Math.max(barMs, Math.floor(maxSpanMs / barMs) * barMs);
  const out: PlannedChunk[] = [];
  for (const r of missing) {
    let start = r.startMs;
    while (start < r.endMs) {
      const aligned = Math.floor(start / span) * span + span;
      const end = Math.min(r.endMs, aligned > start ? aligned : start + span);
      out.push({ startMs: start, endMs: end, duration: durationFor(end - start) });
      start = end;
    }
  }
  return out;
}
