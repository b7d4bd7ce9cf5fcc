/**
 * The engine's timeline, fill model and records, on small hand-made bar series whose every fill price can be read
 * off the bars (see the timeline in src/engine.ts).
 */
import type { Bar, OrderUpdate, Strategy, StrategyContext } from '@trading-system/strategy';
import { describe, expect, test } from 'vitest';
import { fromShared, type InputBar, runBacktest, StrategyFailedError, toShared } from '../src/index.js';

const T0 = Date.parse('2024-01-02T14:30:00Z');
const MIN = 60_000;

/** Bars from [open, high, low, close] rows, one minute apart. */
function bars(rows: ReadonlyArray<readonly [number, number, number, number]>, start = T0): InputBar[] {
  return rows.map(([open, high, low, close], i) => ({ time: start + i * MIN, open, high, low, close, volume: 10 }));
}

/** A strategy whose onBar runs `script[i]` on the i-th bar. */
function scripted(
  script: Record<number, (ctx: StrategyContext, bar: Bar) => void>,
  extra: Partial<Strategy> = {},
): Strategy {
  let i = 0;
  return {
    name: 'scripted',
    onBar(bar, ctx) {
      script[i]?.(ctx, bar);
      i++;
    },
    ...extra,
  };
}

const flat: Array<[number, number, number, number]> = [
  [100, 101, 99, 100],
  [102, 103, 101, 102.5],
  [103, 104, 99.5, 100.5],
  [101, 101.5, 97, 98],
];

describe('bar-driven fills', () => {
  test('a market order sent on a bar close fills at the next open, with the core commission', () => {
    const r = runBacktest({
      strategy: scripted({ 0: (ctx) => ctx.buy('AAPL', 100) }),
      data: [{ instrument: { symbol: 'AAPL' }, bars: bars(flat) }],
      timeframe: '1m',
    });
    expect(r.fills).toEqual([
      expect.objectContaining({ side: 'BUY', quantity: 100, price: 102, commission: 0.35, time: T0 + MIN }),
    ]);
    expect(r.orders[0]).toMatchObject({ id: 'scripted-1', status: 'filled', avgFillPrice: 102, createdAt: T0 + MIN });
    // cash 100,000 − 100 × 102 − 0.35; valued at the last close 98
    expect(r.statistics.endEquity).toBeCloseTo(100_000 - 10_200 - 0.35 + 9_800, 9);
  });

  test('a resting limit fills at its limit when a leg crosses it, and at the open when the bar gaps through it', () => {
    const r = runBacktest({
      strategy: scripted({
        0: (ctx) => {
          ctx.buy('AAPL', 10, { type: 'LMT', limitPrice: 100 }); // bar 2 falls from 104 to 99.5: fills at 100
          ctx.buy('AAPL', 10, { type: 'LMT', limitPrice: 98.5, tif: 'GTC' }); // bar 3 dips to 97: fills at 98.5
        },
        2: (ctx) => ctx.sell('AAPL', 5, { type: 'LMT', limitPrice: 100 }), // bar 3 opens at 101 ≥ 100: at the open
      }),
      data: [{ instrument: { symbol: 'AAPL' }, bars: bars(flat) }],
      timeframe: '1m',
    });
    expect(r.fills.map((f) => [f.orderId, f.side, f.quantity, f.price])).toEqual([
      ['scripted-1', 'BUY', 10, 100],
      ['scripted-3', 'SELL', 5, 101],
      ['scripted-2', 'BUY', 10, 98.5],
    ]);
  });

  test('intrabar order: a bar that closes up visits its low before its high (the stop fires, not the target)', () => {
    const up: Array<[number, number, number, number]> = [
      [100, 100, 100, 100],
      [100, 100, 100, 100],
      [100, 106, 94, 103], // closes up: 100 → 94 → 106 → 103
    ];
    const r = runBacktest({
      strategy: scripted({
        0: (ctx) => ctx.buy('X', 1),
        1: (ctx) => {
          ctx.sell('X', 1, { type: 'LMT', limitPrice: 105, tif: 'GTC' });
          ctx.sell('X', 1, { type: 'STP', stopPrice: 95, tif: 'GTC' });
        },
      }),
      data: [{ instrument: { symbol: 'X' }, bars: bars(up) }],
      timeframe: '1m',
    });
    const stop = r.fills.find((f) => f.orderId === 'scripted-3');
    expect(stop).toMatchObject({ price: 95, time: T0 + 2 * MIN + 20_000 });
    // the target fills later in the same bar, at 105 on the way to the high (both were working)
    expect(r.fills.find((f) => f.orderId === 'scripted-2')).toMatchObject({ price: 105, time: T0 + 2 * MIN + 40_000 });
  });

  test('slippage and spread make market-like fills worse; stop-limits trigger at the stop and fill within the limit', () => {
    const r = runBacktest({
      strategy: scripted({
        0: (ctx) => {
          ctx.buy('X', 1);
          ctx.submit({ symbol: 'X', side: 'SELL', quantity: 1, type: 'STP LMT', stopPrice: 100, limitPrice: 99.9 });
        },
      }),
      data: [{ instrument: { symbol: 'X' }, bars: bars(flat) }],
      timeframe: '1m',
      fills: { mode: 'bars', spreadTicks: 2, slippageTicks: 1 },
    });
    // buy at the next open 102 + 1 tick half-spread + 1 tick slippage
    expect(r.fills[0]).toMatchObject({ side: 'BUY', price: 102.02 });
    // bar 2 falls 104 → 99.5: triggers at 100 (bid 99.98 ≥ 99.9), fills there at the bid
    expect(r.fills[1]).toMatchObject({ side: 'SELL', price: 99.98 });
  });

  test('latency: an order arrives at the first market point at or after its arrival', () => {
    const r = runBacktest({
      strategy: scripted({ 0: (ctx) => ctx.buy('X', 1) }),
      data: [{ instrument: { symbol: 'X' }, bars: bars(flat) }],
      timeframe: '1m',
      latencyMs: 30_000,
    });
    // bar 1 (102, 103, 101, 102.5) closes up: open 102 at +0 s, low 101 at +20 s, high 103 at +40 s
    expect(r.fills[0]).toMatchObject({ price: 103, time: T0 + MIN + 40_000 });
  });

  test('refusals and expiry: off-tick prices are rejected, DAY orders expire at the session end, margin is checked', () => {
    const updates: string[] = [];
    const r = runBacktest({
      strategy: scripted(
        {
          0: (ctx) => {
            ctx.buy('X', 1, { type: 'LMT', limitPrice: 50.001 });
            ctx.buy('X', 1, { type: 'LMT', limitPrice: 50 });
            ctx.buy('X', 1_000_000);
          },
        },
        { onOrderUpdate: (u: OrderUpdate) => updates.push(`${u.order.id}:${u.order.status}`) },
      ),
      data: [
        {
          instrument: { symbol: 'X', sessionEndAfter: () => T0 + 2 * MIN + 30_000 },
          bars: bars(flat),
        },
      ],
      timeframe: '1m',
    });
    expect(r.orders.map((o) => [o.id, o.status])).toEqual([
      ['scripted-1', 'rejected'],
      ['scripted-2', 'expired'],
      ['scripted-3', 'rejected'],
    ]);
    expect(r.orders[0]?.reason).toMatch(/^110 /);
    expect(r.orders[2]?.reason).toMatch(/^201 .*MARGIN/);
    // the core acknowledges an order before its margin check refuses it (as ib-sim: PreSubmitted, 201, Inactive)
    expect(updates).toEqual([
      'scripted-1:rejected',
      'scripted-2:submitted',
      'scripted-3:submitted',
      'scripted-3:rejected',
      'scripted-2:expired',
    ]);
  });
});

