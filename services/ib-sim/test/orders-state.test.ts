/**
 * `stateFile`: orders, positions, cash and executions survive a sim restart (a GTC order still works, the
 * reconnecting client gets a nextValidId above its ids and reads its fills back); `reset` starts clean.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventName, type Execution, TimeInForce } from '@stoqey/ib';
import { afterAll, expect, test } from 'vitest';
import { AAPL, AAPL_ID, ACCOUNT, connectRecorder, limit, market, startManualSim } from './order-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-sim-state-'));
const stateFile = join(dir, 'state.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('restart with the state file keeps orders, positions, cash and executions; reset starts clean', async () => {
  const first = await startManualSim({ stateFile });
  const c = await connectRecorder(first.sim.port, 5);
  c.ib.placeOrder(7, AAPL, limit('BUY', 10, 1, { tif: TimeInForce.GTC, orderRef: 'gtc-7' }));
  c.ib.placeOrder(8, AAPL, market('BUY', 100, { orderRef: 'mkt-8' }));
  await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 8 && s === 'Filled');
  await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 7 && s === 'Submitted');
  const cash = first.sim.control.exchange.cashMicros(ACCOUNT, 'USD');
  expect(cash).toBeLessThan(1_000_000_000_000n);
  c.client.close();
  await first.sim.stop();

  const second = await startManualSim({ stateFile });
  expect(second.sim.control.context.nextOrderId(5)).toBe(9);
  expect(second.sim.control.exchange.cashMicros(ACCOUNT, 'USD')).toBe(cash);
  const again = await connectRecorder(second.sim.port, 5);
  // Pushed at connect, then on request.
  again.ib.reqOpenOrders();
  await again.waitFor(EventName.openOrderEnd);
  expect(again.of(EventName.openOrder).map((a) => [a[0], (a[2] as { orderRef: string }).orderRef])).toEqual([
    [7, 'gtc-7'],
    [7, 'gtc-7'],
  ]);
  again.ib.reqPositions();
  const [, , pos] = await again.waitFor(EventName.position, (_a: string, k: { conId: number }) => k.conId === AAPL_ID);
  expect(pos).toBe(100);
  again.ib.reqExecutions(1, {});
  await again.waitFor(EventName.execDetailsEnd);
  expect(again.of(EventName.execDetails).map((a) => (a[2] as Execution).orderRef)).toEqual(['mkt-8']);
  // The restored order still works: cancel it.
  again.ib.cancelOrder(7);
  await again.waitFor(EventName.orderStatus, (id: number, s: string) => id === 7 && s === 'Cancelled');
  again.client.close();
  await second.sim.stop();

  const clean = await startManualSim({ stateFile, reset: true });
  expect(clean.sim.control.orders()).toEqual({ open: [], completed: [] });
  expect(clean.sim.control.positions()).toEqual([]);
  expect(clean.sim.control.exchange.cashMicros(ACCOUNT, 'USD')).toBe(1_000_000_000_000n);
  expect(clean.sim.control.context.nextOrderId(5)).toBe(1);
  await clean.sim.stop();
  const afterReset = await startManualSim({ stateFile });
  expect(afterReset.sim.control.orders()).toEqual({ open: [], completed: [] });
  await afterReset.sim.stop();
});
