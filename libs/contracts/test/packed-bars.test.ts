import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type BarData,
  BarData as BarDataSchema,
  countPackedBars,
  Decimal,
  HistStreamMessage,
  PACKED_BARS_PATTERN,
  PACKED_DELTA_BARS_PATTERN,
  PACKED_MAX_INT,
  Price,
  packBars,
  unpackBars,
} from '../src/index.js';

const bar: BarData = {
  tsStartMs: 1_710_255_600_000,
  tsEndMs: 1_710_255_660_000,
  open: '187.25',
  high: '187.5',
  low: '187.01',
  close: '187.33',
  volume: '12345',
  wap: '187.2675',
  count: 123,
  gap: false,
};

function unpack(rows: string): BarData[] {
  const out: BarData[] = [];
  unpackBars(rows, out);
  return out;
}

const FIELDS = ['open', 'high', 'low', 'close', 'wap'] as const;
const DECIMALS = [
  '0',
  '-0',
  '1',
  '-1',
  '187.25',
  '1.50',
  '0.000000000001',
  '1'.repeat(32),
  `-${'1'.repeat(31)}`,
  '1'.repeat(33),
  `${'1'.repeat(19)}.${'2'.repeat(12)}`,
  `${'1'.repeat(20)}.${'2'.repeat(12)}`,
  '',
  ' 1',
  '+1',
  '1e5',
  'NaN',
  '.5',
  '5.',
  '007',
  '-',
  '0.1234567890123',
  '1,2',
  '1;2',
];

