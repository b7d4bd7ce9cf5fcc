import { randomUUID } from 'node:crypto';
import { type OrderEvent, Subjects } from '@trading-system/contracts';
import { migrateToLatest } from '@trading-system/storage';
import { uniqueName } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { requestHash } from '../src/intake.js';
import { appendEvent, insertOrder, lockOrder } from '../src/ledger.js';
import { migrations } from '../src/migrations/index.js';
import { AAPL, ACCOUNT, type Harness, lmtBuy, startHarness, TEST_CAPABILITIES, waitUntil } from './harness.js';
import { coid, db, type Reply, sentinelOrders, stateOf, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// Duplicates, assigned ids and the append-only audit trail run against a real broker in flows.test.ts.
describe('intake', () => {
  test('a placeOrder the gateway refuses is rejected, with the reason in the reply and an event', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    x.gateway.place = 'refuse';
    const r = await submit(x);
    expect(r).toMatchObject({
      ok: false,
      code: 'BROKER_DISCONNECTED',
      details: { state: 'rejected', brokerCode: 504 },
    });
    const id = String(r.details?.clientOrderId);
    expect(await stateOf(x, id)).toBe('rejected');
    const ev = await waitUntil(() => x.events.find((e) => e.clientOrderId === id && e.kind === 'rejected'));
    expect(ev).toMatchObject({ brokerCode: 504 });
    // The reason stays on the order, not only in the stream.
    const got = await x.request<Reply>(Subjects.ordersGet.build(), { v: 1, clientOrderId: id });
    expect(got.order).toMatchObject({
      state: 'rejected',
      lastRejection: { kind: 'rejected', brokerCode: 504, message: expect.stringMatching(/.+/) },
    });
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
    await denied({ instrument: { id: '1' } }, 'CONTRACT_UNKNOWN', 'instrument');
    // Type parameters are checked by the schema already: the sender refuses before anything travels.
    await expect(submit(x, { limitPrice: undefined })).rejects.toThrow(/LMT needs limitPrice/);
    await denied({ limitPrice: '150.255' }, 'PRICE_NOT_ON_TICK', 'tickSize');
    await denied(
      { orderType: 'STP', limitPrice: undefined, stopPrice: '150', tif: 'IOC' },
      'ORDER_TYPE_UNSUPPORTED',
      'tif',
    );
    await denied({ quantity: '1.5' }, 'ORDER_TYPE_UNSUPPORTED', 'fractionalQuantity');
    const noQuote = await denied({}, 'RISK_NO_REFERENCE_PRICE', 'priceCollar');
    const noQuoteView = await x.request<Reply>(Subjects.ordersGet.build(), {
      v: 1,
      clientOrderId: String(noQuote.details?.clientOrderId),
    });
    expect(noQuoteView.order).toMatchObject({
      state: 'denied',
      lastRejection: { kind: 'denied', code: 'RISK_NO_REFERENCE_PRICE', message: noQuote.message },
    });

    x.bus.publish(Subjects.mdTick.build({ broker: x.broker, instrument: AAPL.id }), {
      v: 1,
      broker: x.broker,
      instrumentId: AAPL.id,
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
    expect(first.order?.state).toBe('pendingSubmit');
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

describe('reference prices', () => {
  test('orders arriving together without a quote share one broker snapshot, and none is denied for want of it', async () => {
    h = await startHarness('nats-pg', {
      risk: { default: { priceCollarPercent: '5' }, accounts: {}, strategies: {} },
    });
    const x = h;
    // The broker takes its time (a market-data request queued behind orders at its governor): each order asking on
    // its own sent five requests, and under load their answers came too late (RISK_NO_REFERENCE_PRICE).
    x.gateway.quote = { bid: '150.1', ask: '150.3', afterMs: 300 };
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => submit(x)));
    expect(burst.map((r) => r.code ?? r.order?.state)).toEqual(Array(5).fill('pendingSubmit'));
    expect(x.gateway.calls.filter((c) => c.verb === 'mdSnapshot')).toHaveLength(1);
    // Kept for its lifetime: the next order asks nothing.
    expect((await submit(x)).ok).toBe(true);
    expect(x.gateway.calls.filter((c) => c.verb === 'mdSnapshot')).toHaveLength(1);
  });
});

describe("the broker's announced capabilities", () => {
  test('none announced: every order is denied unsent; modify: false announced later: a modify is refused unsent', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    x.gateway.capabilities = undefined;
    expect(await submit(x)).toMatchObject({ ok: false, code: 'BROKER_CAPABILITIES_UNKNOWN' });
    expect(x.gateway.placed()).toEqual([]);

    // The OMS follows what the broker publishes on broker.<name>.status, not what it asked for first.
    const status = { v: 1, broker: x.broker, gatewayType: 'ib', state: 'connected', feeds: [] };
    x.bus.publish(Subjects.brokerStatus.build({ broker: x.broker }), {
      ...status,
      accounts: [ACCOUNT],
      paper: true,
      tsMs: Date.now(),
      capabilities: { ...TEST_CAPABILITIES, modify: false },
    });
    const placed = await waitUntil(async () => {
      const r = await submit(x);
      return r.ok ? r : undefined;
    });
    const id = String(placed.order?.clientOrderId);
    await waitUntil(async () => ((await stateOf(x, id)) === 'pendingSubmit' ? true : undefined));
    const m = await x.request<Reply>(Subjects.ordersModify.build(), { v: 1, clientOrderId: id, quantity: '50' });
    expect(m).toMatchObject({ ok: false, code: 'ORDER_MODIFY_UNSUPPORTED' });
    expect(x.gateway.calls.filter((c) => c.verb === 'modifyOrder')).toEqual([]);
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

describe('migration 0006-last-rejection', () => {
  test('orders refused before it show their reason: the latest denied or rejected event', async () => {
    const id = `old-${coid()}`;
    h = await startHarness('nats-pg', {
      prepare: async (database, schema, broker) => {
        const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0006'));
        await migrateToLatest(database, { schema, migrations: before });
        const s = database.withSchema(schema);
        const now = Date.now();
        await s
          .insertInto('orders')
          .values({
            client_order_id: id,
            broker,
            account: ACCOUNT,
            con_id: AAPL.id,
            instrument: JSON.stringify(AAPL),
            side: 'BUY',
            quantity: '10',
            order_type: 'LMT',
            limit_price: '150',
            tif: 'DAY',
            outside_rth: false,
            state: 'rejected',
            filled_qty: '0',
            fill_notional: '0',
            broker_order_id: 41,
            last_seq: 1,
            request_hash: 'x',
            created_at_ms: now,
            updated_at_ms: now,
          })
          .execute();
        const eventId = randomUUID();
        const rejected = {
          v: 1,
          eventId,
          clientOrderId: id,
          seq: 1,
          broker,
          account: ACCOUNT,
          tsEventMs: now,
          tsInitMs: now,
          kind: 'rejected',
          brokerCode: 201,
          message: 'Order rejected - reason: not enough equity',
        };
        await s
          .insertInto('order_events')
          .values({
            event_id: eventId,
            client_order_id: id,
            seq: 1,
            kind: 'rejected',
            subject: `orders.evt.${broker}.rejected`,
            payload: JSON.stringify(rejected),
            created_at_ms: now,
          })
          .execute();
      },
    });
    const got = await h.request<Reply>(Subjects.ordersGet.build(), { v: 1, clientOrderId: id });
    expect(got, JSON.stringify(got)).toMatchObject({ ok: true });
    expect(got.order).toMatchObject({
      state: 'rejected',
      lastRejection: { kind: 'rejected', brokerCode: 201, message: 'Order rejected - reason: not enough equity' },
    });
    expect(got.order?.lastRejection).not.toHaveProperty('code');
  });
});

describe('restart while an order is being sent', () => {
  test('an order left accepted becomes unresolved, never resent, and its retry gets that answer', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const id = coid();
    const req = lmtBuy(x.broker, { clientOrderId: id });
    // What a process killed between the ledger write and placeOrder leaves behind.
    await x.app.stop();
    await db(x)
      .transaction()
      .execute((trx) =>
        insertOrder(
          trx,
          {
            clientOrderId: id,
            broker: x.broker,
            account: ACCOUNT,
            strategy: undefined,
            instrument: AAPL,
            side: 'BUY',
            quantity: '100',
            orderType: 'LMT',
            limitPrice: '150.25',
            stopPrice: undefined,
            tif: 'DAY',
            outsideRth: false,
            requestHash: requestHash(
              (({ v: _v, clientOrderId: _c, ...rest }) => ({ outsideRth: false, ...rest }))(req),
            ),
          },
          'accepted',
          {
            instrument: AAPL,
            side: 'BUY',
            quantity: '100',
            orderType: 'LMT',
            limitPrice: '150.25',
            tif: 'DAY',
            outsideRth: false,
          },
          Date.now(),
        ),
      );
    await x.restart();
    expect(await stateOf(x, id)).toBe('unresolved');
    const retry = await x.request<Reply>(Subjects.ordersSubmit.build(), req);
    expect(retry).toMatchObject({ ok: true, order: { clientOrderId: id, state: 'unresolved' } });
    expect(x.gateway.placed()).toEqual([]);
  });
});
