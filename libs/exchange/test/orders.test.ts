import { describe, expect, test } from 'vitest';
import type { ExecutionEvent, OrderStatusEvent } from '../src/index.js';
import { AAPL, HOUR, harness, order, orderFlow, T0 } from './helpers.js';

const execs = (events: readonly { kind: string }[]) =>
  events.filter((e): e is ExecutionEvent => e.kind === 'execution').map((e) => e.execution);
const statuses = (events: readonly { kind: string }[]) =>
  events.filter((e): e is OrderStatusEvent => e.kind === 'orderStatus');

describe('market orders', () => {
  test('BUY MKT fills at the ask on acceptance with the TWS sequence', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ orderId: 5, orderRef: 'cid-1' }));
    expect(orderFlow(events)).toEqual([
      'open:PreSubmitted',
      'status:PreSubmitted',
      'open:Submitted',
      'status:Submitted',
      'execution',
      'status:Filled',
      'open:Filled',
      'commission',
    ]);
    const [e] = execs(events);
    expect(e).toMatchObject({ side: 'BOT', shares: 100, price: 100.02, cumQty: 100, avgPrice: 100.02 });
    expect(e?.orderRef).toBe('cid-1');
    expect(e?.timeMs).toBe(T0);
    const filled = statuses(events).at(-1);
    expect(filled).toMatchObject({ orderId: 5, clientId: 1, filled: 100, remaining: 0, avgFillPrice: 100.02 });
    expect(filled?.lastFillPrice).toBe(100.02);
    expect(filled?.permId).toBe(e?.permId);
    expect(ex.openOrders()).toEqual([]);
    expect(ex.completedOrders().map((o) => o.status)).toEqual(['Filled']);
  });

  test('SELL MKT fills at the bid', () => {
    const { ex } = harness();
    const [e] = execs(ex.placeOrder(order({ action: 'SELL', totalQuantity: 10 })));
    expect(e).toMatchObject({ side: 'SLD', shares: 10, price: 100 });
  });

  test('orders larger than the displayed size fill in steps of at most that size', () => {
    const { ex, quotes, clock } = harness();
    quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, askSize: 300 });
    const first = ex.placeOrder(order({ orderId: 10, totalQuantity: 700 }));
    expect(execs(first).map((e) => e.shares)).toEqual([300]);
    expect(statuses(first).at(-1)).toMatchObject({ status: 'Submitted', filled: 300, remaining: 400 });
    quotes.set(AAPL.instrumentId, { bid: 100.01, ask: 100.04, askSize: 300 });
    clock.t += 1_000;
    const second = ex.step();
    expect(execs(second).map((e) => [e.shares, e.cumQty])).toEqual([[300, 600]]);
    clock.t += 1_000;
    const third = ex.step();
    const last = execs(third)[0];
    expect(last).toMatchObject({ shares: 100, cumQty: 700, price: 100.04 });
    expect(last?.avgPrice).toBeCloseTo((300 * 100.02 + 400 * 100.04) / 700, 10);
    expect(statuses(third).at(-1)).toMatchObject({ status: 'Filled', remaining: 0 });
    expect(new Set([...execs(first), ...execs(second), ...execs(third)].map((e) => e.execId)).size).toBe(3);
  });

  test('a zero displayed size fills nothing until size shows up', () => {
    const { ex, quotes } = harness();
    quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, askSize: 0 });
    expect(execs(ex.placeOrder(order()))).toEqual([]);
    quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, askSize: 500 });
    expect(execs(ex.step()).map((e) => e.shares)).toEqual([100]);
  });
});

describe('limit orders', () => {
  test('BUY LMT below the ask rests Submitted, fills at the ask once the ask reaches the limit', () => {
    const { ex, quotes, clock } = harness();
    const placed = ex.placeOrder(order({ orderType: 'LMT', lmtPrice: 99.5 }));
    expect(orderFlow(placed)).toEqual([
      'open:PreSubmitted',
      'status:PreSubmitted',
      'open:Submitted',
      'status:Submitted',
    ]);
    expect(ex.step()).toEqual([]);
    quotes.set(AAPL.instrumentId, { bid: 99.4, ask: 99.48 });
    clock.t += 1_000;
    const [e] = execs(ex.step());
    expect(e).toMatchObject({ side: 'BOT', price: 99.48 });
  });

  test('SELL LMT above the bid rests, fills at the bid once the bid reaches the limit', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ action: 'SELL', orderType: 'LMT', lmtPrice: 100.5 }));
    quotes.set(AAPL.instrumentId, { bid: 100.49, ask: 100.51 });
    expect(execs(ex.step())).toEqual([]);
    quotes.set(AAPL.instrumentId, { bid: 100.5, ask: 100.52 });
    expect(execs(ex.step())[0]).toMatchObject({ side: 'SLD', price: 100.5 });
  });

  test('a marketable limit fills at the opposite quote on acceptance (price improvement)', () => {
    const { ex } = harness();
    expect(execs(ex.placeOrder(order({ orderType: 'LMT', lmtPrice: 101 })))[0]?.price).toBe(100.02);
    expect(execs(ex.placeOrder(order({ action: 'SELL', orderType: 'LMT', lmtPrice: 99 })))[0]?.price).toBe(100);
  });
});

