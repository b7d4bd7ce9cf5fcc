/**
 * The orders app against real NATS (JetStream) and real Postgres. Every test in this file serves orders.* on the
 * shared server, so they run one after another (tests in one file are sequential); each has its own broker name,
 * schema and durable names.
 */
import { randomUUID } from 'node:crypto';
import { BROKER_STATUS_STREAM, type OrderEvent, Subjects } from '@trading-system/contracts';
import { uniqueName } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { appendEvent, lockOrder } from '../src/ledger.js';
import { AAPL, ACCOUNT, type Harness, lmtBuy, startHarness, waitUntil } from './harness.js';

type Reply = {
  ok: boolean;
  code?: string;
  order?: Record<string, unknown>;
  details?: Record<string, unknown>;
} & Record<string, unknown>;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const coid = () => `c-${randomUUID()}`;
const submit = (x: Harness, extra: Record<string, unknown> = {}) =>
  x.request<Reply>(Subjects.ordersSubmit.build(), lmtBuy(x.broker, { clientOrderId: coid(), ...extra }));
const get = (x: Harness, clientOrderId: string) =>
  x.request<Reply & { events?: OrderEvent[] }>(Subjects.ordersGet.build(), { v: 1, clientOrderId });
const stateOf = async (x: Harness, id: string) => (await get(x, id)).order?.state;
const db = (x: Harness) => x.database.db.withSchema(x.schema);

function exec(x: Harness, clientOrderId: string, orderId: number, execId: string, qty: string, cum: string) {
  const now = Date.now();
  return x.brokerEvent('execution', {
    eventId: `exec-${execId}`,
    tsEventMs: now,
    execution: {
      orderId,
      permId: 9000 + orderId,
      clientOrderId,
      execId,
      account: ACCOUNT,
      conId: AAPL.conId,
      side: 'BUY',
      quantity: qty,
      price: '150.2',
      cumQty: cum,
      avgPrice: '150.2',
      exchange: 'NASDAQ',
      execTimeMs: now,
    },
  });
}

function status(x: Harness, clientOrderId: string, orderId: number, s: string, n: number) {
  return x.brokerEvent('orderStatus', {
    eventId: `status-${x.broker}-${orderId}-${n}`,
    tsEventMs: Date.now(),
    orderId,
    permId: 9000 + orderId,
    clientOrderId,
    status: s as 'Submitted',
    filled: '0',
    remaining: '100',
  });
}

/** A position event for a fresh conId: once it is visible, every earlier broker event has been consumed. */
async function sentinel(x: Harness, quantity = '1'): Promise<void> {
  const conId = 1 + Math.floor(Math.random() * 1e9);
  await x.brokerEvent('position', {
    eventId: `pos-${randomUUID()}`,
    tsEventMs: Date.now(),
    position: { broker: x.broker, account: ACCOUNT, conId, symbol: 'X', secType: 'STK', currency: 'USD', quantity },
  });
  await waitUntil(async () => {
    const r = await x.request<Reply & { brokerPositions?: Array<{ conId: number }> }>(
      Subjects.ordersPositions.build(),
      { v: 1, broker: x.broker },
    );
    return r.brokerPositions?.some((p) => p.conId === conId) ? true : undefined;
  });
}

