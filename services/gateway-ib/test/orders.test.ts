import { randomUUID } from 'node:crypto';
import { EventName, IBApi, OrderAction, OrderType, SecType, TimeInForce } from '@stoqey/ib';
import type {
  BrokerCancelOrderReply,
  BrokerExecution,
  BrokerModifyOrderReply,
  BrokerOpenOrder,
  BrokerOrderRejected,
  BrokerOrderStatus,
  BrokerPlaceOrderReply,
  BrokerReconciliationSnapshot,
  ReconcileReply,
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
  withTimeout,
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
const cmd = (verb: 'placeOrder' | 'modifyOrder' | 'cancelOrder' | 'reconcile') =>
  Subjects.brokerCommand.build({ broker: h.broker, verb });
const order = (clientOrderId: string, over: Record<string, unknown> = {}) => ({
  v: 1,
  clientOrderId,
  account: ACCOUNT,
  instrument: { id: AAPL },
  side: 'BUY',
  quantity: '100',
  orderType: 'MKT',
  tif: 'DAY',
  outsideRth: false,
  ...over,
});
const place = (body: object) => h.bus.request<BrokerPlaceOrderReply>(cmd('placeOrder'), body, { timeoutMs: 5_000 });
const coid = () => `o-${randomUUID().slice(0, 18)}`;
const quote = () => h.sim.control.quotes.quoteAt(AAPL_CON_ID, clock.now());
const conn = () => h.gateway.broker(h.broker)?.conn;
const orders = () => h.gateway.broker(h.broker)?.orders;

describe('orders', () => {
  test('a market order: reply says sent; openOrder, execution, commission and Filled arrive on the stream with our id', async () => {
    const id = coid();
    const filled = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === id && s.status === 'filled',
    );
    const exec = nextMessage<BrokerExecution>(h.bus, evt('execution'), (e) => e.execution.clientOrderId === id);
    const r = await place(order(id));
    expect(r).toMatchObject({ ok: true, clientOrderId: id });
    const orderId = r.ok ? r.orderId : 'none';
    const x = (await exec).execution;
    expect(x).toMatchObject({ orderId, side: 'BUY', quantity: '100', account: ACCOUNT, instrumentId: AAPL });
    expect(x.price).toBe(String(quote().ask));
    expect((await exec).eventId).toBe(`exec-${x.execId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    expect(await filled).toMatchObject({ orderId, filled: '100', remaining: '0' });
    await orders()?.flushed();
    const stored = await storedEvents(`broker.${h.broker}.evt.>`);
    const kinds = stored.filter((m) => JSON.stringify(m.data).includes(id)).map((m) => m.subject.split('.').at(-1));
    expect(kinds).toEqual(expect.arrayContaining(['openOrder', 'execution', 'orderStatus']));
    const comm = stored.filter((m) => m.subject.endsWith('.commissionReport') && m.data.execId === x.execId);
    expect(comm).toHaveLength(1);
  });

  test('a burst of fills: the stream holds every fact once, in the order the gateway published them, when flushed() resolves', async () => {
    // Facts are published without waiting for each acknowledgement (orders.ts publishNow): their order on the
    // stream must still be the order they were issued in, and flushed() must still mean "all of them stored".
    const ids = Array.from({ length: 40 }, coid);
    type Fact = { subject: string; data: Record<string, unknown> };
    const seen: Fact[] = [];
    const sub = h.bus.subscribe<Record<string, unknown>>(evt('>'), (m) => void seen.push(m));
    const execIdOf = (f: Fact): unknown =>
      f.subject.endsWith('.execution') ? (f.data.execution as { execId: string }).execId : undefined;
    const ours = (facts: readonly Fact[]): string[] => {
      const mine = facts.filter((f) => ids.some((id) => JSON.stringify(f.data).includes(id)));
      const execIds = new Set<unknown>(mine.map(execIdOf).filter((x) => x !== undefined));
      return facts
        .filter((f) => mine.includes(f) || (f.subject.endsWith('.commissionReport') && execIds.has(f.data.execId)))
        .map((f) => `${f.subject.split('.').at(-1)}:${String(f.data.eventId)}`);
    };
    try {
      const replies = await Promise.all(ids.map((id) => place(order(id, { quantity: '1' }))));
      expect(replies.every((r) => r.ok)).toBe(true);
      await until(
        () => ours(seen).filter((k) => k.startsWith('commissionReport:')).length === ids.length,
        10_000,
        'a commission report for each fill',
      );
      await orders()?.flushed();
      const live = ours(seen);
      const stored = ours(
        (await storedEvents(`broker.${h.broker}.evt.>`)).map((m) => ({ subject: m.subject, data: m.data })),
      );
      expect(stored).toEqual(live);
      expect(new Set(stored).size).toBe(stored.length);
      const execs = stored.filter((k) => k.startsWith('execution:'));
      expect(execs).toHaveLength(ids.length);
      for (const e of execs) {
        const c = stored.indexOf(`commissionReport:comm-${e.slice('execution:exec-'.length)}`);
        expect(c).toBeGreaterThan(stored.indexOf(e));
      }
    } finally {
      sub.unsubscribe();
    }
  });

  test('a retried placeOrder with the same clientOrderId changes nothing', async () => {
    const id = coid();
    const a = await place(order(id, { orderType: 'LMT', limitPrice: '1' }));
    const b = await place(order(id, { orderType: 'LMT', limitPrice: '1' }));
    expect(a.ok && b.ok && b.orderId).toBe(a.ok && a.orderId);
    await until(() => h.sim.control.orders().open.some((o) => o.orderRef === id), 2_000, 'order at the broker');
    expect(h.sim.control.orders().open.filter((o) => o.orderRef === id)).toHaveLength(1);
  });

  test('modify re-sends the order under its id; cancel ends it; ids only grow', async () => {
    const id = coid();
    const far = (Math.round(quote().bid * 100) - 500) / 100;
    const submitted = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === id && s.status === 'working',
    );
    const r = await place(order(id, { orderType: 'LMT', limitPrice: String(far) }));
    const orderId = r.ok ? r.orderId : 'none';
    await submitted;
    const lower = (Math.round(far * 100) - 100) / 100;
    const modified = nextMessage<BrokerOpenOrder>(h.bus, evt('openOrder'), (o) => o.order.limitPrice === String(lower));
    const m = await h.bus.request<BrokerModifyOrderReply>(
      cmd('modifyOrder'),
      { ...order(id, { orderType: 'LMT', limitPrice: String(lower) }), orderId },
      { timeoutMs: 5_000 },
    );
    expect(m).toMatchObject({ ok: true, orderId });
    expect((await modified).order).toMatchObject({ orderId, clientOrderId: id, status: 'working' });
    const cancelled = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.orderId === orderId && s.status === 'cancelled',
    );
    const c = await h.bus.request<BrokerCancelOrderReply>(
      cmd('cancelOrder'),
      { v: 1, clientOrderId: id, orderId },
      { timeoutMs: 5_000 },
    );
    expect(c).toMatchObject({ ok: true });
    await cancelled;
    const nextId = coid();
    const next = await place(order(nextId, { orderType: 'LMT', limitPrice: '1' }));
    expect(next.ok && Number(next.orderId)).toBeGreaterThan(Number(orderId));
    await until(() => h.sim.control.orders().open.some((o) => o.orderRef === nextId), 2_000, 'order at the broker');
  });

  test('a cancel sent while its placeOrder still waits in the governor queues behind it and ends the order', async () => {
    // Found by the orders acceptance soak: in the faster cancel lane the cancel reached IB before the order
    // (10147, unknown order), and the order then kept working.
    const far = String((Math.round(quote().bid * 100) - 500) / 100);
    const burst = await Promise.all(
      Array.from({ length: 60 }, () => place(order(coid(), { orderType: 'LMT', limitPrice: far }))),
    );
    const id = coid();
    const r = await place(order(id, { orderType: 'LMT', limitPrice: far }));
    const orderId = r.ok ? r.orderId : 'none';
    const cancelled = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.orderId === orderId && s.status === 'cancelled',
      10_000,
    );
    const c = await h.bus.request<BrokerCancelOrderReply>(
      cmd('cancelOrder'),
      { v: 1, clientOrderId: id, orderId },
      { timeoutMs: 5_000 },
    );
    expect(c).toMatchObject({ ok: true });
    await cancelled;
    expect(h.sim.control.orders().open.filter((o) => o.orderRef === id)).toEqual([]);
    for (const b of burst)
      if (b.ok)
        await h.bus.request(
          cmd('cancelOrder'),
          { v: 1, clientOrderId: b.clientOrderId, orderId: b.orderId },
          {
            timeoutMs: 5_000,
          },
        );
  });

  test('a broker rejection arrives as orderRejected with the code, then the final status', async () => {
    const id = coid();
    const rejected = nextMessage<BrokerOrderRejected>(h.bus, evt('orderRejected'), (x) => x.clientOrderId === id);
    const inactive = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === id && s.status === 'rejected',
    );
    h.sim.control.rejectNext('test says no');
    expect(await place(order(id))).toMatchObject({ ok: true });
    expect(await rejected).toMatchObject({ brokerCode: 201 });
    expect((await rejected).message).toContain('test says no');
    await inactive;
  });

  test('an unknown account is refused before anything is sent', async () => {
    expect(await place(order(coid(), { account: 'DU0000000' }))).toMatchObject({ ok: false, code: 'ACCOUNT_UNKNOWN' });
  });
});

describe('reconciliation', () => {
  test('an order placed by another client shows up as external, and in the snapshot', async () => {
    const other = new IBApi({ host: '127.0.0.1', port: h.sim.port });
    const ready = new Promise<number>((resolve) => other.once(EventName.nextValidId, resolve));
    other.connect(4242);
    const id = await withTimeout(ready, 5_000, 'other client');
    try {
      other.placeOrder(
        id,
        { conId: AAPL_CON_ID, symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' },
        {
          action: OrderAction.BUY,
          orderType: OrderType.LMT,
          totalQuantity: 7,
          lmtPrice: 1,
          tif: TimeInForce.GTC,
          transmit: true,
          orderRef: 'tws-7',
        },
      );
      await until(
        () => h.sim.control.orders().open.some((o) => o.orderRef === 'tws-7'),
        3_000,
        'external order placed',
      );
      const reconId = randomUUID();
      const snap = nextMessage<BrokerReconciliationSnapshot>(
        h.bus,
        evt('reconciliationSnapshot'),
        (s) => s.reconId === reconId,
      );
      const external = nextMessage<BrokerOpenOrder>(h.bus, evt('externalOrder'), (o) => o.order.quantity === '7');
      const r = await h.bus.request<ReconcileReply>(cmd('reconcile'), { v: 1, reconId }, { timeoutMs: 10_000 });
      expect(r).toMatchObject({ ok: true, reconId, parts: 1 });
      const s = await snap;
      expect(s.openOrders.some((o) => o.quantity === '7' && o.clientOrderId === undefined)).toBe(false);
      expect(s.openOrders.some((o) => o.quantity === '7')).toBe(true);
      expect(s.positions.some((p) => p.instrumentId === AAPL)).toBe(true);
      expect((await external).order.clientOrderId).toBe('tws-7');
    } finally {
      other.disconnect();
    }
  });

  test('a fill while disconnected arrives exactly once after reconnect, the clientId never changes', async () => {
    const id = coid();
    const now = clock.now();
    // The lowest ask of the next hour: a GTC limit there rests now and fills later, while we are away.
    let target = Number.POSITIVE_INFINITY;
    let fillAt = 0;
    for (let t = now + 250; t <= now + 3_600_000; t += 250) {
      const a = h.sim.control.quotes.quoteAt(AAPL_CON_ID, t).ask;
      if (a < target) {
        target = a;
        fillAt = t;
      }
    }
    expect(target).toBeLessThan(quote().ask);
    const submitted = nextMessage<BrokerOrderStatus>(
      h.bus,
      evt('orderStatus'),
      (s) => s.clientOrderId === id && s.status === 'working',
    );
    const r = await place(order(id, { orderType: 'LMT', limitPrice: String(target), tif: 'GTC' }));
    const orderId = r.ok ? r.orderId : 'none';
    await submitted;

    const c = conn();
    const sessions = c?.sessions ?? 0;
    const snapshot = nextMessage<BrokerReconciliationSnapshot>(
      h.bus,
      evt('reconciliationSnapshot'),
      (s) => s.executions.some((x) => x.orderId === orderId),
      10_000,
    );
    h.sim.control.dropClient(h.clientId);
    clock.set(fillAt); // the exchange fills now; no client is there to hear it
    expect(h.sim.control.orders().completed.find((o) => o.orderRef === id)?.status).toBe('Filled');
    await until(() => c?.sessions === sessions + 1, 5_000, 'reconnect');
    const reconnectedAt = Date.now();
    const snap = await snapshot;
    expect(Date.now() - reconnectedAt).toBeLessThan(5_000);
    const fill = snap.executions.find((x) => x.orderId === orderId);
    expect(fill).toMatchObject({ clientOrderId: id, price: String(target), quantity: '100' });
    expect(snap.completedOrders.some((o) => o.clientOrderId === id && o.status === 'filled')).toBe(true);

    // A second drop: reconciliation reports the same fill again; the stream still holds it once.
    const again = nextMessage<BrokerReconciliationSnapshot>(h.bus, evt('reconciliationSnapshot'), () => true, 10_000);
    h.sim.control.dropClient(h.clientId);
    await until(() => c?.sessions === sessions + 2, 5_000, 'second reconnect');
    await again;
    await orders()?.flushed();
    const stored = await storedEvents<BrokerExecution>(evt('execution'));
    const copies = stored.filter((m) => m.data.execution.execId === fill?.execId);
    expect(copies).toHaveLength(1);
    const ids = stored.map((m) => m.data.execution.execId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(orders()?.stats.duplicates).toBeGreaterThan(0);
    expect(h.sim.control.sessions().map((s) => s.clientId)).toEqual([h.clientId]);
  }, 30_000);
});
