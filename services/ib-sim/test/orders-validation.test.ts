/**
 * placeOrder/cancelOrder refusals as TWS gives them (spec §4.1, §4.2 E–G): an error with the order id and no
 * order created (110, 434, 321, 200, 103), 10147 / 10148 for cancels of unknown or finished orders, and a
 * rejection (201) that leaves the order Inactive. reqGlobalCancel cancels every client's working orders.
 */
import { type Contract, EventName, type Execution, SecType } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AAPL,
  connectRecorder,
  limit,
  type ManualSim,
  market,
  type Recorder,
  startManualSim,
} from './order-helpers.js';

let m: ManualSim;
let c: Recorder;
beforeAll(async () => {
  m = await startManualSim();
  c = await connectRecorder(m.sim.port, 4);
});
afterAll(async () => {
  c.client.close();
  await m.sim.stop();
});

function noOrder(orderId: number): void {
  const { open, completed } = m.sim.control.orders();
  expect([...open, ...completed].some((o) => o.clientId === 4 && o.orderId === orderId)).toBe(false);
  expect(c.statuses(orderId)).toEqual([]);
}

describe('validation at placeOrder: error only, nothing created', () => {
  test('110 for a price off the tick grid', async () => {
    c.ib.placeOrder(20, AAPL, limit('BUY', 10, 100.005));
    const e = await c.waitError(110, 20);
    expect(e.message).toBe('The price does not conform to the minimum price variation for this contract.');
    noOrder(20);
  });

  test('434 for a zero size', async () => {
    c.ib.placeOrder(21, AAPL, limit('BUY', 0, 100));
    expect((await c.waitError(434, 21)).message).toBe('The order size cannot be zero.');
    noOrder(21);
  });

  test('321 for a limit order without a limit price', async () => {
    c.ib.placeOrder(22, AAPL, { ...limit('BUY', 10, 100), lmtPrice: undefined });
    expect((await c.waitError(321, 22)).message).toContain('Missing limit price');
    noOrder(22);
  });

  test('200 for an unknown contract', async () => {
    const nope: Contract = { symbol: 'NOPEXYZ', secType: SecType.STK, exchange: 'SMART', currency: 'USD' };
    c.ib.placeOrder(23, nope, market('BUY', 10));
    expect((await c.waitError(200, 23)).message).toBe('No security definition has been found for the request');
    noOrder(23);
  });

  test('103 for an id at or below one the client already used', async () => {
    c.ib.placeOrder(30, AAPL, limit('BUY', 1, 1));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 30 && s === 'Submitted');
    c.ib.placeOrder(25, AAPL, limit('BUY', 1, 1));
    expect((await c.waitError(103, 25)).message).toBe('Duplicate order id');
    noOrder(25);
  });
});

describe('cancels', () => {
  test('10147 for an unknown order id', async () => {
    c.ib.cancelOrder(999);
    expect((await c.waitError(10147, 999)).message).toBe('OrderId 999 that needs to be cancelled is not found.');
  });

  test('10148 for a filled order, whose state does not change', async () => {
    c.ib.placeOrder(31, AAPL, market('BUY', 100));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 31 && s === 'Filled');
    c.ib.cancelOrder(31);
    expect((await c.waitError(10148, 31)).message).toBe(
      'OrderId 31 that needs to be cancelled cannot be cancelled, state: Filled.',
    );
    expect(c.statuses(31).at(-1)).toBe('Filled');
  });
});

describe('rejects and global cancel', () => {
  test('a rejected order: PreSubmitted, 201 with the reason, then Inactive', async () => {
    m.sim.control.rejectNext('scripted for the test');
    c.ib.placeOrder(40, AAPL, market('BUY', 10));
    const e = await c.waitError(201, 40);
    expect(e.message).toBe('Order rejected - reason:scripted for the test');
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 40 && s === 'Inactive');
    expect(c.statuses(40)).toEqual(['PreSubmitted', 'Inactive']);
    expect(c.of(EventName.execDetails).some((a) => (a[2] as Execution).orderId === 40)).toBe(false);
    // Only the next order: the one after works again.
    c.ib.placeOrder(41, AAPL, limit('BUY', 1, 1));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 41 && s === 'Submitted');
  });

  test('reqGlobalCancel cancels every working order of every client', async () => {
    const other = await connectRecorder(m.sim.port, 5);
    other.ib.placeOrder(1, AAPL, limit('BUY', 1, 1));
    await other.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Submitted');
    c.ib.reqGlobalCancel();
    await other.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Cancelled');
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 41 && s === 'Cancelled');
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 30 && s === 'Cancelled');
    expect(m.sim.control.orders().open).toEqual([]);
    other.client.close();
  });
});
