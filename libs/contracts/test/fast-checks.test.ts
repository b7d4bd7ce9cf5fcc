import { describe, expect, test } from 'vitest';
import type { ZodType } from 'zod';
import { catalog, type FastCheck, fastCheckOf, HistStreamMessage, Tick, Trade } from '../src/index.js';

/**
 * Each fast check against the zod schema it shadows: on every sample, a fast YES must come with zod's own success
 * and zod's exact output; a fast "don't know" is always allowed (zod then decides). Valid samples must get a YES,
 * or the fast path would never be taken.
 */
function holdsToSchema(schema: ZodType, check: FastCheck, sample: unknown): 'fast' | 'zod' {
  const fast = check(sample);
  const zod = schema.safeParse(sample);
  if (fast === undefined) return 'zod';
  expect(zod.success, `fast check accepted what zod refuses: ${JSON.stringify(sample)}`).toBe(true);
  expect(fast.value).toEqual(zod.data);
  return 'fast';
}

/** The sample with `key` set to each of `values` (undefined = key removed). */
function variants(base: Record<string, unknown>, key: string, values: readonly unknown[]): Record<string, unknown>[] {
  return values.map((v) => {
    const copy = { ...base };
    if (v === undefined) delete copy[key];
    else copy[key] = v;
    return copy;
  });
}

const BAD_DECIMALS = [
  '',
  ' 1',
  '1 ',
  '+1',
  '1e5',
  'NaN',
  'Infinity',
  '.5',
  '5.',
  '007',
  '-',
  '--1',
  '1.',
  '0.1234567890123',
];
const GOOD_DECIMALS = ['0', '1', '187.25', '0.000000000001', '1'.repeat(32), `${'1'.repeat(19)}.${'2'.repeat(12)}`];
const BAD_INTS = [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '1', null, true, Number.NaN];
const JUNK = [null, true, 1, 'x', [], {}, [1]];

const tick = {
  v: 1,
  broker: 'ib_paper',
  instrumentId: '265598',
  bid: '187.25',
  ask: '187.27',
  last: '187.26',
  bidSize: '100',
  askSize: '300',
  lastSize: '5',
  volume: '1234567',
  open: '186',
  high: '188.1',
  low: '-0.5',
  close: '185.9',
  tsEventMs: 1_710_255_600_000,
  tsInitMs: 1_710_255_600_001,
  delayed: false,
};

describe('fastTick holds to Tick', () => {
  const check = fastCheckOf(Tick) as FastCheck;
  test('valid ticks take the fast path', () => {
    expect(holdsToSchema(Tick, check, tick)).toBe('fast');
    const minimal = { v: 1, broker: 'b', instrumentId: '1', tsEventMs: 0, tsInitMs: 0, delayed: true };
    expect(holdsToSchema(Tick, check, minimal)).toBe('fast');
    for (const d of GOOD_DECIMALS) expect(holdsToSchema(Tick, check, { ...tick, last: d, volume: d })).toBe('fast');
  });

  test('every mutation is either refused by both or accepted with zod output', () => {
    const samples: unknown[] = [...JUNK];
    for (const k of ['bid', 'ask', 'last', 'open', 'high', 'low', 'close', 'bidSize', 'askSize', 'lastSize', 'volume'])
      samples.push(...variants(tick, k, [...BAD_DECIMALS, '-1', '-0', 1, null, undefined, '1'.repeat(33)]));
    for (const k of ['tsEventMs', 'tsInitMs', 'instrumentId'])
      samples.push(...variants(tick, k, [...BAD_INTS, 0, undefined]));
    samples.push(...variants(tick, 'v', [2, '1', undefined]));
    samples.push(...variants(tick, 'broker', ['', 'a.b', 'a b', 'x'.repeat(65), 1, undefined]));
    samples.push(...variants(tick, 'delayed', ['false', 0, undefined]));
    samples.push({ ...tick, extra: 1 }, { ...tick, __proto__: { bid: 'x' } });
    let refused = 0;
    for (const s of samples) {
      if (holdsToSchema(Tick, check, s) === 'zod' && !Tick.safeParse(s).success) refused += 1;
    }
    expect(refused).toBeGreaterThan(samples.length / 2);
  });
});

const greeks = {
  iv: 0.25,
  delta: -0.45,
  gamma: 2.6e-9,
  vega: 0.12,
  theta: -0.03,
  modelPrice: 4.1,
  underlyingPrice: 187.26,
  pvDividend: 0,
  bidIv: 0.24,
  askIv: 0.26,
  lastIv: 0.25,
};

describe("fastTick holds to Tick's greeks", () => {
  const check = fastCheckOf(Tick) as FastCheck;
  test('an option tick takes the fast path', () => {
    expect(holdsToSchema(Tick, check, { ...tick, greeks })).toBe('fast');
    expect(holdsToSchema(Tick, check, { ...tick, greeks: {} })).toBe('fast');
    expect(holdsToSchema(Tick, check, { ...tick, greeks: { askIv: 0.88, delta: 1.5 } })).toBe('fast');
  });

  test('every mutation of the greeks is either refused by both or accepted with zod output', () => {
    const samples: unknown[] = JUNK.map((g) => ({ ...tick, greeks: g }));
    for (const k of Object.keys(greeks)) {
      const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -1e-12, 1.6, -1.6, '1', null];
      for (const g of variants(greeks, k, [...bad, undefined, 0, -0])) samples.push({ ...tick, greeks: g });
    }
    samples.push({ ...tick, greeks: { ...greeks, extra: 1 } }, { ...tick, greeks: { __proto__: { iv: 1 } } });
    class Greeks {
      iv = 1;
    }
    samples.push({ ...tick, greeks: new Greeks() }, { ...tick, greeks: [0.1] });
    let refused = 0;
    for (const s of samples) {
      if (holdsToSchema(Tick, check, s) === 'zod' && !Tick.safeParse(s).success) refused += 1;
    }
    expect(refused).toBeGreaterThan(samples.length / 3);
  });
});

