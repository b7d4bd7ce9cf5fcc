import { BROKER_STATUS_STREAM, foldOrder, Subjects } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { db, exec, get, type Reply, sentinel, stateOf, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// The normal flow (fills, commissions, modify, cancel, queries against a real broker) is flows.test.ts's; here
// what only a scripted broker shows deterministically: replays, overfills, disagreement, replies before the broker.
describe('broker events', () => {
  test('replayed fills apply once, commissions once, overfills are flagged, a disagreeing broker is a difference', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    const orderId = String(r.order?.brokerOrderId);
    const publishAll = async (suffix?: string) => {
      const m = (id2: string) => (suffix === undefined ? undefined : `${id2}-${suffix}`);
      await x.brokerEvent(
        'orderStatus',
        {
          eventId: `status-${x.broker}-${orderId}-1`,
          tsEventMs: Date.now(),
          orderId,
          permId: `p${orderId}`,
          clientOrderId: id,
          status: 'working',
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
              permId: `p${orderId}`,
              clientOrderId: id,
              execId,
              account: ACCOUNT,
              instrumentId: AAPL.id,
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
    // The OMS's view is the one fold of its events (contracts foldOrder), as history and the SDK fold them.
    expect(after.order).toEqual(foldOrder(after.events ?? []).view);
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

    // The broker holds 90 now (what its gateway answers to a positions snapshot).
    x.gateway.positions = [
      {
        broker: x.broker,
        account: ACCOUNT,
        instrumentId: AAPL.id,
        symbol: 'AAPL',
        secType: 'STK',
        currency: 'USD',
        quantity: '90',
      },
    ];
    const pos = await x.request<Reply & { positions: unknown[]; differences: unknown[] }>(
      Subjects.ordersPositions.build(),
      { v: 1, broker: x.broker },
    );
    expect(pos.positions).toEqual([
      expect.objectContaining({ instrumentId: AAPL.id, quantity: '100', account: ACCOUNT, symbol: 'AAPL' }),
    ]);
    expect(pos.differences).toContainEqual({
      broker: x.broker,
      account: ACCOUNT,
      instrumentId: AAPL.id,
      ledgerQuantity: '100',
      brokerQuantity: '90',
    });
  });

  test('a burst of events for many orders is applied in batches: each once, a redelivery in the burst once', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const orders = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const r = await submit(x);
        return { id: String(r.order?.clientOrderId), orderId: String(r.order?.brokerOrderId) };
      }),
    );
    const cancelled = (o: (typeof orders)[number]) => ({
      eventId: `status-${x.broker}-${o.orderId}-cancelled`,
      tsEventMs: Date.now(),
      orderId: o.orderId,
      clientOrderId: o.id,
      status: 'cancelled' as const,
      filled: '0',
      remaining: '100',
    });
    // All at once, and the first order's status twice under two stream ids (the stream keeps both; the inbox not).
    const first = orders[0] as (typeof orders)[number];
    await Promise.all([
      ...orders.map((o) => x.brokerEvent('orderStatus', cancelled(o))),
      x.brokerEvent('orderStatus', cancelled(first), `${x.broker}:again-${first.id}`),
    ]);
    await waitUntil(async () => {
      const open = await db(x)
        .selectFrom('orders')
        .select('client_order_id')
        .where(
          'client_order_id',
          'in',
          orders.map((o) => o.id),
        )
        .where('state', '!=', 'cancelled')
        .execute();
      return open.length === 0 ? true : undefined;
    });
    await sentinel(x);
    const events = await db(x)
      .selectFrom('order_events')
      .select(['client_order_id', 'kind'])
      .where(
        'client_order_id',
        'in',
        orders.map((o) => o.id),
      )
      .where('kind', '=', 'cancelled')
      .execute();
    expect(events.map((e) => e.client_order_id).sort()).toEqual(orders.map((o) => o.id).sort());
    for (const o of orders) {
      const got = await get(x, o.id);
      expect(got.order).toEqual(foldOrder(got.events ?? []).view);
    }
    // In batches: fewer transactions than events (the inbox rows one transaction inserted share its xmin).
    const claims = await db(x)
      .selectFrom('inbox')
      .select([sql<string>`count(*)`.as('events'), sql<string>`count(distinct xmin::text)`.as('transactions')])
      .where('event_id', 'like', `status-${x.broker}-%-cancelled`)
      .executeTakeFirstOrThrow();
    expect(Number(claims.events)).toBe(orders.length);
    expect(Number(claims.transactions)).toBeLessThan(orders.length / 2);
  });

  test('the replies before the broker confirms: a modify answers the old view, a repeated broker view changes nothing, every cancel answers pending', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    const orderId = String(r.order?.brokerOrderId);
    const mod = await x.request<Reply>(Subjects.ordersModify.build(), { v: 1, clientOrderId: id, limitPrice: '150.3' });
    // The reply says the modification was sent; it takes effect when the broker shows the new values.
    expect(mod).toMatchObject({ ok: true, order: { limitPrice: '150.25' } });
    expect(x.gateway.calls.filter((c) => c.verb === 'modifyOrder')).toHaveLength(1);
    expect(x.gateway.calls.find((c) => c.verb === 'modifyOrder')?.body).toMatchObject({ limitPrice: '150.3', orderId });
    const brokerView = {
      orderId,
      permId: `p${orderId}`,
      clientOrderId: id,
      account: ACCOUNT,
      instrument: AAPL,
      side: 'BUY' as const,
      quantity: '100',
      orderType: 'LMT' as const,
      limitPrice: '150.30',
      tif: 'DAY' as const,
      outsideRth: false,
      status: 'working' as const,
      filled: '0',
      remaining: '100',
    };
    for (const n of [1, 2]) // the second, identical view changes nothing
      await x.brokerEvent('openOrder', { eventId: `oo-${x.broker}-${n}`, tsEventMs: Date.now(), order: brokerView });
    await sentinel(x);
    const modified = (await get(x, id)).events?.filter((e) => e.kind === 'modified') ?? [];
    expect(modified).toEqual([expect.objectContaining({ limitPrice: '150.30', quantity: '100' })]);
    expect((await get(x, id)).order?.limitPrice).toBe('150.30');

    const cancels = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() => x.request<Reply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId: id })),
    );
    expect(cancels.every((c) => c.ok && c.order?.state === 'pendingCancel')).toBe(true);
    expect(x.gateway.calls.filter((c) => c.verb === 'cancelOrder')).toHaveLength(1);
  });
});

