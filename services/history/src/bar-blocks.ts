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

/** The integer spelled by `rows[from, to)` (digits only: the rows were checked when stored). */
function intAt(rows: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (rows.charCodeAt(i) - 48);
  return v;
}

/**
 * Walks the rows of a delta-form `rows` string (contracts packed-bars.ts: a time left empty follows from the row
 * before), in order while `visit` returns true: each row's offset, the offset of the comma after its
 * tsEndMs, its two times, and the offset of the next row (-1 after the last).
 */
function walkTimes(
  rows: string,
  visit: (at: number, timesEnd: number, start: number, end: number, next: number) => boolean,
): void {
  let prevEnd = 0;
  let prevLength = 0;
  for (let at = 0; at < rows.length; ) {
    const a = rows.indexOf(',', at);
    const b = rows.indexOf(',', a + 1);
    const start = a === at ? prevEnd : intAt(rows, at, a);
    const end = b === a + 1 ? start + prevLength : intAt(rows, a + 1, b);
    prevEnd = end;
    prevLength = end - start;
    const sep = rows.indexOf(';', b);
    const next = sep === -1 ? -1 : sep + 1;
    if (!visit(at, b, start, end, next) || next === -1) return;
    at = next;
  }
}

/** The rows of `rows` from the row whose times end at `timesEnd` up to `to`, that row's times spelled out. */
function fromRow(rows: string, timesEnd: number, start: number, end: number, to = rows.length): string {
  return `${start},${end}${rows.slice(timesEnd, Math.max(timesEnd, to))}`;
}

/**
 * The rows of a block whose tsStartMs falls in [fromMs, toMs), the first one's times spelled out. Only the first
 * and last block of a read need it; the rows are walked without splitting the string.
 */
export function trimRows(block: PackedRun, fromMs: number, toMs: number): PackedRun {
  const { rows } = block;
  let kept = 0;
  let first = { timesEnd: 0, start: 0, end: 0 };
  let stop = rows.length;
  walkTimes(rows, (at, timesEnd, start, end) => {
    if (start >= toMs) {
      stop = at - 1;
      return false;
    }
    if (start >= fromMs) {
      if (kept === 0) first = { timesEnd, start, end };
      kept += 1;
    }
    return true;
  });
  if (kept === 0) return { rows: '', n: 0 };
  return { rows: fromRow(rows, first.timesEnd, first.start, first.end, stop), n: kept };
}

/** `run` cut after its first `k` rows (0 < k < run.n): their rows, and the rest, its first row's times spelled out. */
function cutRows(run: PackedRun, k: number): [string, PackedRun] {
  let seen = 0;
  let head = '';
  let rest: PackedRun = { rows: '', n: 0 };
  walkTimes(run.rows, (at, timesEnd, start, end) => {
    if (seen++ < k) return true;
    head = run.rows.slice(0, at - 1);
    rest = { rows: fromRow(run.rows, timesEnd, start, end), n: run.n - k };
    return false;
  });
  return [head, rest];
}

/** Rows of the delta form with every time spelled out: the packed form, for requesters that do not read deltas. */
export function absoluteTimes(rows: string): string {
  const out: string[] = [];
  walkTimes(rows, (_at, timesEnd, start, end, next) => {
    out.push(`${start},${end}${rows.slice(timesEnd, next === -1 ? rows.length : next - 1)}`);
    return true;
  });
  return out.join(';');
}

/**
 * Regroups runs of packed rows into chunks of exactly `perChunk` rows (the last one may have fewer): runs are
 * joined while they fit, and the run that overflows a chunk is cut at a row separator, its rest starting the next.
 * A chunk is yielded as soon as it is full, so the first goes out while later runs are still being read. Its runs
 * are not joined here: the publisher copies them once, into the message's bytes. Rows are in the delta form
 * (each run's first row spells its times; a cut run's rest is made to), so every chunk reads on its own.
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
      const [head, tail] = cutRows(rest, room);
      parts.push(head);
      yield { parts, n: perChunk };
      parts = [];
      n = 0;
      rest = tail;
    }
    if (n === perChunk) {
      yield { parts, n };
      parts = [];
      n = 0;
    }
  }
  if (n > 0) yield { parts, n };
}
