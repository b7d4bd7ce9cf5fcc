/**
 * Two API clients and a clientId-0 client: orders belong to the clientId that placed them (events, open
 * orders, cancels, executions), reqAllOpenOrders shows everyone's, and clientId 0 with reqAutoOpenOrders(true)
 * is told about other clients' orders as they change. A non-zero client asking for auto-binding gets 327.
 */
import { EventName, type Execution } from '@stoqey/ib';
import { afterAll, beforeAll, expect, test } from 'vitest';
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
let one: Recorder;
let two: Recorder;
let zero: Recorder;
beforeAll(async () => {
  m = await startManualSim();
  one = await connectRecorder(m.sim.port, 1);
  two = await connectRecorder(m.sim.port, 2);
  zero = await connectRecorder(m.sim.port, 0);
});
afterAll(async () => {
  for (const c of [one, two, zero]) c.client.close();
  await m.sim.stop();
});

test('orders are bound to their owners; clientId 0 auto-binds', async () => {
  zero.ib.reqAutoOpenOrders(true);
  two.ib.reqAutoOpenOrders(true);
  await two.waitInfo(327);

  one.ib.placeOrder(1, AAPL, limit('BUY', 10, 1, { orderRef: 'one-1' }));
  two.ib.placeOrder(1, AAPL, limit('SELL', 10, 10_000, { orderRef: 'two-1' }));
  await one.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Submitted');
  await two.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Submitted');
  // Same order id, different owners: each client sees only its own.
  expect(one.of(EventName.openOrder).map((a) => (a[2] as { orderRef: string }).orderRef)).toEqual(['one-1', 'one-1']);
  expect(two.of(EventName.openOrder).map((a) => (a[2] as { orderRef: string }).orderRef)).toEqual(['two-1', 'two-1']);
  // clientId 0 is auto-bound: it hears about both.
  await zero.until(
    () =>
      zero.of(EventName.openOrder).filter((a) => ['one-1', 'two-1'].includes((a[2] as { orderRef: string }).orderRef))
        .length >= 4,
    'auto-bound open orders',
  );

  one.ib.reqOpenOrders();
  await one.waitFor(EventName.openOrderEnd);
  const afterReq = one.of(EventName.openOrder).slice(2);
  expect(afterReq.map((a) => (a[2] as { clientId: number }).clientId)).toEqual([1]);

  two.ib.reqAllOpenOrders();
  await two.waitFor(EventName.openOrderEnd);
  const all = two
    .of(EventName.openOrder)
    .slice(2)
    .map((a) => (a[2] as { orderRef: string }).orderRef);
  expect(all.sort()).toEqual(['one-1', 'two-1']);

  // Client 2 cancelling "its" order 1 cancels its own, never client 1's.
  two.ib.cancelOrder(1);
  await two.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Cancelled');
  expect(m.sim.control.orders().open.map((o) => [o.clientId, o.orderId])).toEqual([[1, 1]]);
  expect(one.statuses(1)).not.toContain('Cancelled');

  // Executions: live execDetails go to the owner; reqExecutions of client 2 does not list client 1's fill.
  one.ib.placeOrder(2, AAPL, market('BUY', 100));
  await one.waitFor(EventName.orderStatus, (id: number, s: string) => id === 2 && s === 'Filled');
  await one.waitFor(EventName.execDetails, (_r: number, _c: unknown, e: Execution) => e.orderId === 2);
  two.ib.reqExecutions(5, {});
  await two.waitFor(EventName.execDetailsEnd, (id: number) => id === 5);
  expect(two.of(EventName.execDetails)).toEqual([]);
  zero.ib.reqExecutions(6, {});
  await zero.waitFor(EventName.execDetailsEnd, (id: number) => id === 6);
  expect(zero.of(EventName.execDetails).map((a) => (a[2] as Execution).clientId)).toEqual([1]);
  for (const c of [one, two, zero]) expect(c.client.errors.filter((e) => ![202, 327].includes(e.code))).toEqual([]);
});
