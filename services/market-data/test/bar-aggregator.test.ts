import type { Bar, Tick } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { BarAggregator } from '../src/bar-aggregator.js';
import { sessionFor } from '../src/sessions.js';
import { TradeExtractor } from '../src/tick-trades.js';

const T0 = Date.parse('2024-03-12T14:00:00Z'); // Tue 10:00 New York, in session
const stk = sessionFor({ secType: 'STK', timeZone: 'America/New_York' });

function agg(timeframe: string, tfMs: number) {
  const bars: Bar[] = [];
  const a = new BarAggregator({
    broker: 'sim',
    instrumentId: '1',
    timeframe,
    tfMs,
    session: stk,
    onBar: (b) => bars.push(b),
    now: () => 0,
  });
  const trade = (dtMs: number, price: string, size = '1') => a.addTrade(T0 + dtMs, price, Number(price), size);
  return { a, bars, trade };
}

describe('bar aggregator', () => {
  test('OHLCV from trades; the first trade past the end completes the bar', () => {
    const { bars, trade } = agg('1m', 60_000);
    trade(1_000, '10.5', '100');
    trade(2_000, '11', '50');
    trade(3_000, '9.75', '25');
    trade(59_999, '10', '5');
    expect(bars).toEqual([]);
    trade(60_000, '12', '1');
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({
      timeframe: '1m',
      complete: true,
      tsStartMs: T0,
      tsEndMs: T0 + 60_000,
      open: '10.5',
      high: '11',
      low: '9.75',
      close: '10',
      volume: '180',
      count: 4,
      gap: false,
    });
  });

  test('the timer completes a bar at end + grace, not before; quiet buckets make no bar', () => {
    const { a, bars, trade } = agg('5s', 5_000);
    trade(0, '1');
    a.flush(T0 + 5_000 + 499, 500);
    expect(bars).toHaveLength(0);
    a.flush(T0 + 5_500, 500);
    expect(bars).toHaveLength(1);
    trade(30_000, '2'); // 25 s of nothing: no synthetic bars
    a.flush(T0 + 40_000, 500);
    expect(bars.map((b) => b.tsStartMs - T0)).toEqual([0, 30_000]);
  });

  test('a trade for an already completed bucket is dropped and counted, never reopens the bar', () => {
    const { a, bars, trade } = agg('5s', 5_000);
    trade(1_000, '1');
    a.flush(T0 + 6_000, 500);
    trade(4_000, '99');
    expect(a.late).toBe(1);
    expect(a.current()).toBeUndefined();
    trade(5_000, '2');
    trade(3_000, '98');
    expect(a.late).toBe(2);
    a.flush(T0 + 20_000, 0);
    expect(bars.map((b) => [b.high, b.volume])).toEqual([
      ['1', '1'],
      ['2', '1'],
    ]);
  });

  test('feedLost flags the open bar and the next one; later bars are clean', () => {
    const { a, bars, trade } = agg('1s', 1_000);
    trade(0, '1');
    trade(1_000, '1');
    a.feedLost();
    trade(5_000, '1');
    trade(6_000, '1');
    trade(7_000, '1');
    expect(bars.map((b) => b.gap)).toEqual([false, true, true, false]);
  });

  test('fractional volumes stay exact', () => {
    const { a, bars, trade } = agg('1s', 1_000);
    trade(0, '1', '0.1');
    trade(1, '1', '0.2');
    a.flush(T0 + 10_000, 0);
    expect(bars[0]?.volume).toBe('0.3');
  });

  test('5-second bars combine into 1m; the 5-s bar ending at the minute completes it', () => {
    const { a, bars } = agg('1m', 60_000);
    for (let i = 0; i < 12; i++) {
      const s = T0 + i * 5_000;
      a.addBar({
        tsStartMs: s,
        tsEndMs: s + 5_000,
        open: String(100 + i),
        high: String(101 + i),
        low: String(99 + i),
        close: String(100.5 + i),
        volume: '10',
        count: 2,
      });
    }
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({ open: '100', high: '112', low: '99', close: '111.5', volume: '120', count: 24 });
  });

  test('7m bars are aligned to the 09:30 open, not to the epoch', () => {
    const { a, bars, trade } = agg('7m', 420_000);
    trade(0, '1'); // 10:00 local → bucket 09:58..10:05
    a.flush(T0 + 3_600_000, 0);
    expect(new Date(bars[0]?.tsStartMs ?? 0).toISOString()).toBe('2024-03-12T13:58:00.000Z');
  });
});

const tick = (over: Partial<Tick>): Tick => ({
  v: 1,
  broker: 'sim',
  instrumentId: '1',
  tsEventMs: T0,
  tsInitMs: T0,
  delayed: false,
  ...over,
});

describe('trades from conflated ticks', () => {
  test('volume increases are trades at the last price; the first tick is the baseline; a decrease is a reset', () => {
    const x = new TradeExtractor();
    expect(x.next(tick({ last: '10', volume: '1000' }))).toBe(false);
    expect(x.next(tick({ last: '10', volume: '1000', bid: '9.9' }))).toBe(false);
    expect(x.next(tick({ last: '10.1', volume: '1300', tsEventMs: T0 + 5 }))).toBe(true);
    expect([x.price, x.size, x.tsMs, x.reset]).toEqual(['10.1', '300', T0 + 5, false]);
    expect(x.next(tick({ last: '10.2', volume: '40' }))).toBe(true);
    expect([x.size, x.reset]).toEqual(['40', true]);
    expect(x.next(tick({ volume: '50' }))).toBe(false);
    expect(x.unpriced).toBe(1);
  });

  test('without volume, a change of last or lastSize is a trade of lastSize', () => {
    const x = new TradeExtractor();
    expect(x.next(tick({ last: '10', lastSize: '5' }))).toBe(false);
    expect(x.next(tick({ last: '10', lastSize: '5', bid: '1' }))).toBe(false);
    expect(x.next(tick({ last: '10', lastSize: '7' }))).toBe(true);
    expect([x.price, x.size]).toEqual(['10', '7']);
  });
});
