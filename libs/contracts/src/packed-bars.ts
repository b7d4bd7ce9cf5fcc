import type { BarData } from './market-data.js';

/**
 * The packed form of bars on `hist.stream.*` (`bars-packed` chunks): one string instead of one JSON object per bar,
 * about half the bytes and a fraction of the parse cost (a year of 1-minute bars: 7.8 MB instead of 17.7 MB, and
 * one string per chunk for JSON.parse instead of 100k objects).
 *
 * Rows are separated by `;`, fields by `,`, in this order:
 *   tsStartMs,tsEndMs,open,high,low,close,volume,wap,count,gap
 * - tsStartMs, tsEndMs: epoch ms, decimal digits, no leading zeros, at most 15 digits (before year 33658).
 * - open, high, low, close, wap: Price strings; volume: Decimal string (the same grammar as the JSON form:
 *   `-?(0|[1-9]\d*)(\.\d{1,12})?`, at most 32 characters, volume unsigned).
 * - wap and count: empty when absent; count at most 15 digits.
 * - gap: `1` or `0`.
 * Only digits, `-`, `.`, `,` and `;` appear, so the string needs no JSON escaping. Every row decodes to exactly one
 * valid BarData and every BarData within those bounds encodes to one row.
 */

const INT = '(?:0|[1-9][0-9]{0,14})';
/** A decimal field of at most 32 characters (lookahead), signed or not. */
const dec = (signed: boolean): string =>
  `(?=[^,;]{1,32}(?:[,;]|$))${signed ? '-?' : ''}(?:0|[1-9][0-9]*)(?:\\.[0-9]{1,12})?`;
const PRICE = dec(true);
const DECIMAL = dec(false);
const ROW = `${INT},${INT},${PRICE},${PRICE},${PRICE},${PRICE},${DECIMAL},(?:${PRICE})?,(?:${INT})?,[01]`;

/** A whole `rows` string of one chunk (empty for no bars). */
export const PACKED_BARS_PATTERN = `^(?:${ROW}(?:;${ROW})*)?$`;

/**
 * The delta form (`bars-delta` chunks): the same rows, except that after a chunk's first row
 * - tsStartMs may be empty: the bar starts where the previous row's bar ends (its tsEndMs);
 * - tsEndMs may be empty: the bar lasts as long as the previous row's (tsEndMs − tsStartMs of that row).
 * A chunk's first row spells both. Regular bars (the minutes of a session) then carry no time at all: 28 of a
 * typical row's ~77 bytes, a third of every copy, check and decode on the way. Every absolute row is also a valid
 * delta row, and a reader that applies the two rules to every row reads both forms.
 */
const DELTA_ROW = `(?:${INT})?,(?:${INT})?,${PRICE},${PRICE},${PRICE},${PRICE},${DECIMAL},(?:${PRICE})?,(?:${INT})?,[01]`;
export const PACKED_DELTA_BARS_PATTERN = `^(?:${ROW}(?:;${DELTA_ROW})*)?$`;

/** Largest integer the packed form carries (15 digits). */
export const PACKED_MAX_INT = 999_999_999_999_999;

/**
 * Number of rows of `rows` when it is well-formed (it matches PACKED_BARS_PATTERN, or PACKED_DELTA_BARS_PATTERN
 * when `delta`), else undefined. One pass over
 * the characters instead of the pattern: every chunk a requester receives is checked here, and the regular
 * expression (its lookaheads re-reading each decimal) cost about as much as decoding the chunk.
 */
