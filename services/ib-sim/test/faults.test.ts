/**
 * Fault injection from a test through the programmatic control handle: the nightly-reset sequence (data
 * maintained, and data lost with market-data subscriptions dropped), farm notices, the competing session,
 * rejecting the next order with a given reason and code, and matching that goes on with nobody connected.
 */
import { EventName } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AAPL,
  AAPL_ID,
  connectRecorder,
  firstAskAtOrBelow,
  limit,
  lowestAsk,
  type ManualSim,
  market,
  type Recorder,
  startManualSim,
} from './order-helpers.js';

let m: ManualSim;
let c: Recorder;
beforeAll(async () => {
  m = await startManualSim();
  c = await connectRecorder(m.sim.port, 21);
});
afterAll(async () => {
  c.client.close();
  await m.sim.stop();
});

const infoCodesSince = (from: number): number[] => c.client.infos.slice(from).map((i) => i.code);

describe('connectivity faults', () => {
  test('nightly reset, data maintained: 1100, farms broken, farms OK, 1102', async () => {
    const from = c.client.infos.length;
    m.sim.control.nightlyReset();
    await c.waitInfo(1102);
    expect(infoCodesSince(from)).toEqual([1100, 2103, 2105, 2104, 2106, 1102]);
    expect(c.client.infos.slice(from)[1]?.message).toBe('Market data farm connection is broken:usfarm');
  });

  test('nightly reset, data lost: ends with 1101 and drops market-data subscriptions', async () => {
    c.ib.reqMktData(7, AAPL, '', false, false);
    await c.until(() => m.sim.control.marketDataLines === 1, 'market-data line');
    const from = c.client.infos.length;
    m.sim.control.nightlyReset({ dataLost: true });
    await c.until(() => infoCodesSince(from).includes(1101), '1101');
    expect(infoCodesSince(from)).toEqual([1100, 2103, 2105, 2104, 2106, 1101]);
    expect(m.sim.control.marketDataLines).toBe(0);
  });

  test('farm notices by kind, with a farm name', async () => {
    const from = c.client.infos.length;
    m.sim.control.farm('secdef', false);
    m.sim.control.farm('hmds', true, 'euhmds');
    await c.until(() => infoCodesSince(from).length >= 2, 'farm notices');
    expect(c.client.infos.slice(from).map((i) => [i.code, i.message])).toEqual([
      [2157, 'Sec-def data farm connection is broken:secdefnj'],
      [2106, 'HMDS data farm connection is OK:euhmds'],
    ]);
  });

  test('competing session: 10197 on every active market-data ticker', async () => {
    c.ib.reqMktData(8, AAPL, '', false, false);
    await c.until(() => m.sim.control.marketDataLines === 1, 'market-data line');
    m.sim.control.competingSession();
    const e = await c.waitError(10197, 8);
    expect(e.message).toBe('No market data during competing live session');
    c.ib.cancelMktData(8);
  });
});

describe('order faults', () => {
  test('reject the next order with a reason and a custom code', async () => {
    m.sim.control.rejectNext('Exchange closed for maintenance', 203);
    c.ib.placeOrder(1, AAPL, market('BUY', 10));
    const e = await c.waitError(203, 1);
    expect(e.message).toBe('Exchange closed for maintenance');
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 1 && s === 'Inactive');
  });

  test('matching goes on while every client is disconnected', async () => {
    const now = m.clock.now();
    const target = lowestAsk(m.sim, AAPL_ID, now);
    const at = firstAskAtOrBelow(m.sim, AAPL_ID, now, target);
    c.ib.placeOrder(2, AAPL, limit('BUY', 100, target, { tif: 'GTC' as never }));
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 2 && s === 'Submitted');
    const gone = c.waitFor(EventName.disconnected);
    expect(m.sim.control.dropAll()).toBe(1);
    await gone;
    await c.until(() => m.sim.control.sessions().length === 0, 'no sessions');
    m.clock.set(at ?? 0);
    const filled = m.sim.control.orders().completed.find((o) => o.clientId === 21 && o.orderId === 2);
    expect(filled?.status).toBe('Filled');
    expect(m.sim.control.positions().find((p) => p.instrumentId === String(AAPL_ID))?.position).toBe(100);
    c = await connectRecorder(m.sim.port, 21);
  });
});
