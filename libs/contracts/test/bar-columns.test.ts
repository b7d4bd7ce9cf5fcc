import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type BarColumns,
  BarColumnsBuilder,
  type BarData,
  countPackedBars,
  PACKED_BARS_PATTERN,
  PACKED_DELTA_BARS_PATTERN,
  PackedRowsError,
  packBars,
  unpackBars,
} from '../src/index.js';

/** A decimal of the wire grammar: `-?(0|[1-9]\d*)(\.\d{1,12})?`, ≤ 32 characters. */
const decimal = (signed: boolean) =>
  fc
    .tuple(
      signed ? fc.boolean() : fc.constant(false),
      fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,18}$/)),
      fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
    )
    .map(([neg, int, frac]) => `${neg && int !== '0' ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);

const barArb: fc.Arbitrary<BarData> = fc
  .record({
    tsStartMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    span: fc.integer({ min: 1, max: 86_400_000 }),
    open: decimal(true),
    high: decimal(true),
    low: decimal(true),
    close: decimal(true),
    volume: decimal(false),
    wap: fc.option(decimal(true), { nil: undefined }),
    count: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
    gap: fc.boolean(),
  })
  .map(({ span, wap, count, ...b }) => {
    const bar: BarData = { ...b, tsEndMs: b.tsStartMs + span };
    if (wap !== undefined) bar.wap = wap;
    if (count !== undefined) bar.count = count;
    return bar;
  });

/**
 * Bars of one chunk, often regular (each starting where the one before ends, a stretch of them as long as the one
 * before it: the times the delta form leaves out).
 */
const chunkArb: fc.Arbitrary<BarData[]> = fc
  .tuple(fc.array(fc.tuple(barArb, fc.boolean(), fc.boolean()), { maxLength: 20 }))
  .map(([bars]) => {
    const out: BarData[] = [];
    for (const [b, follows, sameLength] of bars) {
      const prev = out.at(-1);
      const tsStartMs = prev !== undefined && follows ? prev.tsEndMs : b.tsStartMs;
      const length = prev !== undefined && sameLength ? prev.tsEndMs - prev.tsStartMs : b.tsEndMs - b.tsStartMs;
      out.push({ ...b, tsStartMs, tsEndMs: tsStartMs + length });
    }
    return out;
  });

/** Row k of the columns as the object form's numbers. */
function row(c: BarColumns, k: number) {
  return {
    tsStartMs: c.tsStartMs[k],
    tsEndMs: c.tsEndMs[k],
    open: c.open[k],
    high: c.high[k],
    low: c.low[k],
    close: c.close[k],
    volume: c.volume[k],
    wap: c.wap[k],
    count: c.count[k],
    gap: c.gap[k],
  };
}

/** What the columns must hold for `b`: each decimal is the double Number() reads from its exact string. */
function expected(b: BarData) {
  return {
    tsStartMs: b.tsStartMs,
    tsEndMs: b.tsEndMs,
    open: Number(b.open),
    high: Number(b.high),
    low: Number(b.low),
    close: Number(b.close),
    volume: Number(b.volume),
    wap: b.wap === undefined ? Number.NaN : Number(b.wap),
    count: b.count ?? Number.NaN,
    gap: b.gap ? 1 : 0,
  };
}

describe('BarColumnsBuilder', () => {
  test('packed rows of either form decode to the doubles Number() gives for every exact decimal, absent wap/count as NaN', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(chunkArb, fc.boolean()), { maxLength: 6 }), (chunks) => {
        const b = new BarColumnsBuilder(1); // capacity 1: every chunk grows the arrays
        for (const [chunk, delta] of chunks) b.appendPacked(packBars(chunk, delta), chunk.length);
        const all = chunks.flatMap(([chunk]) => chunk);
        const c = b.columns();
        expect(c.length).toBe(all.length);
        for (const [k, bar] of all.entries()) expect(row(c, k)).toEqual(expected(bar));
      }),
      { numRuns: 300 },
    );
  });

  test('the object form and the packed forms of the same bars give the same columns', () => {
    fc.assert(
      fc.property(chunkArb, fc.boolean(), (bars, delta) => {
        const fromPacked = new BarColumnsBuilder(1);
        fromPacked.appendPacked(packBars(bars, delta)); // capacity 1 and no count hint: grows row by row, mid-chunk
        const objects: BarData[] = [];
        unpackBars(packBars(bars, delta), objects);
        expect(objects).toEqual(bars);
        const fromObjects = new BarColumnsBuilder();
        fromObjects.appendBars(objects);
        const a = fromPacked.columns();
        const o = fromObjects.columns();
        expect(a.length).toBe(o.length);
        for (let k = 0; k < a.length; k++) expect(row(a, k)).toEqual(row(o, k));
      }),
      { numRuns: 300 },
    );
  });

  test('prices that are not exact in binary come out as the nearest double, the same as Number()', () => {
    const bars: BarData[] = [
      {
        tsStartMs: 1,
        tsEndMs: 2,
        open: '0.1',
        high: '187.33',
        low: '-0.000000000001',
        close: '999999999999999.9', // 16 significant digits: read through Number()
        volume: '123456789012.123456789012',
        gap: true,
      },
    ];
    const b = new BarColumnsBuilder();
    b.appendPacked(packBars(bars), 1);
    const c = b.columns();
    expect(row(c, 0)).toEqual(expected(bars[0] as BarData));
    expect(c.open[0]).toBe(0.1);
    expect(c.high[0]).toBe(187.33);
    expect(c.gap[0]).toBe(1);
  });

  test('an empty chunk adds nothing', () => {
    const b = new BarColumnsBuilder();
    b.appendPacked('', 0);
    b.appendBars([]);
    expect(b.columns().length).toBe(0);
  });

  /**
   * Rows near the form: a valid chunk's rows with a few characters replaced, inserted or deleted (from the
   * characters of the form, and one that is not), so most are refused somewhere inside a row.
   */
  const nearRows = fc
    .tuple(
      chunkArb,
      fc.boolean(),
      fc.array(
        fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...'0123456789-.,;x')),
        { maxLength: 3 },
      ),
    )
    .map(([bars, delta, edits]) => {
      let rows = packBars(bars, delta);
      for (const [at, op, ch] of edits) {
        const i = rows.length === 0 ? 0 : at % (rows.length + (op === 'insert' ? 1 : 0));
        if (op === 'insert') rows = rows.slice(0, i) + ch + rows.slice(i);
        else if (rows.length > 0) rows = rows.slice(0, i) + (op === 'replace' ? ch : '') + rows.slice(i + 1);
      }
      return rows;
    });

  test('the decode is the check: it accepts exactly the rows of the form (the published patterns), else throws PackedRowsError and keeps nothing', () => {
    fc.assert(
      fc.property(nearRows, fc.boolean(), (rows, delta) => {
        const pattern = new RegExp(delta ? PACKED_DELTA_BARS_PATTERN : PACKED_BARS_PATTERN);
        const b = new BarColumnsBuilder(1);
        b.appendPacked('0,60000,1,1,1,1,0,,,0', 1, delta); // a chunk before: a refused one must not disturb it
        let taken: number | PackedRowsError;
        try {
          taken = b.appendPacked(rows, 0, delta);
        } catch (err) {
          if (!(err instanceof PackedRowsError)) throw err;
          taken = err;
        }
        if (pattern.test(rows)) {
          expect(taken).toBe(countPackedBars(rows, delta));
          const objects: BarData[] = [];
          unpackBars(rows, objects);
          const c = b.columns();
          expect(c.length).toBe(1 + objects.length);
          for (const [k, bar] of objects.entries()) expect(row(c, k + 1)).toEqual(expected(bar));
        } else {
          expect(taken).toBeInstanceOf(PackedRowsError);
          expect((taken as PackedRowsError).code).toBe('INVALID_MESSAGE');
          expect(b.length).toBe(1);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  test('rows cut short or run on are refused, not read past', () => {
    const rows = packBars([
      { tsStartMs: 0, tsEndMs: 60_000, open: '1.5', high: '2', low: '1', close: '1.75', volume: '10', gap: false },
    ]);
    for (let cut = 1; cut < rows.length; cut++)
      expect(() => new BarColumnsBuilder().appendPacked(rows.slice(0, cut), 0, false)).toThrow(PackedRowsError);
    expect(() => new BarColumnsBuilder().appendPacked(`${rows};`, 0, false)).toThrow(PackedRowsError);
    expect(() => new BarColumnsBuilder().appendPacked(`${rows};,,1,1,1,1,1,,,0`, 0, false)).toThrow(PackedRowsError);
    expect(new BarColumnsBuilder().appendPacked(`${rows};,,1,1,1,1,1,,,0`, 0, true)).toBe(2);
  });
});
