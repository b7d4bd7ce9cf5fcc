/**
 * Alpaca tells a time-in-force end from a cancel, and so does the gateway: alpaca-sim's `expired` trade update (a
 * DAY order at the session's close, an IOC order's unfilled remainder) is the broker state `expired`, a cancel stays
 * `cancelled`. The OMS records `expired` as it is (services/orders order-state.ts), where from `cancelled` it could
 * only guess it for IOC/FOK.
 */
import type { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ACCOUNT, type startHarness, startRecordedHarness } from './helpers.js';

let h: Awaited<ReturnType<typeof startHarness>>;
let c: BrokerClient;
beforeAll(async () => {
  ({ h, c } = await startRecordedHarness());
}, 30_000);
afterAll(async () => {
  await c?.stop();
  await h?.stop();
});

/** A buy limit at half the ask: it never fills. */
function awayBuy(clientOrderId: string, tif: 'DAY' | 'IOC' | 'GTC') {
  const limitPrice = (Math.floor(h.sim.control.quote('AAPL').ask * 50) / 100).toFixed(2);
  return {
    v: 1 as const,
    clientOrderId,
    account: ACCOUNT,
    instrument: h.orderInstrument,
    side: 'BUY' as const,
    quantity: '10',
    orderType: 'LMT' as const,
    limitPrice,
    tif,
    outsideRth: false,
  };
}

const FINAL = new Set(['cancelled', 'expired', 'filled', 'rejected']);
const finalStatus = (clientOrderId: string) =>
  c.waitFor('orderStatus', (s) => s.clientOrderId === clientOrderId && FINAL.has(s.status), `${clientOrderId} final`);

test('an IOC order the market does not reach ends expired, nothing filled', async () => {
  expect(await c.command('placeOrder', awayBuy('exp-ioc-1', 'IOC'))).toMatchObject({ ok: true });
  expect(await finalStatus('exp-ioc-1')).toMatchObject({ status: 'expired', filled: '0', remaining: '0' });
});

test('a cancelled order ends cancelled, not expired', async () => {
  const r = await c.command('placeOrder', awayBuy('exp-cxl-1', 'GTC'));
  if (!r.ok) throw new Error(`placeOrder refused: ${r.code}`);
  await c.waitFor('orderStatus', (s) => s.clientOrderId === 'exp-cxl-1' && s.status === 'working', 'working');
  expect(await c.command('cancelOrder', { v: 1, clientOrderId: 'exp-cxl-1', orderId: r.orderId })).toMatchObject({
    ok: true,
  });
  expect(await finalStatus('exp-cxl-1')).toMatchObject({ status: 'cancelled', filled: '0' });
});

test('a DAY order still working at the close ends expired; reconciliation reads it as expired too', async () => {
  expect(await c.command('placeOrder', awayBuy('exp-day-1', 'DAY'))).toMatchObject({ ok: true });
  await c.waitFor('orderStatus', (s) => s.clientOrderId === 'exp-day-1' && s.status === 'working', 'working');
  await h.endSession?.();
  expect(await finalStatus('exp-day-1')).toMatchObject({ status: 'expired', filled: '0' });
  const reconId = 'exp-recon-1';
  expect(await c.command('reconcile', { v: 1, reconId, executionsSinceMs: 0 })).toMatchObject({ ok: true });
  const snap = await c.waitFor('reconciliationSnapshot', (s) => s.reconId === reconId, 'the snapshot');
  const done = snap.completedOrders.find((o) => o.clientOrderId === 'exp-day-1');
  expect(done?.status).toBe('expired');
});
