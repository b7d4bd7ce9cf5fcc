/**
 * Every broker refusal reaches the OMS as `orderRejected` with IB's code and text and which request it answers:
 * a new order (201, 321), a modification (104, 105), a cancel (10148), and IB's own cancellation (202 of an IOC
 * remainder). A 202 that confirms our own cancel is not a refusal.
 */

import { randomUUID } from 'node:crypto';
import type {
  BrokerCancelOrderReply,
  BrokerModifyOrderReply,
  BrokerOrderRejected,
  BrokerOrderStatus,
  BrokerPlaceOrderReply,
} from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { type ManualClock, manualClock } from '@trading-system/ib-sim';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AAPL,
  AAPL_CON_ID,
  type Harness,
  nextMessage,
  startHarness,
  storedEvents,
  TUESDAY_1100_ET,
} from './helpers.js';

const ACCOUNT = 'DU1234567';
let h: Harness;
let clock: ManualClock;
beforeAll(async () => {
  clock = manualClock(TUESDAY_1100_ET);
  h = await startHarness({ sim: { clock } });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const evt = (kind: string) => `broker.${h.broker}.evt.${kind}`;
const cmd = (verb: 'placeOrder' | 'modifyOrder' | 'cancelOrder') =>
  Subjects.brokerCommand.build({ broker: h.broker, verb });
const coid = () => `j-${randomUUID().slice(0, 20)}`;
const order = (clientOrderId: string, over: Record<string, unknown> = {}) => ({
  v: 1,
  clientOrderId,
  account: ACCOUNT,
  instrument: { id: AAPL },
  side: 'BUY',
  quantity: '10',
  orderType: 'MKT',
  tif: 'DAY',
  outsideRth: false,
  ...over,
});
const placed = async (body: object): Promise<string> => {
  const r = await h.bus.request<BrokerPlaceOrderReply>(cmd('placeOrder'), body, { timeoutMs: 5_000 });
  if (!r.ok) throw new Error(`place refused: ${r.code}`);
  return r.orderId;
};
const rejection = (match: (r: BrokerOrderRejected) => boolean) =>
  nextMessage<BrokerOrderRejected>(h.bus, evt('orderRejected'), match);
const status = (orderId: string, s: string) =>
  nextMessage<BrokerOrderStatus>(h.bus, evt('orderStatus'), (x) => x.orderId === orderId && x.status === s);

describe('orderRejected carries the broker code, text and the refused request', () => {
  test('a new order: 201 with its reason, then Inactive', async () => {
    const id = coid();
    const rej = rejection((r) => r.clientOrderId === id);
    h.sim.control.rejectNext('test says no');
    const orderId = await placed(order(id));
    expect(await rej).toMatchObject({ orderId, brokerCode: 201, action: 'place' });
    expect((await rej).message).toContain('test says no');
  });

  test('a new order the broker finds invalid: 321 and its text, though no status ever follows', async () => {
    const id = coid();
    const rej = rejection((r) => r.clientOrderId === id);
    // A negative limit price passes the contract (futures may trade below zero); ib-sim refuses it for a stock.
    const orderId = await placed(order(id, { orderType: 'LMT', limitPrice: '-1.00' }));
    expect(await rej).toMatchObject({ orderId, brokerCode: 321, action: 'place' });
    expect((await rej).message).toMatch(/positive/);
  });

  test('a modification: 105 (side changed) leaves the order working; 104 (already filled)', async () => {
    const id = coid();
    const far = String((Math.round(h.sim.control.quotes.quoteAt(AAPL_CON_ID, clock.now()).bid * 100) - 500) / 100);
    const submitted = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === id && s.status === 'working',
    );
    const orderId = await placed(order(id, { orderType: 'LMT', limitPrice: far }));
    await submitted;
    const rej = rejection((r) => r.orderId === orderId);
    const m = await h.bus.request<BrokerModifyOrderReply>(
      cmd('modifyOrder'),
      { ...order(id, { orderType: 'LMT', limitPrice: far, side: 'SELL' }), orderId },
      { timeoutMs: 5_000 },
    );
    expect(m).toMatchObject({ ok: true, orderId });
    expect(await rej).toMatchObject({ clientOrderId: id, brokerCode: 105, action: 'modify' });
    expect(h.sim.control.orders().open.find((o) => o.orderRef === id)?.action).toBe('BUY');

    const filledId = coid();
    const filled = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === filledId && s.status === 'filled',
    );
    const fid = await placed(order(filledId));
    await filled;
    const rej104 = rejection((r) => r.orderId === fid);
    await h.bus.request(
      cmd('modifyOrder'),
      { ...order(filledId, { quantity: '20' }), orderId: fid },
      { timeoutMs: 5_000 },
    );
    expect(await rej104).toMatchObject({ clientOrderId: filledId, brokerCode: 104, action: 'modify' });
    await h.bus.request(cmd('cancelOrder'), { v: 1, clientOrderId: id, orderId }, { timeoutMs: 5_000 });
  });

  test('a cancel of a filled order: 10148, the order unchanged', async () => {
    const id = coid();
    const filled = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === id && s.status === 'filled',
    );
    const orderId = await placed(order(id));
    await filled;
    const rej = rejection((r) => r.orderId === orderId);
    const c = await h.bus.request<BrokerCancelOrderReply>(
      cmd('cancelOrder'),
      { v: 1, clientOrderId: id, orderId },
      { timeoutMs: 5_000 },
    );
    expect(c).toMatchObject({ ok: true });
    expect(await rej).toMatchObject({ clientOrderId: id, brokerCode: 10148, action: 'cancel' });
    expect((await rej).message).toContain(`OrderId ${orderId}`);
  });

  test("IB cancelling on its own (IOC remainder) is reported with 202; our own cancel's 202 is not", async () => {
    const ioc = coid();
    const far = String((Math.round(h.sim.control.quotes.quoteAt(AAPL_CON_ID, clock.now()).bid * 100) - 500) / 100);
    const rej = rejection((r) => r.clientOrderId === ioc);
    const iocId = await placed(order(ioc, { orderType: 'LMT', limitPrice: far, tif: 'IOC' }));
    expect(await rej).toMatchObject({ orderId: iocId, brokerCode: 202, action: 'broker' });

    const mine = coid();
    const mineId = await placed(order(mine, { orderType: 'LMT', limitPrice: far }));
    const cancelled = status(mineId, 'cancelled');
    await h.bus.request(cmd('cancelOrder'), { v: 1, clientOrderId: mine, orderId: mineId }, { timeoutMs: 5_000 });
    await cancelled;
    await h.gateway.broker(h.broker)?.orders.flushed();
    const stored = await storedEvents<BrokerOrderRejected>(evt('orderRejected'));
    expect(stored.filter((m) => m.data.orderId === mineId)).toEqual([]);
    // One event per refusal, each with its own id.
    const ids = stored.map((m) => m.data.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