describe('intake', () => {
  test('concurrent duplicates make one order and one broker order; repeats get the first answer', async () => {
    h = await startHarness('nats-pg');
    const req = lmtBuy(h.broker, { clientOrderId: coid() });
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => h?.request<Reply>(Subjects.ordersSubmit.build(), req)),
    );
    expect(replies[0]).toMatchObject({ ok: true, order: { state: 'submitted', clientOrderId: req.clientOrderId } });
    expect(new Set(replies.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(h.gateway.placed()).toHaveLength(1);
    const rows = await db(h).selectFrom('orders').select('client_order_id').execute();
    expect(rows).toHaveLength(1);

    await h.restart();
    expect(await h.request(Subjects.ordersSubmit.build(), req)).toEqual(replies[0]);
    const other = await h.request<Reply>(Subjects.ordersSubmit.build(), { ...req, quantity: '101' });
    expect(other).toMatchObject({ ok: false, code: 'DUPLICATE_ORDER' });
    expect(h.gateway.placed()).toHaveLength(1);
  });

  test('an order without clientOrderId gets one assigned and returned', async () => {
    h = await startHarness('nats-pg');
    const { clientOrderId: _none, ...req } = lmtBuy(h.broker, { clientOrderId: 'x' });
    const r = await h.request<Reply>(Subjects.ordersSubmit.build(), req);
    expect(r.ok).toBe(true);
    expect(String(r.order?.clientOrderId)).toMatch(/^o-/);
    expect(h.gateway.placed()[0]?.clientOrderId).toBe(r.order?.clientOrderId);
  });

  test('validation and risk denials name code and rule, send nothing and are events', async () => {
    h = await startHarness('nats-pg', {
      risk: { default: { maxOrderQuantity: '1000', priceCollarPercent: '5' }, accounts: {}, strategies: {} },
    });
    const x = h;
    const denied = async (extra: Record<string, unknown>, code: string, rule?: string) => {
      const r = await submit(x, extra);
      expect(r, JSON.stringify(extra)).toMatchObject({ ok: false, code });
      if (rule !== undefined) expect(r.details?.rule).toBe(rule);
      return r;
    };
    await denied({ broker: uniqueName('nosuch') }, 'BROKER_UNKNOWN', 'broker');
    await denied({ account: 'DU999' }, 'ACCOUNT_UNKNOWN', 'account');
    await denied({ instrument: { conId: 1 } }, 'CONTRACT_UNKNOWN', 'instrument');
    // Type parameters are checked by the schema already: the sender refuses before anything travels.
    await expect(submit(x, { limitPrice: undefined })).rejects.toThrow(/LMT needs limitPrice/);
    await denied({ limitPrice: '150.255' }, 'PRICE_NOT_ON_TICK', 'tickSize');
    await denied({ orderType: 'STP', limitPrice: undefined, stopPrice: '150', tif: 'IOC' }, 'ORDER_TYPE_UNSUPPORTED');
    await denied({ quantity: '1.5' }, 'VALIDATION_FAILED', 'quantity');
    const noQuote = await denied({}, 'RISK_NO_REFERENCE_PRICE', 'priceCollar');

    x.bus.publish(Subjects.mdTick.build({ broker: x.broker, instrument: AAPL.conId }), {
      v: 1,
      broker: x.broker,
      conId: AAPL.conId,
      bid: '150.1',
      ask: '150.3',
      last: '150.2',
      tsEventMs: Date.now(),
      tsInitMs: Date.now(),
      delayed: false,
    });
    const first = await waitUntil(async () => {
      const r = await submit(x);
      return r.ok ? r : undefined;
    });
    expect(first.order?.state).toBe('submitted');
    await denied({ limitPrice: '200' }, 'RISK_PRICE_COLLAR', 'priceCollar');
    await denied({ quantity: '1001' }, 'RISK_MAX_QUANTITY', 'maxOrderQuantity');

    const setState = (mode: string) =>
      x.request<Reply>(Subjects.ordersTradingState.build(), {
        v: 1,
        set: { mode, reason: 'test', changedBy: 'operator:test' },
      });
    expect(await setState('halted')).toMatchObject({ ok: true, state: { mode: 'halted' } });
    await denied({}, 'TRADING_HALTED', 'tradingState');
    await setState('reducingOnly');
    await denied({ side: 'SELL' }, 'TRADING_REDUCING_ONLY', 'tradingState');
    await setState('active');

    const limits = await x.request<Reply>(Subjects.ordersRiskLimits.build(), {
      v: 1,
      scope: { account: ACCOUNT },
      set: { maxOpenOrders: 1 },
    });
    expect(limits).toMatchObject({ ok: true, limits: { maxOpenOrders: 1 } });
    await denied({}, 'RISK_MAX_OPEN_ORDERS', 'maxOpenOrders');
    await x.request(Subjects.ordersRiskLimits.build(), { v: 1, scope: { account: ACCOUNT }, set: {} });
    await x.request(Subjects.ordersRiskLimits.build(), {
      v: 1,
      scope: { strategy: 'rate' },
      set: { maxCommandsPerSecond: 2 },
    });
    const burst = await Promise.all([1, 2, 3, 4].map(() => submit(x, { strategy: 'rate' })));
    expect(burst.filter((r) => r.code === 'RISK_RATE_LIMIT').length).toBeGreaterThanOrEqual(2);

    const oks = 1 + burst.filter((r) => r.ok).length;
    expect(x.gateway.placed()).toHaveLength(oks);
    const deniedId = String(noQuote.details?.clientOrderId);
    const ev = await waitUntil(() => x.events.find((e) => e.clientOrderId === deniedId));
    expect(ev).toMatchObject({ kind: 'denied', reasonCode: 'RISK_NO_REFERENCE_PRICE', rule: 'priceCollar' });
  });
});

