import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type BarColumns, BarColumnsBuilder, type BarData, packBars, unpackBars } from '../src/index.js';

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
});