describe('stop orders', () => {
  test('BUY STP is held PreSubmitted until last >= stop, then fills at the ask', () => {
    const { ex, quotes } = harness();
    const placed = ex.placeOrder(order({ orderId: 40, orderType: 'STP', auxPrice: 101 }));
    expect(orderFlow(placed)).toEqual(['open:PreSubmitted', 'status:PreSubmitted']);
    quotes.set(AAPL.instrumentId, { bid: 100.9, ask: 100.95, last: 100.99 });
    expect(ex.step()).toEqual([]);
    expect(ex.order(1, 40)?.status).toBe('PreSubmitted');
    quotes.set(AAPL.instrumentId, { bid: 101.01, ask: 101.03, last: 101 });
    const events = ex.step();
    expect(orderFlow(events).slice(0, 3)).toEqual(['open:Submitted', 'status:Submitted', 'execution']);
    expect(execs(events)[0]).toMatchObject({ side: 'BOT', price: 101.03 });
  });

  test('SELL STP triggers when last <= stop and fills at the bid', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ action: 'SELL', orderType: 'STP', auxPrice: 99 }));
    quotes.set(AAPL.instrumentId, { bid: 98.9, ask: 98.95, last: 99 });
    expect(execs(ex.step())[0]).toMatchObject({ side: 'SLD', price: 98.9 });
  });

  test('STP LMT: triggered but limit not reachable waits Submitted; stays triggered when last retreats', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ orderId: 50, action: 'SELL', orderType: 'STP LMT', auxPrice: 99, lmtPrice: 98.8 }));
    quotes.set(AAPL.instrumentId, { bid: 98.5, ask: 98.6, last: 98.9 });
    expect(execs(ex.step())).toEqual([]);
    expect(ex.order(1, 50)).toMatchObject({ status: 'Submitted', triggered: true });
    quotes.set(AAPL.instrumentId, { bid: 98.8, ask: 98.85, last: 99.5 });
    expect(execs(ex.step())[0]).toMatchObject({ side: 'SLD', price: 98.8 });
  });

  test('BUY STP LMT fills at the ask at or below the limit once triggered', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ orderType: 'STP LMT', auxPrice: 100.5, lmtPrice: 100.6 }));
    quotes.set(AAPL.instrumentId, { bid: 100.55, ask: 100.58, last: 100.5 });
    expect(execs(ex.step())[0]).toMatchObject({ side: 'BOT', price: 100.58 });
  });
});

describe('trading hours', () => {
  const evening = T0 + 7 * HOUR; // 22:00 UTC: extended hours only

  test('an RTH-only order outside regular hours is held PreSubmitted until the session opens', () => {
    const { ex, clock } = harness();
    clock.t = evening;
    const placed = ex.placeOrder(order({ orderId: 60, tif: 'GTC' }));
    expect(orderFlow(placed)).toEqual(['open:PreSubmitted', 'status:PreSubmitted']);
    clock.t = T0 + 24 * HOUR;
    const events = ex.step();
    expect(execs(events)).toHaveLength(1);
    expect(ex.order(1, 60)?.status).toBe('Filled');
  });

  test('outsideRth lets the order fill in extended hours', () => {
    const { ex, clock } = harness();
    clock.t = evening;
    expect(execs(ex.placeOrder(order({ outsideRth: true })))).toHaveLength(1);
  });

  test('nothing fills while both sessions are closed, even with outsideRth', () => {
    const { ex, clock } = harness();
    clock.t = T0 - 12 * HOUR; // 03:00 UTC
    expect(execs(ex.placeOrder(order({ outsideRth: true, tif: 'GTC' })))).toEqual([]);
  });
});

describe('orders live independently of connections', () => {
  test('fills happen with no listener attached; the client reads them on reconnect', () => {
    const { ex, quotes, clock } = harness();
    ex.placeOrder(order({ orderId: 70, clientId: 7, orderType: 'LMT', lmtPrice: 99, tif: 'GTC' }));
    // The front detaches its listener while client 7 is disconnected; the core keeps stepping.
    const detached: string[] = [];
    const off = ex.onEvent((e) => detached.push(e.kind));
    off();
    quotes.set(AAPL.instrumentId, { bid: 98.9, ask: 98.98 });
    clock.t += 60_000;
    ex.step();
    expect(detached).toEqual([]);
    expect(ex.openOrders(7)).toEqual([]);
    expect(ex.executions({ clientId: 7 })).toHaveLength(1);
    expect(ex.completedOrders()[0]).toMatchObject({ orderId: 70, clientId: 7, status: 'Filled' });
  });

  test('openOrders filters by clientId; all open orders without one', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 80, clientId: 1, orderType: 'LMT', lmtPrice: 90 }));
    ex.placeOrder(order({ orderId: 80, clientId: 2, orderType: 'LMT', lmtPrice: 91 }));
    expect(ex.openOrders(1).map((o) => o.lmtPrice)).toEqual([90]);
    expect(ex.openOrders(2).map((o) => o.lmtPrice)).toEqual([91]);
    expect(ex.openOrders().map((o) => o.clientId)).toEqual([1, 2]);
    expect(new Set(ex.openOrders().map((o) => o.permId)).size).toBe(2);
    expect(ex.nextOrderId(1)).toBe(81);
  });
});