describe('ledger and outbox', () => {
  test('every event is published once, also after a relay restart and a late commit with a smaller id', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const a = await submit(x);
    const aId = String(a.order?.clientOrderId);
    // Hold a transaction that appended an event (its id is taken now) while later commits get published.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let appended: () => void = () => undefined;
    const isAppended = new Promise<void>((r) => {
      appended = r;
    });
    const held = db(x)
      .transaction()
      .execute(async (trx) => {
        const row = await lockOrder(trx, aId);
        if (row === undefined) throw new Error('no order');
        const now = Date.now();
        await appendEvent(trx, row, 'unresolved', { reason: 'test: late commit' }, { nowMs: now, tsEventMs: now });
        appended();
        await gate;
      });
    await isAppended;
    const b = await submit(x);
    await x.app.relay.flush();
    expect(x.events.some((e) => e.clientOrderId === b.order?.clientOrderId && e.kind === 'statusChanged')).toBe(true);
    release();
    await held;
    await x.app.relay.flush();
    await waitUntil(() => x.events.find((e) => e.kind === 'unresolved' && e.clientOrderId === aId));

    const stored = await db(x).selectFrom('order_events').select(['event_id', 'published_at']).execute();
    expect(stored.every((r) => r.published_at !== null)).toBe(true);

    // A crash between publish and mark: everything is republished on restart, the stream keeps one copy.
    await x.app.stop();
    await db(x).updateTable('order_events').set({ published_at: null }).execute();
    await x.restart();
    await x.app.relay.flush();
    const seen: string[] = [];
    const consumer = await x.bus.jetstream.consume(
      {
        stream: x.config.ordersStream.name,
        durable: uniqueName('check'),
        filterSubject: Subjects.orderEvent.filter({ broker: x.broker }),
        ackWaitMs: 5_000,
        maxDeliver: 1,
        deliver: 'all',
      },
      async (m) => {
        seen.push((m.data as OrderEvent).eventId);
        await m.ack();
      },
    );
    await waitUntil(() => (seen.length >= stored.length ? true : undefined));
    await sentinelOrders(x);
    await consumer.stop();
    const all = await db(x).selectFrom('order_events').select('event_id').execute();
    expect(all.length).toBe(stored.length + 2);
    expect(seen.sort()).toEqual(all.map((r) => r.event_id).sort());
  });
});

/** Publishes one more order's events and waits for them, so anything published before is in the stream too. */
async function sentinelOrders(x: Harness): Promise<void> {
  const r = await submit(x);
  await x.app.relay.flush();
  await waitUntil(() => x.events.find((e) => e.clientOrderId === r.order?.clientOrderId && e.kind === 'statusChanged'));
}

