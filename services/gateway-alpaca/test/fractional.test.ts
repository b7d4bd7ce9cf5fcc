/**
 * The fractional claim (fractionalQuantity: ['STK']), which the conformance suite does not exercise once announced:
 * a fractional DAY market order fills in full at alpaca-sim, reported as an execution of that fraction; a
 * fractional GTC order is refused by Alpaca (fractions are DAY only there) with nothing filled.
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

const order = (clientOrderId: string, tif: 'DAY' | 'GTC') => ({
  v: 1 as const,
  clientOrderId,
  account: ACCOUNT,
  instrument: h.orderInstrument,
  side: 'BUY' as const,
  quantity: '0.5',
  orderType: 'MKT' as const,
  tif,
  outsideRth: false,
});

test('a fractional DAY market order fills in full: one execution of 0.5 with its commission report', async () => {
  const r = await c.command('placeOrder', order('frac-day-1', 'DAY'));
  expect(r).toMatchObject({ ok: true });
  const x = await c.waitFor('execution', (e) => e.execution.clientOrderId === 'frac-day-1', 'the fill');
  expect(x.execution).toMatchObject({ quantity: '0.5', cumQty: '0.5', account: ACCOUNT });
  await c.waitFor('commissionReport', (e) => e.execId === x.execution.execId, 'its commission report');
});

test('a fractional GTC order is refused (Alpaca takes fractions as DAY orders only)', async () => {
  const r = await c.command('placeOrder', order('frac-gtc-1', 'GTC'));
  expect(r).toMatchObject({ ok: false, code: 'ORDER_REJECTED' });
});
