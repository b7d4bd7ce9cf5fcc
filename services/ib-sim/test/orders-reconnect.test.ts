/**
 * Orders outlive their connection: a client drops, the sim keeps matching on its clock and fills a resting
 * order; on reconnect with the same clientId, nextValidId is above every id used, reqOpenOrders reports the
 * still-working order and reqExecutions returns the fill that happened meanwhile (with its commission).
 */
import { type CommissionReport, type Contract, EventName, type Execution } from '@stoqey/ib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTimeout } from './helpers.js';
import {
  AAPL,
  AAPL_ID,
  cents,
  connectRecorder,
  firstAskAtOrBelow,
  limit,
  lowestAsk,
  type ManualSim,
  startManualSim,
} from './order-helpers.js';

let m: ManualSim;
beforeAll(async () => {
  m = await startManualSim();
});
afterAll(() => m.sim.stop());

test('a resting order fills while its client is away; reconnect sees it via reqExecutions', async () => {
  const first = await connectRecorder(m.sim.port, 3);
  const now = m.clock.now();
  const ask0 = m.sim.control.quotes.quoteAt(AAPL_ID, now).ask;
  const target = lowestAsk(m.sim, AAPL_ID, now);
  expect(cents(target)).toBeLessThan(cents(ask0));
  const fillAt = firstAskAtOrBelow(m.sim, AAPL_ID, now, target);
  expect(fillAt).toBeDefined();
  first.ib.placeOrder(41, AAPL, limit('BUY', 100, target, { orderRef: 'away-41', tif: 'GTC' as never }));
  first.ib.placeOrder(42, AAPL, limit('BUY', 100, 1, { orderRef: 'far-42', tif: 'GTC' as never }));
  await first.waitFor(EventName.orderStatus, (id: number, s: string) => id === 42 && s === 'Submitted');
  expect(first.statuses(41)).toEqual(['PreSubmitted', 'Submitted']);

  const gone = first.waitFor(EventName.disconnected);
  expect(m.sim.control.dropClient(3)).toBe(1);
  await gone;
  await withTimeout(
    (async () => {
      while (m.sim.control.sessions().some((s) => s.clientId === 3)) await new Promise((r) => setImmediate(r));
    })(),
    2_000,
    'session gone',
  );

  m.clock.set(fillAt ?? 0);
  const done = m.sim.control.orders().completed.find((o) => o.orderId === 41);
  expect(done?.status).toBe('Filled');
  expect(m.sim.control.orders().open.map((o) => o.orderId)).toEqual([42]);

  const again = await connectRecorder(m.sim.port, 3);
  expect(m.sim.control.context.nextOrderId(3)).toBe(43);
  // Pushed unasked at connect, then again on request: only the still-working order.
  again.ib.reqOpenOrders();
  await again.waitFor(EventName.openOrderEnd);
  expect(again.of(EventName.openOrder).map((a) => a[0])).toEqual([42, 42]);
  expect(again.statuses(42)).toEqual(['Submitted', 'Submitted']);

  again.ib.reqExecutions(77, { clientId: '3' });
  await again.waitFor(EventName.execDetailsEnd, (id: number) => id === 77);
  const execs = again.of(EventName.execDetails).map((a) => [a[0], a[2] as Execution, a[1] as Contract] as const);
  expect(execs).toHaveLength(1);
  const [reqId, exec, contract] = execs[0] ?? [];
  expect(reqId).toBe(77);
  expect(contract?.symbol).toBe('AAPL');
  expect(exec?.orderId).toBe(41);
  expect(exec?.orderRef).toBe('away-41');
  expect(exec?.price).toBe(m.sim.control.quotes.quoteAt(AAPL_ID, fillAt ?? 0).ask);
  expect(exec?.shares).toBe(100);
  const [report] = (await again.waitFor(
    EventName.commissionReport,
    (r: CommissionReport) => r.execId === exec?.execId,
  )) as [CommissionReport];
  expect(report.commission).toBe(0.35);
  expect(again.client.errors).toEqual([]);
  again.client.close();
});

test('a reconnect gets a nextValidId above every id the client used', async () => {
  const c = await connectRecorder(m.sim.port, 9);
  c.ib.placeOrder(500, AAPL, limit('BUY', 1, 1));
  await c.waitFor(EventName.orderStatus, (id: number) => id === 500);
  c.client.close();
  await withTimeout(
    (async () => {
      while (m.sim.control.sessions().some((s) => s.clientId === 9)) await new Promise((r) => setImmediate(r));
    })(),
    2_000,
    'session gone',
  );
  const again = await connectRecorder(m.sim.port, 9);
  again.ib.reqIds();
  const [next] = await again.waitFor(EventName.nextValidId);
  expect(next).toBe(501);
  again.client.close();
});