describe('broker events', () => {
  test('fills apply once under replay, commissions once, overfills are flagged, positions compare', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    const orderId = Number(r.order?.brokerOrderId);
    const publishAll = async (suffix?: string) => {
      const m = (id2: string) => (suffix === undefined ? undefined : `${id2}-${suffix}`);
      await x.brokerEvent(
        'orderStatus',
        {
          eventId: `status-${x.broker}-${orderId}-1`,
          tsEventMs: Date.now(),
          orderId,
          permId: 9000 + orderId,
          clientOrderId: id,
          status: 'Submitted',
          filled: '0',
          remaining: '100',
        },
        m(`status-${x.broker}-${orderId}-1`),
      );
      const now = Date.now();
      for (const [execId, qty, cum] of [
        [`e1-${x.broker}-${orderId}`, '60', '60'],
        [`e2-${x.broker}-${orderId}`, '40', '100'],
      ] as const) {
        await x.brokerEvent(
          'execution',
          {
            eventId: `exec-${execId}`,
            tsEventMs: now,
            execution: {
              orderId,
              permId: 9000 + orderId,
              clientOrderId: id,
              execId,
              account: ACCOUNT,
              conId: AAPL.conId,
              side: 'BUY',
              quantity: qty,
              price: qty === '60' ? '150.2' : '150.25',
              cumQty: cum,
              avgPrice: '150.2',
              exchange: 'NASDAQ',
              execTimeMs: now,
            },
          },
          m(`exec-${execId}`),
        );
        await x.brokerEvent(
          'commissionReport',
          { eventId: `comm-${execId}`, tsEventMs: now, execId, commission: '0.35', currency: 'USD' },
          m(`comm-${execId}`),
        );
      }
    };
    await publishAll();
    await waitUntil(async () => ((await stateOf(x, id)) === 'filled' ? true : undefined));
    await sentinel(x);
    const before = await get(x, id);
    expect(before.order).toMatchObject({ filledQty: '100', avgFillPrice: '150.22' });

    await publishAll('replay');
    await sentinel(x);
    const after = await get(x, id);
    expect(after.events).toEqual(before.events);
    const fills = await db(x).selectFrom('fills').selectAll().where('client_order_id', '=', id).execute();
    expect(fills.map((f) => [f.quantity, f.commission])).toEqual([
      ['60', '0.35'],
      ['40', '0.35'],
    ]);
    expect(after.events?.filter((e) => e.kind === 'commission')).toHaveLength(2);

    await exec(x, id, orderId, `e3-${x.broker}-${orderId}`, '10', '110');
    const flagged = await waitUntil(async () =>
      (await get(x, id)).events?.find((e) => e.kind === 'reconciliationMismatch'),
    );
    expect(flagged).toMatchObject({ field: 'execution', resolution: 'flaggedForOperator' });
    expect((await get(x, id)).order?.filledQty).toBe('100');

    await x.brokerEvent('position', {
      eventId: `pos-${randomUUID()}`,
      tsEventMs: Date.now(),
      position: {
        broker: x.broker,
        account: ACCOUNT,
        conId: AAPL.conId,
        symbol: 'AAPL',
        secType: 'STK',
        currency: 'USD',
        quantity: '90',
      },
    });
    await sentinel(x);
    const pos = await x.request<Reply & { positions: unknown[]; differences: unknown[] }>(
      Subjects.ordersPositions.build(),
      { v: 1, broker: x.broker },
    );
    expect(pos.positions).toEqual([
      expect.objectContaining({ conId: AAPL.conId, quantity: '100', account: ACCOUNT, symbol: 'AAPL' }),
    ]);
    expect(pos.differences).toContainEqual({
      broker: x.broker,
      account: ACCOUNT,
      conId: AAPL.conId,
      ledgerQuantity: '100',
      brokerQuantity: '90',
    });
  });

  test('cancel: sent once, pending until the broker confirms; modify re-sends the order', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    const orderId = Number(r.order?.brokerOrderId);
    const mod = await x.request<Reply>(Subjects.ordersModify.build(), { v: 1, clientOrderId: id, limitPrice: '150.3' });
    expect(mod).toMatchObject({ ok: true, order: { limitPrice: '150.3' } });
    expect(x.gateway.calls.filter((c) => c.verb === 'modifyOrder')).toHaveLength(1);

    const cancels = await Promise.all(
      [1, 2, 3].map(() => x.request<Reply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId: id })),
    );
    expect(cancels.every((c) => c.ok && c.order?.state === 'pendingCancel')).toBe(true);
    expect(x.gateway.calls.filter((c) => c.verb === 'cancelOrder')).toHaveLength(1);
    await status(x, id, orderId, 'Cancelled', 2);
    await waitUntil(async () => ((await stateOf(x, id)) === 'cancelled' ? true : undefined));
    const again = await x.request<Reply>(Subjects.ordersModify.build(), {
      v: 1,
      clientOrderId: id,
      limitPrice: '150.4',
    });
    expect(again).toMatchObject({ ok: false, code: 'ORDER_NOT_MODIFIABLE' });
    const list = await x.request<Reply & { orders: Array<{ clientOrderId: string }> }>(Subjects.ordersList.build(), {
      v: 1,
      broker: x.broker,
      status: 'final',
    });
    expect(list.orders.map((o) => o.clientOrderId)).toEqual([id]);
  });
});

