import { barSizeMs } from './chunk-plan.js';

/**
 * Bar blocks: the bars of one series over one block span, stored as ONE row holding their packed rows
 * (contracts packed-bars.ts) in time order, beside the one-row-per-bar table they are derived from. A warm read
 * of a year of 1-minute bars is then ~250 rows of ~30 kB instead of ~100k rows.
 *
 * A block spans 1,440 bar lengths, aligned to multiples of the span since the epoch: a UTC day of 1-minute bars,
 * 2 h of 5-second bars, 60 days of hourly bars. At most 1,440 bars per block keeps a block well inside one chunk
 * (and a rewrite of the block, when a bar is added to it, small).
 */
export const BARS_PER_BLOCK = 1_440;

/** Length of one block of bars of `timeframe`, ms. Migration 0006 computes the same in SQL (a frozen copy). */
export function blockSpanMs(timeframe: string): number {
  return barSizeMs(timeframe) * BARS_PER_BLOCK;
}

/** Start of the block holding a bar that starts at `tsMs` (floor, also before 1970). */
export function blockStart(tsMs: number, spanMs: number): number {
  return tsMs - (((tsMs % spanMs) + spanMs) % spanMs);
}

/** Packed rows and how many there are. */
export interface PackedRun {
  readonly rows: string;
  readonly n: number;
}

/** A chunk of `n` packed rows as the runs it is made of, in order (joined by ';' they are its `rows`). */
export interface PackedParts {
  readonly parts: readonly string[];
  readonly n: number;
}

/** tsStartMs of the row of `rows` starting at `at` (a row starts with its tsStartMs digits, then a comma). */
function rowStart(rows: string, at: number): number {
  let v = 0;
  for (let i = at; ; i++) {
    const c = rows.charCodeAt(i);
    if (c === 44) return v;
    v = v * 10 + (c - 48);
  }
}

/**
 * The rows of a block whose tsStartMs falls in [fromMs, toMs). Only the first and last block of a read need it;
 * a row's start is read without splitting the string.
 */
export function trimRows(block: PackedRun, fromMs: number, toMs: number): PackedRun {
  const { rows } = block;
  let begin = -1;
  let end = rows.length;
  let kept = 0;
  for (let at = 0; at < rows.length; ) {
    const next = rows.indexOf(';', at);
    const t = rowStart(rows, at);
    if (t >= toMs) {
      end = at - 1;
      break;
    }
    if (t >= fromMs) {
      if (begin === -1) begin = at;
      kept += 1;
    }
    if (next === -1) break;
    at = next + 1;
  }
  if (begin === -1 || kept === 0) return { rows: '', n: 0 };
  return { rows: rows.slice(begin, Math.max(begin, end)), n: kept };
}

/**
 * Regroups runs of packed rows into chunks of exactly `perChunk` rows (the last one may have fewer): runs are
 * joined while they fit, and the run that overflows a chunk is cut at a row separator, its rest starting the next.
 * A chunk is yielded as soon as it is full, so the first goes out while later runs are still being read. Its runs
 * are not joined here: the publisher copies them once, into the message's bytes.
 */
export async function* regroup(runs: AsyncIterable<PackedRun>, perChunk: number): AsyncGenerator<PackedParts> {
  let parts: string[] = [];
  let n = 0;
  for await (const run of runs) {
    let rest = run;
    while (rest.n > 0) {
      const room = perChunk - n;
      if (rest.n <= room) {
        parts.push(rest.rows);
        n += rest.n;
        break;
      }
      let cut = -1;
      for (let i = 0; i < room; i++) cut = rest.rows.indexOf(';', cut + 1);
      parts.push(rest.rows.slice(0, cut));
      yield { parts, n: perChunk };
      parts = [];
      n = 0;
      rest = { rows: rest.rows.slice(cut + 1), n: rest.n - room };
    }
    if (n === perChunk) {
      yield { parts, n };
      parts = [];
      n = 0;
    }
  }
  if (n > 0) yield { parts, n };
}
