import { ContractError } from './errors.js';
import type { BarData } from './market-data.js';

/** A chunk's bar rows are not in the packed (or delta) form, or hold another number of bars than announced. */
export class PackedRowsError extends ContractError {
  override readonly name = 'PackedRowsError';
  constructor(message: string) {
    super('INVALID_MESSAGE', message);
  }
}

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

/** Numeric fields of a packed row before its gap digit: tsStartMs … count. */
const NUMERIC_FIELDS = 9;

/** What a packed row's numeric field may hold (bits), in field order: see packed-bars.ts. */
const SIGNED = 1;
const INTEGER = 2;
const OPTIONAL = 4;
/** tsStartMs, tsEndMs: empty in a delta row after a chunk's first. */
const TIME = 8;
const FIELD_KINDS = [
  INTEGER | TIME,
  INTEGER | TIME,
  SIGNED,
  SIGNED,
  SIGNED,
  SIGNED,
  0,
  SIGNED | OPTIONAL,
  INTEGER | OPTIONAL,
];

/** Exact powers of ten: 10^k for k ≤ 22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Columns filled chunk by chunk, as a stream's chunks arrive (`appendPacked` for `bars-packed` and `bars-delta` rows,
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

  /**
   * Makes room for `more` bars (a chunk announces its count, so a chunk grows the arrays at most once), doubling
   * the capacity; `exact` allocates just that (a stream's announced total: no second copy, no spare half).
   */
  reserve(more: number, exact = false): void {
    const need = this.n + more;
    if (need <= this.cap) return;
    let cap = this.cap;
    if (exact) cap = need;
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
   * Appends the bars of one chunk's `rows` in the packed form (`delta` false) or the delta form (`delta` true),
   * checking the form's grammar (PACKED_BARS_PATTERN / PACKED_DELTA_BARS_PATTERN, as countPackedBars does) while
   * it decodes: the requester's decode is the chunk's check, so the bus need not read the characters first (that
   * second pass was ~17% of a warm read's CPU). Returns the number of bars appended; throws PackedRowsError (and
   * appends nothing) for rows not in the form. `count`, the chunk's announced number of bars, sizes the arrays.
   * One pass over the characters, each field's value built as its digits go by (nine numeric fields, each ended by
   * a comma, then the gap digit and `;`); no string made for a field of 15 digits or fewer.
   */
  appendPacked(rows: string, count = 0, delta = true): number {
    if (count > 0) this.reserve(count);
    const len = rows.length;
    const first = this.n;
    let fields = this.numericColumns();
    let k = first;
    let p = 0;
    let prevEnd = 0;
    let prevLength = 0;
    while (p < len) {
      if (k === this.cap) {
        // reserve keeps the first `n` rows: those of this chunk so far included.
        this.n = k;
        this.reserve(1);
        fields = this.numericColumns();
      }
      for (let f = 0; f < NUMERIC_FIELDS; f++) {
        const kind = FIELD_KINDS[f] as number;
        const from = p;
        let c = rows.charCodeAt(p);
        const negative = c === 45 && (kind & SIGNED) !== 0; // '-'
        if (negative) c = rows.charCodeAt(++p);
        const intFrom = p;
        let n = 0;
        while (c >= 48 && c <= 57) {
          n = n * 10 + (c - 48);
          c = rows.charCodeAt(++p);
        }
        let digits = p - intFrom;
        // No leading zero: `0` alone, or a digit 1-9 first.
        if (digits > 1 && rows.charCodeAt(intFrom) === 48) throw this.refuse(rows, from, first);
        let scale = 0;
        if (c === 46 && (kind & INTEGER) === 0) {
          if (digits === 0) throw this.refuse(rows, from, first);
          const fracFrom = ++p;
          c = rows.charCodeAt(p);
          while (c >= 48 && c <= 57) {
            n = n * 10 + (c - 48);
            c = rows.charCodeAt(++p);
          }
          scale = p - fracFrom;
          if (scale === 0 || scale > 12) throw this.refuse(rows, from, first);
          digits += scale;
        }
        if (c !== 44) throw this.refuse(rows, from, first);
        // The double nearest to the decimal: with at most 15 significant digits they form an exact integer below
        // 2^53 and 10^scale is exact, so one IEEE division rounds once, to the nearest double — the value
        // `Number(text)` gives; longer ones go through Number. An empty field (times of a delta row, wap, count)
        // is NaN.
        let v: number;
        if (p === from) {
          const optional = (kind & OPTIONAL) !== 0 || ((kind & TIME) !== 0 && delta && k > first);
          if (!optional) throw this.refuse(rows, from, first);
          v = Number.NaN;
        } else if (digits === 0) throw this.refuse(rows, from, first);
        else if ((kind & INTEGER) !== 0) {
          if (digits > 15) throw this.refuse(rows, from, first);
          v = n;
        } else {
          if (p - from > 32) throw this.refuse(rows, from, first);
          v = digits > 15 ? Number(rows.slice(from, p)) : scale === 0 ? n : n / (POW10[scale] as number);
          if (negative && digits <= 15) v = -v;
        }
        (fields[f] as Float64Array)[k] = v;
        p++;
      }
      // Empty times (NaN here) only occur in the delta form, never on a chunk's first row: its two rules.
      let start = (fields[0] as Float64Array)[k] as number;
      if (Number.isNaN(start)) (fields[0] as Float64Array)[k] = start = prevEnd;
      let end = (fields[1] as Float64Array)[k] as number;
      if (Number.isNaN(end)) (fields[1] as Float64Array)[k] = end = start + prevLength;
      prevEnd = end;
      prevLength = end - start;
      const gap = rows.charCodeAt(p);
      if (gap !== 48 && gap !== 49) throw this.refuse(rows, p, first);
      this.gap[k] = gap - 48;
      // The gap digit, then ';' (not after the last row) or the end.
      p += 1;
      if (p < len && (rows.charCodeAt(p) !== 59 || p + 1 === len)) throw this.refuse(rows, p, first);
      p += 1;
      k++;
    }
    this.n = k;
    return k - first;
  }

  /** The error for rows that are not in the form, at `at`; the bars of the refused chunk are not kept. */
  private refuse(rows: string, at: number, first: number): PackedRowsError {
    this.n = first;
    return new PackedRowsError(`bar rows are not in the packed form at character ${at}: ${rows.slice(at, at + 24)}`);
  }

  /** The numeric columns in the order of a packed row's fields (the arrays change when the builder grows). */
  private numericColumns(): readonly Float64Array[] {
    return [
      this.tsStartMs,
      this.tsEndMs,
      this.open,
      this.high,
      this.low,
      this.close,
      this.volume,
      this.wap,
      this.count,
    ];
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