describe('unresolved orders and reconciliation', () => {
  test('a lost placeOrder reply leaves the order unresolved until a reconnect snapshot settles it, once', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 400 });
    const x = h;
    const reconciles = () => x.gateway.calls.filter((c) => c.verb === 'reconcile').length;
    await waitUntil(() => (reconciles() >= 1 ? true : undefined));
    x.gateway.place = 'hang';
    const lost = await submit(x);
    expect(lost).toMatchObject({ ok: true, order: { state: 'unresolved' } });
    const lostId = String(lost.order?.clientOrderId);
    const ghost = await submit(x);
    const ghostId = String(ghost.order?.clientOrderId);
    const now = Date.now();
    x.gateway.snapshot = () => ({
      openOrders: [
        {
          orderId: 555,
          permId: 777,
          clientOrderId: lostId,
          account: ACCOUNT,
          instrument: AAPL,
          side: 'BUY',
          quantity: '100',
          orderType: 'LMT',
          limitPrice: '150.25',
          tif: 'DAY',
          outsideRth: false,
          status: 'Submitted',
          filled: '50',
          remaining: '50',
        },
      ],
      completedOrders: [],
      executions: [
        {
          orderId: 555,
          permId: 777,
          clientOrderId: lostId,
          execId: `rx-${lostId}`,
          account: ACCOUNT,
          conId: AAPL.conId,
          side: 'BUY',
          quantity: '50',
          price: '150.25',
          cumQty: '50',
          avgPrice: '150.25',
          exchange: 'NASDAQ',
          execTimeMs: now,
        },
      ],
      positions: [],
    });
    const publishStatus = (state: 'connected' | 'disconnected') =>
      x.bus.publish(Subjects.brokerStatus.build({ broker: x.broker }), {
        v: 1,
        broker: x.broker,
        gatewayType: 'ib',
        state,
        farms: [],
        clientId: 7,
        accounts: [ACCOUNT],
        paper: true,
        tsMs: Date.now(),
      });
    const startCount = reconciles();
    publishStatus('disconnected');
    publishStatus('connected');
    await waitUntil(async () => ((await stateOf(x, lostId)) === 'partiallyFilled' ? true : undefined));
    await waitUntil(async () => ((await stateOf(x, ghostId)) === 'cancelled' ? true : undefined));
    expect(reconciles()).toBe(startCount + 1);
    await sentinel(x);
    const first = await get(x, lostId);
    expect(first.order).toMatchObject({ filledQty: '50', brokerOrderId: 555 });
    expect(first.events?.map((e) => e.kind)).toEqual([
      'accepted',
      'unresolved',
      'partiallyFilled', // the missing execution settles it: the broker's Submitted+fills then agrees
    ]);
    const ghostEvents = (await get(x, ghostId)).events ?? [];
    expect(ghostEvents.find((e) => e.kind === 'reconciliationMismatch')).toMatchObject({ field: 'missingAtBroker' });

    publishStatus('disconnected');
    publishStatus('connected');
    await waitUntil(() => (reconciles() === startCount + 2 ? true : undefined));
    await sentinel(x);
    expect((await get(x, lostId)).events).toEqual(first.events);
    expect(BROKER_STATUS_STREAM.subjects).toContain('broker.*.status');
  });
});
