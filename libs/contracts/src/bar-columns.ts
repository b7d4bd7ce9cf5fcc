import type { BarData } from './market-data.js';
import { eachPackedRow, packedInt } from './packed-bars.js';

/**
 * Bars as columns: one typed array per field instead of one object (and six strings) per bar. For analysis —
 * notebooks, indicators, backtests over years of 1-minute bars — where 100k bar objects cost more to build and to
 * collect than the whole read from Postgres. Prices and volumes are binary floats here, each the nearest double to
 * the exact decimal on the wire (what `Number(decimal)` gives); the exact strings stay on the object form
 * (`BarData`). Never use these for money on the ledger path.
 */
export interface BarColumns {
  /** Number of bars; every array below has at least this many elements (the rest is spare capacity). */
  readonly length: number;
  readonly tsStartMs: Float64Array;
  readonly tsEndMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** NaN where the source gave no volume-weighted average price. */
  readonly wap: Float64Array;
  /** NaN where the number of trades is unknown. */
  readonly count: Float64Array;
  /** 1 for a bar synthesised across missing data (see BarData.gap), else 0. */
  readonly gap: Uint8Array;
}

/** Exact powers of ten: 10^k for k ≤ 22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The double nearest to the decimal `s[from, to)` (the packed grammar: `-?digits(.digits)?`), without making a
 * string. With at most 15 significant digits the digits form an exact integer below 2^53 and 10^k is exact, so one
 * IEEE division rounds once, to the nearest double: the same value as `Number(text)`. Longer ones go through Number.
 */
function decimalAt(s: string, from: number, to: number): number {
  let i = from;
  const negative = s.charCodeAt(i) === 45; // '-'
  if (negative) i++;
  let n = 0;
  let digits = 0;
  let scale = 0;
  let afterPoint = false;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      afterPoint = true;
      continue;
    }
    n = n * 10 + (c - 48);
    digits++;
    if (afterPoint) scale++;
  }
  if (digits > 15) return Number(s.slice(from, to));
  const v = scale === 0 ? n : n / (POW10[scale] as number);
  return negative ? -v : v;
}

/**
 * Columns filled chunk by chunk, as a stream's chunks arrive (`appendPacked` for `bars-packed` rows,
 * `appendBars` for object chunks), growing by doubling; `columns()` gives the result.
 */
export class BarColumnsBuilder {
  private n = 0;
  private cap: number;
  private tsStartMs: Float64Array;
  private tsEndMs: Float64Array;
  private open: Float64Array;
  private high: Float64Array;
  private low: Float64Array;
  private close: Float64Array;
  private volume: Float64Array;
  private wap: Float64Array;
  private count: Float64Array;
  private gap: Uint8Array;

  constructor(capacity = 1_024) {
    this.cap = Math.max(1, capacity);
    this.tsStartMs = new Float64Array(this.cap);
    this.tsEndMs = new Float64Array(this.cap);
    this.open = new Float64Array(this.cap);
    this.high = new Float64Array(this.cap);
    this.low = new Float64Array(this.cap);
    this.close = new Float64Array(this.cap);
    this.volume = new Float64Array(this.cap);
    this.wap = new Float64Array(this.cap);
    this.count = new Float64Array(this.cap);
    this.gap = new Uint8Array(this.cap);
  }

  get length(): number {
    return this.n;
  }

  /** Makes room for `more` bars (a chunk announces its count, so a chunk grows the arrays at most once). */
  reserve(more: number): void {
    const need = this.n + more;
    if (need <= this.cap) return;
    let cap = this.cap;
    while (cap < need) cap *= 2;
    const grow = <A extends Float64Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    const f64 = (k: number) => new Float64Array(k);
    this.tsStartMs = grow(this.tsStartMs, f64);
    this.tsEndMs = grow(this.tsEndMs, f64);
    this.open = grow(this.open, f64);
    this.high = grow(this.high, f64);
    this.low = grow(this.low, f64);
    this.close = grow(this.close, f64);
    this.volume = grow(this.volume, f64);
    this.wap = grow(this.wap, f64);
    this.count = grow(this.count, f64);
    this.gap = grow(this.gap, (k) => new Uint8Array(k));
    this.cap = cap;
  }

  /**
   * Appends the bars of a `rows` string that passed PACKED_BARS_PATTERN (the bus checked it: it is the chunk
   * schema's rule); `count` is the chunk's announced number of bars (a hint for the allocation). One pass of
   * indexOf, no string made for a field of 15 digits or fewer.
   */
  appendPacked(rows: string, count = 0): void {
    if (count > 0) this.reserve(count);
    eachPackedRow(rows, (p, a, b, c, d, e, f, g, h, i) => {
      if (this.n === this.cap) this.reserve(1);
      const k = this.n++;
      this.tsStartMs[k] = packedInt(rows, p, a);
      this.tsEndMs[k] = packedInt(rows, a + 1, b);
      this.open[k] = decimalAt(rows, b + 1, c);
      this.high[k] = decimalAt(rows, c + 1, d);
      this.low[k] = decimalAt(rows, d + 1, e);
      this.close[k] = decimalAt(rows, e + 1, f);
      this.volume[k] = decimalAt(rows, f + 1, g);
      this.wap[k] = h > g + 1 ? decimalAt(rows, g + 1, h) : Number.NaN;
      this.count[k] = i > h + 1 ? packedInt(rows, h + 1, i) : Number.NaN;
      this.gap[k] = rows.charCodeAt(i + 1) === 49 ? 1 : 0;
    });
  }

  /** Appends bars of the object form (a service that answers with `bars` chunks, resampled series). */
  appendBars(bars: readonly BarData[]): void {
    this.reserve(bars.length);
    for (const bar of bars) {
      const k = this.n++;
      this.tsStartMs[k] = bar.tsStartMs;
      this.tsEndMs[k] = bar.tsEndMs;
      this.open[k] = Number(bar.open);
      this.high[k] = Number(bar.high);
      this.low[k] = Number(bar.low);
      this.close[k] = Number(bar.close);
      this.volume[k] = Number(bar.volume);
      this.wap[k] = bar.wap === undefined ? Number.NaN : Number(bar.wap);
      this.count[k] = bar.count ?? Number.NaN;
      this.gap[k] = bar.gap ? 1 : 0;
    }
  }

  columns(): BarColumns {
    return {
      length: this.n,
      tsStartMs: this.tsStartMs,
      tsEndMs: this.tsEndMs,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      wap: this.wap,
      count: this.count,
      gap: this.gap,
    };
  }
}