describe('timeline', () => {
  test('custom timeframes are built from the run bars and delivered after the base bar that completes them', () => {
    const seen: string[] = [];
    const rows = Array.from(
      { length: 15 },
      (_, i) => [100 + i, 101 + i, 99 + i, 100.5 + i] as [number, number, number, number],
    );
    const start = Math.floor(T0 / (7 * MIN)) * 7 * MIN;
    runBacktest({
      strategy: {
        timeframes: ['1m', '7m'],
        onBar: (b) => {
          if (b.timeframe === '7m') seen.push(`${b.time - start}:${b.open}/${b.high}/${b.low}/${b.close}/${b.volume}`);
          else seen.push('1m');
        },
      },
      data: [{ instrument: { symbol: 'X' }, bars: bars(rows, start) }],
      timeframe: '1m',
    });
    const seven = seen.filter((s) => s !== '1m');
    expect(seven).toEqual([
      `0:100/107/99/106.5/70`,
      `${7 * MIN}:107/114/106/113.5/70`,
      `${14 * MIN}:114/115/113/114.5/10`,
    ]);
    expect(seen.indexOf(seven[0] as string)).toBe(7); // after the 7th one-minute bar
  });

  test('several symbols are merged by time; timers fire at their due time', () => {
    const events: string[] = [];
    runBacktest({
      strategy: {
        onStart: (ctx) => ctx.setTimer('t', 90_000, { repeat: true }),
        onBar: (b, ctx) => events.push(`${b.symbol}@${(ctx.now() - T0) / 1000}`),
        onTimer: (name, ctx) => events.push(`${name}@${(ctx.now() - T0) / 1000}`),
      },
      data: [
        { instrument: { symbol: 'A' }, bars: bars(flat.slice(0, 3)) },
        { instrument: { symbol: 'B' }, bars: bars(flat.slice(0, 2), T0 + MIN) },
      ],
      timeframe: '1m',
      from: T0,
    });
    // a timer due at a bar's end fires before that bar is delivered
    expect(events).toEqual(['A@60', 't@90', 'A@120', 'B@120', 't@180', 'A@180', 'B@180']);
  });

  test('the same inputs give byte-identical results', () => {
    const run = () =>
      JSON.stringify(
        runBacktest({
          strategy: scripted({
            0: (ctx) => ctx.buy('X', 3),
            2: (ctx) => ctx.sell('X', 3, { type: 'LMT', limitPrice: 99 }),
          }),
          data: [{ instrument: { symbol: 'X' }, bars: bars(flat) }],
          timeframe: '1m',
        }),
      );
    expect(run()).toBe(run());
  });

  test('columns (sweeps, the benchmark) are read in place with the same result as bar objects, from/to included', () => {
    const rows: Array<[number, number, number, number]> = [...flat, ...flat, ...flat];
    const run = (series: 'objects' | 'columns', from?: number, to?: number) => {
      const input = { instrument: { symbol: 'X' }, bars: bars(rows) };
      return JSON.stringify(
        runBacktest({
          strategy: scripted({ 0: (ctx) => ctx.buy('X', 3), 4: (ctx) => ctx.sell('X', 3) }),
          data: [series === 'objects' ? input : fromShared(toShared(input))],
          timeframe: '1m',
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        }),
      );
    };
    expect(run('columns')).toBe(run('objects'));
    expect(run('columns', T0 + 2 * MIN, T0 + 9 * MIN)).toBe(run('objects', T0 + 2 * MIN, T0 + 9 * MIN));
    expect(JSON.parse(run('columns', T0 + 2 * MIN, T0 + 9 * MIN)).bars).toBe(7);
  });

  test('openOrders: a frozen snapshot, the same array until an order changes, never changed afterwards', () => {
    const seen: Array<readonly unknown[]> = [];
    let firstSnapshot: readonly unknown[] = [];
    runBacktest({
      strategy: scripted({
        0: (ctx) => {
          expect(ctx.openOrders()).toEqual([]);
          expect(Object.isFrozen(ctx.openOrders())).toBe(true);
          ctx.buy('X', 1, { type: 'LMT', limitPrice: 50 }); // far below: rests
          firstSnapshot = ctx.openOrders();
          expect(firstSnapshot).toMatchObject([{ status: 'accepted', symbol: 'X' }]);
          expect(Object.isFrozen(firstSnapshot) && Object.isFrozen(firstSnapshot[0])).toBe(true);
          expect(ctx.openOrders()).toBe(firstSnapshot);
          expect(ctx.openOrders('X')).toEqual(firstSnapshot);
          expect(ctx.openOrders('Y')).toEqual([]);
        },
        // two symbols: calls 0-1 are the first instant's bars, 2-3 the second's
        2: (ctx) => {
          // it reached the exchange at this bar's open: a new snapshot, the old one as it was
          seen.push(ctx.openOrders());
          expect(ctx.openOrders()).toMatchObject([{ status: 'submitted' }]);
          expect(firstSnapshot).toMatchObject([{ status: 'accepted' }]);
          expect(ctx.openOrders()).toBe(ctx.openOrders());
          ctx.cancelAll();
        },
        4: (ctx) => {
          expect(ctx.openOrders()).toEqual([]);
          expect(seen[0]).toMatchObject([{ status: 'submitted' }]);
        },
      }),
      data: [
        { instrument: { symbol: 'X' }, bars: bars(flat) },
        { instrument: { symbol: 'Y' }, bars: bars(flat) },
      ],
      timeframe: '1m',
    });
    expect(seen).toHaveLength(1);
  });

  test('a throwing callback stops the run with the callback and the time', () => {
    expect(() =>
      runBacktest({
        strategy: scripted({
          1: () => {
            throw new Error('boom');
          },
        }),
        data: [{ instrument: { symbol: 'X' }, bars: bars(flat) }],
        timeframe: '1m',
      }),
    ).toThrow(StrategyFailedError);
    expect(() =>
      runBacktest({
        strategy: scripted({
          1: () => {
            throw new Error('boom');
          },
        }),
        data: [{ instrument: { symbol: 'X' }, bars: bars(flat) }],
        timeframe: '1m',
      }),
    ).toThrow(/onBar threw at 2024-01-02T14:32:00.000Z: boom/);
  });
});
