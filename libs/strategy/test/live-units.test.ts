/** The pure parts of a live run: bars from quotes, and the run's orders, fills and positions from OMS events. */
import type { OrderEvent } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { type LedgerOutput, LiveLedger } from '../src/live/ledger.js';
import { QuoteBarBuilder, quotePrice } from '../src/live/quote-bars.js';

describe('QuoteBarBuilder', () => {
  const T = Date.parse('2024-03-13T15:00:00Z');

  test('drops the slot the run started inside, then one bar per slot with prices, completed at its end', () => {
    const b = new QuoteBarBuilder('AAPL', '1m');
    expect(b.add(T + 30_000, 10)).toBeUndefined();
    expect(b.closeAt(T + 59_999)).toBeUndefined(); // not over yet
    expect(b.closeAt(T + 60_000)).toBeUndefined(); // the partial first slot
    b.add(T + 60_500, 11);
    b.add(T + 70_000, 13);
    b.add(T + 80_000, 9);
    b.add(T + 119_999, 12);
    expect(b.closeAt(T + 120_000)).toEqual({
      symbol: 'AAPL',
      timeframe: '1m',
      time: T + 60_000,
      endTime: T + 120_000,
      open: 11,
      high: 13,
      low: 9,
      close: 12,
      volume: 0,
    });
    // A slot without prices has no bar; the next price opens its own slot.
    expect(b.closeAt(T + 180_000)).toBeUndefined();
    b.add(T + 200_000, 14);
    expect(b.closeAt(T + 240_000)).toMatchObject({ time: T + 180_000, open: 14, close: 14 });
  });

  test('a first price exactly at a slot start makes that slot whole; a late timer is caught up by the next price', () => {
    const b = new QuoteBarBuilder('X', '1m');
    b.add(T, 1);
    // No closeAt ran at T+60s (a busy event loop): the next slot's first price completes the bar.
    expect(b.add(T + 61_000, 2)).toMatchObject({ time: T, close: 1 });
  });

  test("a bar's volume is the session's cumulative volume over its slot; a drop is a new session", () => {
    const b = new QuoteBarBuilder('X', '1m');
    b.add(T + 30_000, 10, 1_000); // the dropped first slot: its last figure is the next slot's base
    b.add(T + 50_000, 10, 1_200);
    b.add(T + 61_000, 11, 1_250);
    b.add(T + 119_000, 12, 1_500);
    expect(b.closeAt(T + 120_000)).toMatchObject({ time: T + 60_000, volume: 300 });
    b.add(T + 125_000, 12); // a quote without a volume figure changes nothing
    b.add(T + 170_000, 12, 40); // the broker's session counter restarted
    expect(b.closeAt(T + 180_000)).toMatchObject({ time: T + 120_000, volume: 40 });
    // A broker that sends no volume at all: 0, never NaN.
    const none = new QuoteBarBuilder('Y', '1m');
    none.add(T, 1);
    none.add(T + 30_000, 2);
    expect(none.closeAt(T + 60_000)).toMatchObject({ volume: 0 });
  });

  test('quotePrice: last, else mid, else nothing', () => {
    expect(quotePrice({ symbol: 'X', time: 0, bid: 1, ask: 2, last: 5 })).toBe(5);
    expect(quotePrice({ symbol: 'X', time: 0, bid: 1, ask: 2, last: undefined })).toBe(1.5);
    expect(quotePrice({ symbol: 'X', time: 0, bid: 1, ask: undefined, last: undefined })).toBeUndefined();
  });
});

describe('LiveLedger', () => {
  const base = { v: 1 as const, broker: 'sim', account: 'DU1', tsInitMs: 0 };
  let eventNo = 0;
  const ev = (clientOrderId: string, seq: number, rest: Record<string, unknown>): OrderEvent =>
    ({ ...base, eventId: `e${++eventNo}`, clientOrderId, seq, tsEventMs: 1_000 + seq, ...rest }) as OrderEvent;
  const out = (): LedgerOutput => ({ updates: [], fills: [] });
  const fill = (kind: 'filled' | 'partiallyFilled', execId: string, qty: string, price: string, cum: string) => ({
    kind,
    execId,
    side: 'BUY',
    price,
    quantity: qty,
    cumQty: cum,
    leavesQty: '0',
    avgPrice: price,
  });

  test('fills move the position once per execution; commissions arrive later; other orders are ignored', () => {
    const l = new LiveLedger();
    l.add('a', { symbol: 'AAPL', side: 'BUY', quantity: 10 }, 0);
    const o1 = out();
    l.apply(ev('a', 1, { kind: 'statusChanged', from: 'accepted', to: 'submitted' }), o1);
    l.apply(ev('a', 2, fill('partiallyFilled', 'x1', '4', '100', '4')), o1);
    l.apply(ev('a', 2, fill('partiallyFilled', 'x1', '4', '100', '4')), o1); // redelivered: dropped
    l.apply(ev('a', 3, fill('filled', 'x2', '6', '110', '10')), o1);
    l.apply(ev('other', 1, fill('filled', 'x3', '6', '110', '10')), o1);
    expect(o1.fills.map((f) => [f.quantity, f.price, f.commission])).toEqual([
      [4, 100, undefined],
      [6, 110, undefined],
    ]);
    expect(o1.updates.map((u) => [u.previousStatus, u.order.status])).toEqual([
      ['accepted', 'submitted'],
      ['submitted', 'partiallyFilled'],
      ['partiallyFilled', 'filled'],
    ]);
    expect(l.position('AAPL')).toBe(10);
    expect(l.positions()).toEqual([{ symbol: 'AAPL', quantity: 10, avgPrice: 106 }]);
    expect(l.commissions()).toEqual({ total: 0, pending: 2 });
    l.apply(ev('a', 4, { kind: 'commission', execId: 'x1', commission: '1', currency: 'USD' }), out());
    l.apply(ev('a', 5, { kind: 'commission', execId: 'x2', commission: '1.5', currency: 'USD' }), out());
    expect(l.commissions()).toEqual({ total: 2.5, pending: 0 });
    expect(l.open()).toEqual([]);
  });

  test('a refused modification keeps the order working; a final order stays final', () => {
    const l = new LiveLedger();
    l.add('b', { symbol: 'AAPL', side: 'SELL', quantity: 5, type: 'LMT', limitPrice: 200, tif: 'GTC' }, 0);
    const o = out();
    l.apply(ev('b', 1, { kind: 'statusChanged', from: 'accepted', to: 'submitted' }), o);
    l.apply(ev('b', 2, { kind: 'rejected', brokerCode: 110, message: 'price not on tick' }), o);
    expect(l.order('b')).toMatchObject({ status: 'submitted', reason: 'price not on tick' });
    l.apply(ev('b', 3, { kind: 'cancelled', filledQty: '0' }), o);
    l.apply(ev('b', 4, { kind: 'statusChanged', from: 'submitted', to: 'submitted' }), o);
    expect(l.order('b')?.status).toBe('cancelled');
    expect(l.refuse('b', 'denied', 'late', 0)).toBeUndefined();
    // A refusal before the order worked is final.
    l.add('c', { symbol: 'AAPL', side: 'BUY', quantity: 1 }, 0);
    expect(l.refuse('c', 'denied', 'RISK_MAX_QUANTITY', 7)).toMatchObject({ previousStatus: 'accepted', time: 7 });
    expect(l.order('c')?.status).toBe('denied');
  });
});
