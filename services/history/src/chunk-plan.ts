import { IB_BAR_SIZES, type IbBarSize, parseTimeframe } from '@trading-system/contracts';
import type { Range } from './coverage.js';

/**
 * Splits missing ranges into IB historical requests that each stay within IB's maximum duration for the bar size
 * (IB "Historical Data Limitations": the longest duration that returns bars of that size in one request) and
 * within the NATS payload of the gateway's reply (≈ 5 000 bars).
 */

const DAY_S = 86_400;

/** Longest span of one request per IB bar size, seconds. */
export const IB_MAX_SPAN_SECONDS: Readonly<Record<IbBarSize, number>> = {
  '1 secs': 1_800,
  '5 secs': 3_600,
  '10 secs': 14_400,
  '15 secs': 14_400,
  '30 secs': 28_800,
  '1 min': DAY_S,
  '2 mins': 2 * DAY_S,
  '3 mins': 7 * DAY_S,
  '5 mins': 7 * DAY_S,
  '10 mins': 14 * DAY_S,
  '15 mins': 14 * DAY_S,
  '20 mins': 28 * DAY_S,
  '30 mins': 28 * DAY_S,
  '1 hour': 31 * DAY_S,
  '2 hours': 31 * DAY_S,
  '3 hours': 31 * DAY_S,
  '4 hours': 31 * DAY_S,
  '8 hours': 31 * DAY_S,
  '1 day': 365 * DAY_S,
  '1 week': 365 * DAY_S,
  '1 month': 365 * DAY_S,
};

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
 * Chunks for `missing`, in time order. Each range is cut from its start into pieces of at most the maximum span
 * (`maxSpanMs` overrides the table, e.g. to test resumption with many small chunks). Piece boundaries fall on
 * multiples of the bar length so no bar straddles two chunks.
 */
export function planChunks(
  missing: readonly Range[],
  barSize: IbBarSize,
  options: { maxSpanMs?: number } = {},
): PlannedChunk[] {
  const barMs = barSizeMs(barSize);
  const tableSpan = IB_MAX_SPAN_SECONDS[barSize] * 1_000;
  const rawSpan = Math.min(options.maxSpanMs ?? tableSpan, tableSpan);
  const span = Math.max(barMs, Math.floor(rawSpan / barMs) * barMs);
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