/** The catalog's own example trade (docs/subjects.md shows it), as the bus codec test uses it. */
const trade = catalog.lookup('md.trade.sim.265598')?.example as Trade;

describe('fastTrade holds to Trade', () => {
  const check = fastCheckOf(Trade) as FastCheck;
  test('valid trades take the fast path', () => {
    expect(holdsToSchema(Trade, check, trade)).toBe('fast');
    const [noVolume] = variants(trade, 'volume', [undefined]);
    expect(holdsToSchema(Trade, check, noVolume)).toBe('fast');
    for (const d of GOOD_DECIMALS) expect(holdsToSchema(Trade, check, { ...trade, price: d, size: d })).toBe('fast');
    expect(holdsToSchema(Trade, check, { ...trade, price: '-37.63' })).toBe('fast');
  });

  test('every mutation is either refused by both or accepted with zod output', () => {
    const samples: unknown[] = [...JUNK];
    for (const k of ['price', 'size', 'volume'])
      samples.push(...variants(trade, k, [...BAD_DECIMALS, '-1', '-0', 1, null, undefined, '1'.repeat(33)]));
    for (const k of ['tsEventMs', 'tsInitMs', 'instrumentId'])
      samples.push(...variants(trade, k, [...BAD_INTS, 0, undefined]));
    samples.push(...variants(trade, 'v', [2, '1', undefined]));
    samples.push(...variants(trade, 'broker', ['', 'a.b', 'a b', 'x'.repeat(65), 1, undefined]));
    samples.push(...variants(trade, 'delayed', ['false', 0, undefined]));
    samples.push({ ...trade, extra: 1 }, { ...trade, __proto__: { price: 'x' } });
    let refused = 0;
    for (const s of samples) {
      if (holdsToSchema(Trade, check, s) === 'zod' && !Trade.safeParse(s).success) refused += 1;
    }
    expect(refused).toBeGreaterThan(samples.length / 2);
  });
});

const bar = {
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
const chunk = {
  v: 1,
  requestId: 'r-1',
  type: 'bars',
  index: 0,
  total: 2,
  instrument: {
    id: '265598',
    secType: 'STK',
    symbol: 'AAPL',
    localSymbol: 'AAPL',
    exchange: 'SMART',
    primaryExchange: 'NASDAQ',
    currency: 'USD',
    minTick: '0.01',
  },
  timeframe: '1m',
  bars: [bar, { ...bar, wap: undefined, count: undefined, gap: true }].map((b) => JSON.parse(JSON.stringify(b))),
};

describe('fastHistStream holds to HistStreamMessage', () => {
  const check = fastCheckOf(HistStreamMessage) as FastCheck;
  test('a valid bars chunk takes the fast path; other stream messages go to zod', () => {
    expect(holdsToSchema(HistStreamMessage, check, chunk)).toBe('fast');
    const [noTotal] = variants({ ...chunk, bars: [] }, 'total', [undefined]);
    expect(holdsToSchema(HistStreamMessage, check, noTotal)).toBe('fast');
    const end = { v: 1, requestId: 'r', type: 'end', chunks: 0, rows: 0, partial: false, missing: [], elapsedMs: 1 };
    expect(holdsToSchema(HistStreamMessage, check, end)).toBe('zod');
    expect(HistStreamMessage.safeParse(end).success).toBe(true);
  });

  test('every mutation of a bar or of the chunk is either refused by both or accepted with zod output', () => {
    const bars: Record<string, unknown>[] = [];
    for (const k of ['open', 'high', 'low', 'close', 'wap'])
      bars.push(...variants(bar, k, [...BAD_DECIMALS, '-1.5', 1, null, '1'.repeat(33)]));
    bars.push(...variants(bar, 'volume', [...BAD_DECIMALS, '-1', '-0', 1, undefined]));
    for (const k of ['tsStartMs', 'tsEndMs', 'count']) bars.push(...variants(bar, k, [...BAD_INTS, undefined]));
    bars.push(...variants(bar, 'gap', ['false', 0, undefined]));
    bars.push({ ...bar, extra: 'x' });
    const samples: unknown[] = [
      ...JUNK,
      ...bars.map((b) => ({ ...chunk, bars: [bar, b] })),
      ...JUNK.map((j) => ({ ...chunk, bars: [j] })),
      ...variants(chunk, 'index', [...BAD_INTS, undefined]),
      ...variants(chunk, 'total', [0, ...BAD_INTS]),
      ...variants(chunk, 'timeframe', ['1 min', '60s', '', 1, undefined]),
      ...variants(chunk, 'instrument', [
        {},
        { ...chunk.instrument, instrumentId: '0' },
        { ...chunk.instrument, x: 1 },
        null,
      ]),
      ...variants(chunk, 'requestId', ['a.b', '', undefined]),
      ...variants(chunk, 'bars', [{}, 'x', undefined]),
      ...variants(chunk, 'v', [2, undefined]),
      { ...chunk, extra: 1 },
    ];
    let refused = 0;
    for (const s of samples) {
      if (holdsToSchema(HistStreamMessage, check, s) === 'zod' && !HistStreamMessage.safeParse(s).success) refused += 1;
    }
    expect(refused).toBeGreaterThan(samples.length / 2);
  });
});