describe('packed bars', () => {
  test('pack → unpack gives the bars back, absent wap/count included', () => {
    const bars: BarData[] = [
      bar,
      { ...bar, tsStartMs: 0, tsEndMs: PACKED_MAX_INT, open: '-3.5', volume: '0', gap: true },
      { tsStartMs: 5, tsEndMs: 6, open: '1', high: '1', low: '1', close: '1', volume: '1', gap: false },
      { ...bar, count: 0, wap: '-0.000000000001' },
    ];
    const rows = packBars(bars);
    expect(countPackedBars(rows)).toBe(bars.length);
    expect(unpack(rows)).toEqual(bars);
    for (const b of unpack(rows)) expect(BarDataSchema.parse(b)).toEqual(b);
    expect(countPackedBars('')).toBe(0);
    expect(unpack('')).toEqual([]);
  });

  test('a decimal field is accepted exactly when the JSON form accepts it (Price, and Decimal for volume)', () => {
    for (const d of DECIMALS) {
      // (an empty wap is how the packed form spells an absent one, so '' is checked on the other fields)
      for (const field of d === '' ? (['open', 'high', 'low', 'close'] as const) : FIELDS) {
        const row = packBars([{ ...bar, [field]: d }]);
        expect(countPackedBars(row) === 1, `${field} '${d}'`).toBe(Price.safeParse(d).success);
      }
      const row = packBars([{ ...bar, volume: d }]);
      expect(countPackedBars(row) === 1, `volume '${d}'`).toBe(Decimal.safeParse(d).success);
    }
  });

  test('malformed rows are refused', () => {
    const good = packBars([bar]);
    const [ts, te, o, h, l, c, v, w, n] = good.split(',');
    const bad = [
      `${good};`,
      `;${good}`,
      `${good};;${good}`,
      good.replace(/,0$/, ',2'),
      good.replace(/,0$/, ','),
      good.replace(/,0$/, ',0,'),
      `0${ts},${te},${o},${h},${l},${c},${v},${w},${n},0`,
      `${'9'.repeat(16)},${te},${o},${h},${l},${c},${v},${w},${n},0`,
      `${ts},-1,${o},${h},${l},${c},${v},${w},${n},0`,
      `${ts},${te},${o},${h},${l},${c},${v},${w},-1,0`,
      `${ts},${te},${o},${h},${l},${c},${v},${w},1.5,0`,
      `${ts},${te},${o},${h},${l},${c},${v},${w},0`,
      `${ts},${te},${o},${h},${l},${c},${v},${w},${n},0,0`,
      `${ts},${te},${o},${h},${l},${c},,${w},${n},0`,
      good.replace(',', ', '),
      `${good}\n`,
    ];
    for (const rows of bad) expect(countPackedBars(rows), rows).toBeUndefined();
  });

  test('the delta form leaves out the times that follow from the row before, and reads back', () => {
    const next = { ...bar, tsStartMs: bar.tsEndMs, tsEndMs: bar.tsEndMs + 60_000 };
    const later = { ...bar, tsStartMs: next.tsEndMs + 3_600_000, tsEndMs: next.tsEndMs + 3_660_000 };
    const longer = { ...bar, tsStartMs: later.tsEndMs, tsEndMs: later.tsEndMs + 120_000 };
    const bars = [bar, next, later, longer];
    const rows = packBars(bars, true);
    expect(rows.split(';').map((r) => r.split(',').slice(0, 2).join(','))).toEqual([
      `${bar.tsStartMs},${bar.tsEndMs}`,
      ',',
      `${later.tsStartMs},`,
      `,${longer.tsEndMs}`,
    ]);
    expect(countPackedBars(rows, true)).toBe(4);
    expect(countPackedBars(rows)).toBeUndefined();
    expect(unpack(rows)).toEqual(bars);
    // A chunk's first row spells its times.
    expect(countPackedBars(rows.slice(rows.indexOf(';') + 1), true)).toBeUndefined();
  });

  for (const delta of [false, true])
    test(`countPackedBars accepts exactly the strings ${delta ? 'PACKED_DELTA_BARS_PATTERN' : 'PACKED_BARS_PATTERN'} (the published rule) matches`, () => {
      const pattern = new RegExp(delta ? PACKED_DELTA_BARS_PATTERN : PACKED_BARS_PATTERN);
      const second = {
        ...bar,
        tsStartMs: bar.tsEndMs,
        tsEndMs: bar.tsEndMs + 60_000,
        wap: undefined,
        count: undefined,
      };
      const good = packBars([bar, { ...second, gap: true }], delta);
      // Near-misses: valid rows with a few characters replaced, inserted or removed, from the alphabet that matters.
      const edit = fc.record({
        at: fc.nat(),
        drop: fc.nat({ max: 3 }),
        put: fc.stringMatching(/^[-0-9.,;]{0,4}$/),
      });
      fc.assert(
        fc.property(fc.array(edit, { maxLength: 3 }), (edits) => {
          let rows = good;
          for (const e of edits) {
            const at = e.at % (rows.length + 1);
            rows = rows.slice(0, at) + e.put + rows.slice(at + e.drop);
          }
          const n = countPackedBars(rows, delta);
          expect(n !== undefined, rows).toBe(pattern.test(rows));
          if (n !== undefined) expect(n, rows).toBe(rows === '' ? 0 : rows.split(';').length);
        }),
        { numRuns: 5_000 },
      );
    });

  test('the bars-packed chunk schema checks the rows and their count', () => {
    const instrument = {
      id: '265598',
      secType: 'STK',
      symbol: 'AAPL',
      localSymbol: 'AAPL',
      exchange: 'SMART',
      currency: 'USD',
      minTick: '0.01',
    };
    const rows = packBars([bar, { ...bar, gap: true }]);
    const base = { v: 1, requestId: 'r', type: 'bars-packed', index: 0, instrument, timeframe: '1m' };
    expect(HistStreamMessage.safeParse({ ...base, count: 2, rows }).success).toBe(true);
    const wrongCount = HistStreamMessage.safeParse({ ...base, count: 3, rows });
    expect(wrongCount.error?.issues[0]).toMatchObject({ path: ['count'], message: 'rows holds 2 bars, count says 3' });
    const badRows = HistStreamMessage.safeParse({ ...base, count: 2, rows: rows.replace('187.25', '187,25') });
    expect(badRows.error?.issues[0]).toMatchObject({ path: ['rows'] });
    // bars-delta: the delta grammar; a bars-packed chunk may not leave times out.
    const delta = packBars([bar, { ...bar, tsStartMs: bar.tsEndMs, tsEndMs: bar.tsEndMs + 60_000 }], true);
    expect(HistStreamMessage.safeParse({ ...base, type: 'bars-delta', count: 2, rows: delta }).success).toBe(true);
    expect(HistStreamMessage.safeParse({ ...base, count: 2, rows: delta }).success).toBe(false);
  });
});