describe('unresolved orders and reconciliation', () => {
  test('a lost placeOrder reply leaves the order unresolved until a reconnect snapshot settles it, once', async () => {
    // Grace 0: the reconnect snapshot may judge the orders at once (the periodic check is the next describe's).
    h = await startHarness('nats-pg', { brokerTimeoutMs: 400, reconcileGraceMs: 0, reconcileIntervalMs: 600_000 });
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
          orderId: '555',
          permId: '777',
          clientOrderId: lostId,
          account: ACCOUNT,
          instrument: AAPL,
          side: 'BUY',
          quantity: '100',
          orderType: 'LMT',
          limitPrice: '150.25',
          tif: 'DAY',
          outsideRth: false,
          status: 'working',
          filled: '50',
          remaining: '50',
        },
      ],
      completedOrders: [],
      executions: [
        {
          orderId: '555',
          permId: '777',
          clientOrderId: lostId,
          execId: `rx-${lostId}`,
          account: ACCOUNT,
          instrumentId: AAPL.id,
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
        feeds: [],
        accounts: [ACCOUNT],
        paper: true,
        tsMs: Date.now(),
        capabilities: x.gateway.capabilities,
      });
    const startCount = reconciles();
    publishStatus('disconnected');
    publishStatus('connected');
    await waitUntil(async () => ((await stateOf(x, lostId)) === 'partiallyFilled' ? true : undefined));
    await waitUntil(async () => ((await stateOf(x, ghostId)) === 'rejected' ? true : undefined));
    expect(reconciles()).toBe(startCount + 1);
    await sentinel(x);
    const first = await get(x, lostId);
    expect(first.order).toMatchObject({ filledQty: '50', brokerOrderId: '555' });
    expect(first.events?.map((e) => e.kind)).toEqual([
      'accepted',
      'unresolved',
      'partiallyFilled', // the missing execution settles it: the broker's Submitted+fills then agrees
    ]);
    const ghostEvents = (await get(x, ghostId)).events ?? [];
    expect(ghostEvents.find((e) => e.kind === 'reconciliationMismatch')).toMatchObject({
      field: 'missingAtBroker',
      resolution: 'rejectedNeverReachedBroker',
    });
    expect(ghostEvents.at(-1)).toMatchObject({ kind: 'rejected', reasonCode: 'NEVER_REACHED_BROKER', brokerCode: 0 });

    publishStatus('disconnected');
    publishStatus('connected');
    await waitUntil(() => (reconciles() === startCount + 2 ? true : undefined));
    await sentinel(x);
    expect((await get(x, lostId)).events).toEqual(first.events);
    expect(BROKER_STATUS_STREAM.subjects).toContain('broker.*.status');
  });
});

describe('reconciliation while an order is being sent', () => {
  test('a snapshot taken while placeOrder is in flight does not judge that order', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 8_000, reconcileIntervalMs: 600_000 });
    const x = h;
    const reconciles = () => x.gateway.calls.filter((c) => c.verb === 'reconcile').length;
    await waitUntil(() => (reconciles() >= 1 ? true : undefined));
    x.gateway.place = 'hang'; // answers after 2 s, within the 8 s deadline
    x.gateway.snapshot = () => ({ openOrders: [], completedOrders: [], executions: [], positions: [] });
    const pending = submit(x);
    await waitUntil(() => (x.gateway.placed().length === 1 ? true : undefined));
    const publishStatus = (state: 'connected' | 'disconnected') =>
      x.bus.publish(Subjects.brokerStatus.build({ broker: x.broker }), {
        v: 1,
        broker: x.broker,
        gatewayType: 'ib',
        state,
        feeds: [],
        accounts: [ACCOUNT],
        paper: true,
        tsMs: Date.now(),
      });
    publishStatus('disconnected');
    publishStatus('connected');
    await waitUntil(() => (reconciles() === 2 ? true : undefined));
    await sentinel(x);
    const r = await pending;
    expect(r).toMatchObject({ ok: true, order: { state: 'pendingSubmit' } });
    const kinds = (await get(x, String(r.order?.clientOrderId))).events?.map((e) => e.kind);
    expect(kinds).toEqual(['accepted', 'statusChanged']);
  });
});
