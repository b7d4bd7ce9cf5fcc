/**
 * whatIf orders are previewed, never placed: openOrder with whatIf=1, margin before/change/after and the
 * commission estimate, no orderStatus, nothing in the book. Also pins that the sim reads @stoqey/ib's whole
 * placeOrder up to whatIf (a misread tail would be logged and the preview would be a real order).
 */
import { type Contract, EventName, type Order, type OrderState } from '@stoqey/ib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Logger } from '../src/logger.js';
import {
  AAPL,
  AAPL_ID,
  ACCOUNT,
  connectRecorder,
  limit,
  type ManualSim,
  market,
  type Recorder,
  startManualSim,
} from './order-helpers.js';

const warnings: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_obj, msg) => {
    warnings.push(msg ?? '');
  },
  error: (_obj, msg) => {
    warnings.push(msg ?? '');
  },
  child: () => logger,
};

let m: ManualSim;
let c: Recorder;
beforeAll(async () => {
  m = await startManualSim({ logger });
  c = await connectRecorder(m.sim.port, 6);
});
afterAll(async () => {
  c.client.close();
  await m.sim.stop();
});

test('a whatIf market buy: preview with margins and commission, nothing placed', async () => {
  const q = m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now());
  c.ib.placeOrder(60, AAPL, market('BUY', 1_000, { whatIf: true }));
  const [, contract, order, state] = (await c.waitFor(EventName.openOrder, (id: number) => id === 60)) as [
    number,
    Contract,
    Order,
    OrderState,
  ];
  expect(contract.conId).toBe(AAPL_ID);
  expect(order.whatIf).toBe(true);
  expect(state.status).toBe('PreSubmitted');
  expect(Number(state.initMarginBefore)).toBe(0);
  expect(Number(state.initMarginChange)).toBeCloseTo(0.25 * 1_000 * q.ask, 2);
  expect(Number(state.equityWithLoanBefore)).toBe(1_000_000);
  expect(state.commission).toBe(3.5);
  expect(state.commissionCurrency).toBe('USD');
  // A round trip later: still no status, no order, no position.
  c.ib.reqOpenOrders();
  await c.waitFor(EventName.openOrderEnd);
  expect(c.statuses(60)).toEqual([]);
  expect(m.sim.control.orders()).toEqual({ open: [], completed: [] });
  expect(m.sim.control.positions()).toEqual([]);
  expect(m.sim.control.exchange.cashMicros(ACCOUNT, 'USD')).toBe(1_000_000_000_000n);
});

test('a whatIf with a bad tick is refused like the real order; real orders are read to the end', async () => {
  c.ib.placeOrder(61, AAPL, limit('BUY', 10, 100.001, { whatIf: true }));
  await c.waitError(110, 61);
  c.ib.placeOrder(62, AAPL, limit('BUY', 10, 1, { orderRef: 'real-62' }));
  await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 62 && s === 'Submitted');
  expect(warnings).toEqual([]);
});