export function countPackedBars(rows: string, delta = false): number | undefined {
  const len = rows.length;
  if (len === 0) return 0;
  let p = 0;
  let n = 0;
  for (;;) {
    // In the delta form the times of every row but the first may be empty.
    const timesOptional = delta && n > 0;
    p = scanInt(rows, p, timesOptional);
    if (p < 0 || rows.charCodeAt(p) !== 44) return undefined;
    p = scanInt(rows, p + 1, timesOptional);
    for (let f = 0; f < 5 && p >= 0; f++) {
      if (rows.charCodeAt(p) !== 44) return undefined;
      // open, high, low, close (signed), volume (unsigned)
      p = scanDecimal(rows, p + 1, f < 4);
    }
    if (p < 0 || rows.charCodeAt(p) !== 44) return undefined;
    p = scanDecimal(rows, p + 1, true, true); // wap, may be empty
    if (p < 0 || rows.charCodeAt(p) !== 44) return undefined;
    p = scanInt(rows, p + 1, true); // count, may be empty
    if (p < 0 || rows.charCodeAt(p) !== 44) return undefined;
    const gap = rows.charCodeAt(p + 1);
    if (gap !== 48 && gap !== 49) return undefined;
    n += 1;
    p += 2;
    if (p === len) return n;
    if (rows.charCodeAt(p) !== 59) return undefined;
    p += 1;
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** End of the INT at `p` (`0` or 1-15 digits without a leading zero), or -1; an empty one only when `optional`. */
function scanInt(s: string, p: number, optional: boolean): number {
  const c = s.charCodeAt(p);
  if (c === 48) return p + 1;
  if (!isDigit(c)) return optional ? p : -1;
  let q = p + 1;
  while (isDigit(s.charCodeAt(q))) q++;
  return q - p <= 15 ? q : -1;
}

/**
 * End of the decimal at `p` (`-?(0|[1-9][0-9]*)(\.[0-9]{1,12})?`, at most 32 characters), or -1; an empty one
 * only when `optional`.
 */
function scanDecimal(s: string, p: number, signed: boolean, optional = false): number {
  let q = p;
  if (signed && s.charCodeAt(q) === 45) q++;
  const c = s.charCodeAt(q);
  if (c === 48) q++;
  else if (isDigit(c)) {
    q++;
    while (isDigit(s.charCodeAt(q))) q++;
  } else return optional && q === p ? p : -1;
  if (s.charCodeAt(q) === 46) {
    const from = ++q;
    while (isDigit(s.charCodeAt(q))) q++;
    if (q === from || q - from > 12) return -1;
  }
  return q - p <= 32 ? q : -1;
}

/** Whether `b` fits the packed form (integers within 15 digits); every other valid BarData does. */
export function packable(b: BarData): boolean {
  return b.tsStartMs <= PACKED_MAX_INT && b.tsEndMs <= PACKED_MAX_INT && (b.count ?? 0) <= PACKED_MAX_INT;
}

/** Packs valid bars (see `packable`), in the delta form when `delta` (its rows then hold one chunk). */
export function packBars(bars: readonly BarData[], delta = false): string {
  let out = '';
  let prev: BarData | undefined;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i] as BarData;
    if (i > 0) out += ';';
    const start = delta && b.tsStartMs === prev?.tsEndMs ? '' : b.tsStartMs;
    const end =
      delta && prev !== undefined && b.tsEndMs - b.tsStartMs === prev.tsEndMs - prev.tsStartMs ? '' : b.tsEndMs;
    out += `${start},${end},${b.open},${b.high},${b.low},${b.close},${b.volume},${b.wap ?? ''},${b.count ?? ''},${b.gap ? 1 : 0}`;
    prev = b;
  }
  return out;
}

/** The integer spelled by `rows[from, to)` (digits only; the pattern has checked them). */
export function packedInt(rows: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (rows.charCodeAt(i) - 48);
  return n;
}

/**
 * Where the fields of one packed row lie: `p` its start and `a`…`i` its nine commas, so field k spans from the
 * comma before it (+1) to the next; the gap digit is at `i + 1`.
 */
export type PackedRowVisitor = (
  p: number,
  a: number,
  b: number,
  c: number,
  d: number,
  e: number,
  f: number,
  g: number,
  h: number,
  i: number,
) => void;

/**
 * Calls `visit` for each row of a `rows` string that passed countPackedBars (the chunk schema's rule, or the
 * reader's own count where the bus left the rows to it), in order. One pass of indexOf over the string; no string or array made per row. The one
 * place that knows the row layout for readers (`unpackBars`, BarColumnsBuilder).
 */
export function eachPackedRow(rows: string, visit: PackedRowVisitor): void {
  const len = rows.length;
  let p = 0;
  while (p < len) {
    const a = rows.indexOf(',', p);
    const b = rows.indexOf(',', a + 1);
    const c = rows.indexOf(',', b + 1);
    const d = rows.indexOf(',', c + 1);
    const e = rows.indexOf(',', d + 1);
    const f = rows.indexOf(',', e + 1);
    const g = rows.indexOf(',', f + 1);
    const h = rows.indexOf(',', g + 1);
    const i = rows.indexOf(',', h + 1);
    visit(p, a, b, c, d, e, f, g, h, i);
    // i + 1 is the gap digit, i + 2 the ';' (or the end).
    p = i + 3;
  }
}

/**
 * The bars of a checked `rows` string of either form (see eachPackedRow), appended to `out`. Absent wap/count stay absent, as in
 * the JSON form; no string besides the bar's own field strings.
 */
export function unpackBars(rows: string, out: BarData[]): void {
  let prevEnd = 0;
  let prevLength = 0;
  eachPackedRow(rows, (p, a, b, c, d, e, f, g, h, i) => {
    // Empty times only occur in the delta form (and never on a chunk's first row): its two rules.
    const tsStartMs = a === p ? prevEnd : packedInt(rows, p, a);
    const tsEndMs = b === a + 1 ? tsStartMs + prevLength : packedInt(rows, a + 1, b);
    prevEnd = tsEndMs;
    prevLength = tsEndMs - tsStartMs;
    const bar: BarData = {
      tsStartMs,
      tsEndMs,
      open: rows.slice(b + 1, c),
      high: rows.slice(c + 1, d),
      low: rows.slice(d + 1, e),
      close: rows.slice(e + 1, f),
      volume: rows.slice(f + 1, g),
      gap: rows.charCodeAt(i + 1) === 49,
    };
    if (h > g + 1) bar.wap = rows.slice(g + 1, h);
    if (i > h + 1) bar.count = packedInt(rows, h + 1, i);
    out.push(bar);
  });
}
