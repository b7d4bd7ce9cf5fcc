/**
 * Interval arithmetic on half-open epoch-ms ranges [startMs, endMs). The coverage map of a bar series is a set of
 * such ranges: "every bar whose tsStartMs falls inside is known" (stored, or known not to exist).
 */
export interface Range {
  readonly startMs: number;
  readonly endMs: number;
}

function isEmpty(r: Range): boolean {
  return r.endMs <= r.startMs;
}

/** Sorted, non-overlapping, non-adjacent ranges covering exactly the union of the input. */
export function union(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => !isEmpty(r)).sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && r.startMs <= last.endMs) {
      if (r.endMs > last.endMs) out[out.length - 1] = { startMs: last.startMs, endMs: r.endMs };
    } else {
      out.push({ startMs: r.startMs, endMs: r.endMs });
    }
  }
  return out;
}

/** The parts of `from` not covered by any of `covered`, in time order: the missing ranges. */
export function subtract(from: Range, covered: readonly Range[]): Range[] {
  if (isEmpty(from)) return [];
  const out: Range[] = [];
  let cursor = from.startMs;
  for (const c of union(covered)) {
    if (c.endMs <= cursor) continue;
    if (c.startMs >= from.endMs) break;
    if (c.startMs > cursor) out.push({ startMs: cursor, endMs: c.startMs });
    cursor = Math.max(cursor, c.endMs);
    if (cursor >= from.endMs) break;
  }
  if (cursor < from.endMs) out.push({ startMs: cursor, endMs: from.endMs });
  return out;
}

/** The parts of `ranges` inside `within`. */
export function intersect(ranges: readonly Range[], within: Range): Range[] {
  return union(ranges)
    .map((r) => ({ startMs: Math.max(r.startMs, within.startMs), endMs: Math.min(r.endMs, within.endMs) }))
    .filter((r) => !isEmpty(r));
}

/** Total length of the union, ms. */
export function totalMs(ranges: readonly Range[]): number {
  return union(ranges).reduce((sum, r) => sum + (r.endMs - r.startMs), 0);
}

/** True when `covered` leaves nothing of `range` missing. */
export function covers(covered: readonly Range[], range: Range): boolean {
  return subtract(range, covered).length === 0;
}

/** A covered range and how many bars start in it (0 = known empty: closed market, holiday, halt). */
export interface CoveredSpan extends Range {
  readonly bars: number;
}

/**
 * Splits a fetched chunk into spans with bars and known-empty spans. A run of bars whose starts are at most
 * `barMs` apart forms one span (from its first start to its last start + barMs); the rest of the chunk is empty.
 * `starts` must be sorted and inside the chunk.
 */
export function splitCovered(chunk: Range, starts: readonly number[], barMs: number): CoveredSpan[] {
  const out: CoveredSpan[] = [];
  let cursor = chunk.startMs;
  let i = 0;
  while (i < starts.length) {
    const first = starts[i] as number;
    let last = first;
    let n = 1;
    while (i + n < starts.length && (starts[i + n] as number) - last <= barMs) {
      last = starts[i + n] as number;
      n += 1;
    }
    if (first > cursor) out.push({ startMs: cursor, endMs: first, bars: 0 });
    const end = Math.min(chunk.endMs, last + barMs);
    out.push({ startMs: first, endMs: end, bars: n });
    cursor = end;
    i += n;
  }
  if (cursor < chunk.endMs) out.push({ startMs: cursor, endMs: chunk.endMs, bars: 0 });
  return out;
}
