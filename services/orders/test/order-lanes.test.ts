import { describe, expect, test } from 'vitest';
import { orderLanes } from '../src/broker-events.js';

const evt = (kind: string) => `broker.ib1.evt.${kind}`;
const execution = (execId: string, clientOrderId?: string) => ({
  execution: { execId, orderId: '7', ...(clientOrderId === undefined ? {} : { clientOrderId }) },
});

describe('broker event lanes', () => {
  test('an order status, open order, rejection and execution go in the lane of their clientOrderId', () => {
    const keyOf = orderLanes();
    expect(keyOf(evt('orderStatus'), { clientOrderId: 'c1', orderId: '7' })).toBe('c1');
    expect(keyOf(evt('openOrder'), { order: { clientOrderId: 'c2' } })).toBe('c2');
    expect(keyOf(evt('orderRejected'), { clientOrderId: 'c3' })).toBe('c3');
    expect(keyOf(evt('execution'), execution('e1', 'c1'))).toBe('c1');
  });

  test('a commission follows its execution into that lane, once; without a known execution it is applied alone', () => {
    const keyOf = orderLanes();
    keyOf(evt('execution'), execution('e1', 'c1'));
    expect(keyOf(evt('commissionReport'), { execId: 'e1' })).toBe('c1');
    // A second report of the same execution (a redelivery) no longer knows the lane: alone, which is always safe.
    expect(keyOf(evt('commissionReport'), { execId: 'e1' })).toBeUndefined();
    expect(keyOf(evt('commissionReport'), { execId: 'e-before-restart' })).toBeUndefined();
    keyOf(evt('execution'), execution('e2'));
    expect(keyOf(evt('commissionReport'), { execId: 'e2' })).toBeUndefined();
  });

  test('events of no order of ours are applied alone', () => {
    const keyOf = orderLanes();
    expect(keyOf(evt('orderStatus'), { orderId: '7' })).toBeUndefined();
    for (const kind of ['position', 'accountValue', 'externalOrder', 'reconciliationSnapshot'])
      expect(keyOf(evt(kind), {})).toBeUndefined();
  });

  test('executions remembered for their commission are bounded', () => {
    const keyOf = orderLanes();
    for (let i = 0; i <= 10_000; i++) keyOf(evt('execution'), execution(`e${i}`, `c${i}`));
    expect(keyOf(evt('commissionReport'), { execId: 'e0' })).toBeUndefined(); // the oldest dropped
    expect(keyOf(evt('commissionReport'), { execId: 'e10000' })).toBe('c10000');
  });
});
