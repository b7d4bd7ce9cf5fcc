import { describe, expect, test } from 'vitest';
import { MemoryStateStore } from '../src/index.js';
import { AAPL, HOUR, harness, order, orderFlow, rthEnd, T0 } from './helpers.js';

describe('DAY', () => {
  test('a resting DAY order is cancelled at the session end with 202', () => {
    const { ex, clock } = harness();
    ex.placeOrder(order({ orderId: 1, orderType: 'LMT', lmtPrice: 90 }));
    clock.t = rthEnd(T0) - 1;
    expect(ex.step()).toEqual([]);
    clock.t = rthEnd(T0);
    const events = ex.step();
    expect(orderFlow(events)).toEqual(['error:202', 'open:Cancelled', 'status:Cancelled']);
    expect(events[0]).toMatchObject({ id: 1, clientId: 1, message: 'Order Canceled - reason:' });
    expect(ex.openOrders()).toEqual([]);
    expect(ex.completedOrders()[0]).toMatchObject({ status: 'Cancelled', completedAtMs: rthEnd(T0) });
  });

  test('a DAY order placed after the close waits for and expires with the next session', () => {
    const { ex, clock } = harness();
    clock.t = rthEnd(T0) + HOUR;
    ex.placeOrder(order({ orderId: 2, orderType: 'LMT', lmtPrice: 90 }));
    clock.t = rthEnd(T0) + 20 * HOUR; // 17:00 next day: the session opens, the order goes live
    expect(orderFlow(ex.step())).toEqual(['open:Submitted', 'status:Submitted']);
    clock.t = rthEnd(T0) + 24 * HOUR;
    expect(orderFlow(ex.step())).toContain('status:Cancelled');
  });

  test('DAY expiry also applies across a restart from the state store', () => {
    const store = new MemoryStateStore();
    const first = harness({ store });
    first.ex.placeOrder(order({ orderId: 3, orderType: 'LMT', lmtPrice: 90 }));
    const second = harness({ store });
    expect(second.ex.openOrders().map((o) => o.orderId)).toEqual([3]);
    second.clock.t = rthEnd(T0) + 5 * HOUR;
    expect(orderFlow(second.ex.step())).toEqual(['error:202', 'open:Cancelled', 'status:Cancelled']);
  });
});

describe('GTC', () => {
  test('survives the session end and fills in a later session', () => {
    const { ex, clock, quotes } = harness();
    ex.placeOrder(order({ orderId: 4, orderType: 'LMT', lmtPrice: 95, tif: 'GTC' }));
    clock.t = rthEnd(T0) + 2 * HOUR;
    expect(ex.step()).toEqual([]);
    clock.t = T0 + 48 * HOUR;
    quotes.set(AAPL.instrumentId, { bid: 94.9, ask: 94.95 });
    expect(orderFlow(ex.step())).toContain('execution');
    expect(ex.order(1, 4)?.status).toBe('Filled');
  });

  test('survives a restart from the state store and keeps its permId and id sequence', () => {
    const store = new MemoryStateStore();
    const first = harness({ store });
    first.ex.placeOrder(order({ orderId: 5, orderType: 'LMT', lmtPrice: 95, tif: 'GTC' }));
    const permId = first.ex.order(1, 5)?.permId;
    const second = harness({ store });
    second.clock.t = T0 + 72 * HOUR;
    expect(second.ex.step()).toEqual([]);
    expect(second.ex.order(1, 5)).toMatchObject({ status: 'Submitted', permId });
    expect(second.ex.nextOrderId(1)).toBe(6);
    second.ex.placeOrder(order({ orderId: 6, orderType: 'LMT', lmtPrice: 95, tif: 'GTC' }));
    expect(second.ex.order(1, 6)?.permId).toBe((permId ?? 0) + 1);
  });
});

describe('IOC', () => {
  test('fills what the displayed size allows and cancels the rest', () => {
    const { ex, quotes } = harness();
    quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, askSize: 300 });
    const events = ex.placeOrder(order({ orderId: 7, totalQuantity: 500, tif: 'IOC' }));
    expect(orderFlow(events)).toEqual([
      'open:PreSubmitted',
      'status:PreSubmitted',
      'open:Submitted',
      'status:Submitted',
      'execution',
      'status:Submitted',
      'commission',
      'error:202',
      'open:Cancelled',
      'status:Cancelled',
    ]);
    expect(ex.order(1, 7)).toMatchObject({ status: 'Cancelled', filled: 300 });
    expect(ex.step()).toEqual([]);
  });

  test('a non-marketable IOC limit is cancelled at once without fills', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ orderType: 'LMT', lmtPrice: 99, tif: 'IOC' }));
    expect(orderFlow(events).slice(-3)).toEqual(['error:202', 'open:Cancelled', 'status:Cancelled']);
    expect(orderFlow(events)).not.toContain('execution');
  });
});

describe('FOK', () => {
  test('fills completely when the displayed size covers the order', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ orderId: 8, totalQuantity: 1000, tif: 'FOK' }));
    expect(orderFlow(events).filter((s) => s === 'execution')).toHaveLength(1);
    expect(ex.order(1, 8)).toMatchObject({ status: 'Filled', filled: 1000 });
  });

  test('is cancelled with nothing filled when the displayed size is short', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ orderId: 9, totalQuantity: 1001, tif: 'FOK' }));
    expect(orderFlow(events)).not.toContain('execution');
    expect(ex.order(1, 9)).toMatchObject({ status: 'Cancelled', filled: 0 });
    expect(ex.executions()).toEqual([]);
  });
});
