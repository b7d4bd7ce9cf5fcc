/**
 * Every order's fate is established (issue 15, items 1 and 2), against the fault-injection gateway on real NATS +
 * Postgres (the normal pendingSubmit → submitted path runs against gateway-paper in flows.test.ts):
 * an order is submitted only on the broker's acknowledgement, a place refusal rejects it, periodic reconciliation
 * settles orders that await the broker without any restart or status change, an order the broker never received is
 * rejected NEVER_REACHED_BROKER, a gateway restart (new instanceId) reconciles, and a cancel of an order without a
 * broker order id is remembered instead of refused. Run through nats.test.ts.
 */
import type { BrokerOrder, BrokerReconciliationSnapshot, OrderEvent } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { afterEach, describe, expect, test } from 'vitest';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { db, exec, get, type Reply, sentinel, stateOf, status, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Snapshot = Omit<
  BrokerReconciliationSnapshot,
  'v' | 'eventId' | 'broker' | 'reconId' | 'part' | 'parts' | 'tsEventMs' | 'tsInitMs'
>;
const EMPTY: Snapshot = { openOrders: [], completedOrders: [], executions: [], positions: [] };

const openAtBroker = (clientOrderId: string, orderId: string, s: BrokerOrder['status'] = 'working'): BrokerOrder => ({
  orderId,
  permId: `p${orderId}`,
  clientOrderId,
  account: ACCOUNT,
  instrument: AAPL,
  side: 'BUY',
  quantity: '100',
  orderType: 'LMT',
  limitPrice: '150.25',
  tif: 'DAY',
  outsideRth: false,
  status: s,
  filled: '0',
  remaining: '100',
});

const reconciles = (x: Harness) => x.gateway.calls.filter((c) => c.verb === 'reconcile').length;
const cancelsSent = (x: Harness) => x.gateway.calls.filter((c) => c.verb === 'cancelOrder');
const cancel = (x: Harness, clientOrderId: string) =>
  x.request<Reply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId });

function publishStatus(x: Harness, state: 'connected' | 'disconnected', instanceId: string) {
  x.bus.publish(Subjects.brokerStatus.build({ broker: x.broker }), {
    v: 1,
    broker: x.broker,
    gatewayType: 'ib',
    state,
    feeds: [],
    accounts: [ACCOUNT],
    paper: true,
    tsMs: Date.now(),
    instanceId,
    capabilities: x.gateway.capabilities,
  });
}

async function untilState(x: Harness, id: string, state: string, timeoutMs = 10_000) {
  return waitUntil(async () => {
    const r = await get(x, id);
    return r.order?.state === state ? r : undefined;
  }, timeoutMs);
}

describe('pendingSubmit: written to the broker, submitted only on its acknowledgement', () => {
  test('a held status is an acknowledgement: pendingSubmit becomes submitted (the normal path: flows.test.ts)', async () => {
    h = await startHarness('nats-pg', { reconcileIntervalMs: 600_000 });
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    const orderId = String(r.order?.brokerOrderId);
    expect(r).toMatchObject({ ok: true, order: { state: 'pendingSubmit', brokerOrderId: orderId } });
    expect(await stateOf(x, id)).toBe('pendingSubmit');
    await status(x, id, orderId, 'held', 1);
    const acked = await untilState(x, id, 'submitted');
    const changes = (acked.events ?? []).filter((e) => e.kind === 'statusChanged');
    expect(changes).toMatchObject([
      { from: 'accepted', to: 'pendingSubmit', brokerOrderId: orderId },
      { from: 'pendingSubmit', to: 'submitted', brokerStatus: 'held' },
    ]);
    const row = await db(x).selectFrom('orders').selectAll().where('client_order_id', '=', id).executeTakeFirst();
    expect(row?.broker_acked_at_ms).not.toBeNull();
  });

  test('a fill may come before any status, and a place refusal rejects a pendingSubmit order', async () => {
    h = await startHarness('nats-pg', { reconcileIntervalMs: 600_000 });
    const x = h;
    const a = await submit(x);
    const aId = String(a.order?.clientOrderId);
    await exec(x, aId, String(a.order?.brokerOrderId), `fx-${x.broker}`, '100', '100');
    await untilState(x, aId, 'filled');

    const b = await submit(x);
    const bId = String(b.order?.clientOrderId);
    const bOrderId = String(b.order?.brokerOrderId);
    expect(b.order?.state).toBe('pendingSubmit');
    // IB 321 (a validation error) kills the order without any status: the refusal itself must settle it.
    await x.brokerEvent('orderRejected', {
      eventId: `rej-${x.broker}-${bOrderId}`,
      tsEventMs: Date.now(),
      orderId: bOrderId,
      clientOrderId: bId,
      brokerCode: 321,
      message: 'Error validating request',
      action: 'place',
    });
    const rejected = await untilState(x, bId, 'rejected');
    expect(rejected.events?.at(-1)).toMatchObject({ kind: 'rejected', brokerCode: 321 });

    // A refused cancel changes nothing: the order keeps working.
    const c = await submit(x);
    const cId = String(c.order?.clientOrderId);
    const cOrderId = String(c.order?.brokerOrderId);
    await status(x, cId, cOrderId, 'working', 1);
    await untilState(x, cId, 'submitted');
    await x.brokerEvent('orderRejected', {
      eventId: `rej-${x.broker}-${cOrderId}-cancel`,
      tsEventMs: Date.now(),
      orderId: cOrderId,
      permId: `p${cOrderId}`,
      clientOrderId: cId,
      brokerCode: 10148,
      message: 'OrderId that needs to be cancelled can not be cancelled',
      action: 'cancel',
    });
    await sentinel(x); // every earlier broker event consumed
    expect(await stateOf(x, cId)).toBe('submitted');
    expect((await get(x, cId)).events).toHaveLength(3);
  });
});

describe('periodic reconciliation: no order awaits the broker for ever', () => {
  test('an order written to the broker that never reached it is rejected NEVER_REACHED_BROKER, no restart', async () => {
    h = await startHarness('nats-pg', { reconcileIntervalMs: 300, reconcileGraceMs: 500 });
    const x = h;
    const known = await submit(x);
    const knownId = String(known.order?.clientOrderId);
    const knownOrderId = String(known.order?.brokerOrderId);
    const lost = await submit(x);
    const lostId = String(lost.order?.clientOrderId);
    expect(lost.order?.state).toBe('pendingSubmit');
    x.gateway.snapshot = () => ({ ...EMPTY, openOrders: [openAtBroker(knownId, knownOrderId)] });
    const started = Date.now();
    const rejected = await untilState(x, lostId, 'rejected');
    const tookMs = Date.now() - started;
    expect(tookMs).toBeLessThan(5_000);
    const events = rejected.events ?? [];
    expect(events.map((e) => e.kind)).toEqual(['accepted', 'statusChanged', 'reconciliationMismatch', 'rejected']);
    expect(events[2]).toMatchObject({
      field: 'missingAtBroker',
      ledgerValue: 'pendingSubmit',
      resolution: 'rejectedNeverReachedBroker',
    });
    expect(events[3]).toMatchObject({ reasonCode: 'NEVER_REACHED_BROKER', brokerCode: 0 });
    expect((events[3] as Extract<OrderEvent, { kind: 'rejected' }>).message).toMatch(/never reached the broker/);
    // The one the broker lists is acknowledged by the snapshot, and nothing awaits the broker any more: the
    // periodic requests stop.
    await untilState(x, knownId, 'submitted');
    const after = reconciles(x);
    await waitUntil(() => (Date.now() - started > tookMs + 1_500 ? true : undefined));
    expect(reconciles(x)).toBeLessThanOrEqual(after + 1);
  });

  test('an unresolved order is settled by the periodic snapshot, found or not', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 300, reconcileIntervalMs: 300, reconcileGraceMs: 300 });
    const x = h;
    x.gateway.place = 'hang';
    const found = await submit(x);
    const lost = await submit(x);
    const foundId = String(found.order?.clientOrderId);
    const lostId = String(lost.order?.clientOrderId);
    expect([found.order?.state, lost.order?.state]).toEqual(['unresolved', 'unresolved']);
    x.gateway.snapshot = () => ({ ...EMPTY, openOrders: [openAtBroker(foundId, '4242')] });
    const submitted = await untilState(x, foundId, 'submitted');
    expect(submitted.order).toMatchObject({ brokerOrderId: '4242', permId: 'p4242' });
    const rejected = await untilState(x, lostId, 'rejected');
    expect(rejected.events?.at(-1)).toMatchObject({ reasonCode: 'NEVER_REACHED_BROKER' });
    expect(rejected.events?.find((e) => e.kind === 'reconciliationMismatch')).toMatchObject({
      ledgerValue: 'unresolved',
    });
  });

  test('an order the broker acknowledged and then does not list is flagged once, never rejected', async () => {
    h = await startHarness('nats-pg', { reconcileIntervalMs: 300, reconcileGraceMs: 0 });
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    await status(x, id, String(r.order?.brokerOrderId), 'working', 1);
    await untilState(x, id, 'submitted');
    // A cancel keeps it awaiting the broker (pendingCancel), so snapshots keep coming.
    await cancel(x, id);
    x.gateway.snapshot = () => EMPTY;
    const flagged = await waitUntil(async () =>
      (await get(x, id)).events?.find((e) => e.kind === 'reconciliationMismatch'),
    );
    expect(flagged).toMatchObject({ field: 'missingAtBroker', resolution: 'flaggedForOperator' });
    const seen = reconciles(x);
    await waitUntil(() => (reconciles(x) >= seen + 3 ? true : undefined));
    const events = (await get(x, id)).events ?? [];
    expect(events.filter((e) => e.kind === 'reconciliationMismatch')).toHaveLength(1);
    expect(await stateOf(x, id)).toBe('pendingCancel');
  });

  test('a gateway restart (a new instanceId in its status) is reconciled at once', async () => {
    h = await startHarness('nats-pg', { reconcileIntervalMs: 600_000, reconcileGraceMs: 0 });
    const x = h;
    publishStatus(x, 'connected', 'gw-one');
    await waitUntil(() => (reconciles(x) >= 2 ? true : undefined)); // start, then the first connected status
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    x.gateway.snapshot = () => EMPTY; // the restarted gateway lost the order it had not written
    const before = reconciles(x);
    publishStatus(x, 'connected', 'gw-one'); // the same instance again: nothing to do
    publishStatus(x, 'connected', 'gw-two');
    const rejected = await untilState(x, id, 'rejected');
    expect(rejected.events?.at(-1)).toMatchObject({ reasonCode: 'NEVER_REACHED_BROKER' });
    expect(reconciles(x)).toBe(before + 1);
  });
});

describe('a cancel of an order without a broker order id', () => {
  test('is remembered at once and sent when reconciliation finds the order; then it completes', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 300, reconcileIntervalMs: 300, reconcileGraceMs: 300 });
    const x = h;
    x.gateway.place = 'hang';
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    expect(r.order?.state).toBe('unresolved');
    const started = Date.now();
    const c = await cancel(x, id);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(c).toMatchObject({ ok: true, order: { clientOrderId: id, state: 'unresolved' } });
    expect(await cancel(x, id)).toMatchObject({ ok: true, order: { state: 'unresolved' } });
    expect(cancelsSent(x)).toHaveLength(0);

    x.gateway.snapshot = () => ({ ...EMPTY, openOrders: [openAtBroker(id, '5150')] });
    await waitUntil(() => (cancelsSent(x).length > 0 ? true : undefined));
    expect(cancelsSent(x)).toHaveLength(1);
    expect(cancelsSent(x)[0]?.body).toMatchObject({ clientOrderId: id, orderId: '5150' });
    await untilState(x, id, 'pendingCancel');
    x.gateway.snapshot = () => ({ ...EMPTY, completedOrders: [openAtBroker(id, '5150', 'cancelled')] });
    await status(x, id, '5150', 'cancelled', 1);
    await untilState(x, id, 'cancelled');
    const row = await db(x).selectFrom('orders').selectAll().where('client_order_id', '=', id).executeTakeFirst();
    expect(row?.cancel_requested_at_ms).toBeNull();
    expect(cancelsSent(x)).toHaveLength(1);
  });

  test('is sent as soon as a live broker event gives the order its broker order id', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 300, reconcileIntervalMs: 600_000 });
    const x = h;
    x.gateway.place = 'hang';
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    expect(await cancel(x, id)).toMatchObject({ ok: true, order: { state: 'unresolved' } });
    const requests = reconciles(x);
    await status(x, id, '6160', 'working', 1); // the order did reach the broker
    await waitUntil(() => (cancelsSent(x).length > 0 ? true : undefined));
    expect(cancelsSent(x)[0]?.body).toMatchObject({ clientOrderId: id, orderId: '6160' });
    await untilState(x, id, 'pendingCancel');
    expect(reconciles(x)).toBe(requests); // no snapshot was needed
  });

  test('of an order that never reached the broker: once it is rejected, a cancel answers final at once', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 300, reconcileIntervalMs: 300, reconcileGraceMs: 300 });
    const x = h;
    x.gateway.place = 'hang';
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    expect(await cancel(x, id)).toMatchObject({ ok: true, order: { state: 'unresolved' } });
    x.gateway.snapshot = () => EMPTY;
    await untilState(x, id, 'rejected');
    const started = Date.now();
    const again = await cancel(x, id);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(again).toMatchObject({ ok: false, code: 'ORDER_NOT_CANCELLABLE' });
    expect(cancelsSent(x)).toHaveLength(0);
  });

  test('asked while the place request is in flight, it is sent as soon as the place reply gives the id', async () => {
    h = await startHarness('nats-pg', { brokerTimeoutMs: 8_000, reconcileIntervalMs: 600_000 });
    const x = h;
    x.gateway.place = 'hang'; // answers after 2 s, within the deadline
    const id = `c-inflight-${Date.now()}`;
    const placing = submit(x, { clientOrderId: id });
    await waitUntil(() => (x.gateway.placed().length === 1 ? true : undefined));
    const c = await cancel(x, id);
    expect(c).toMatchObject({ ok: true, order: { state: 'accepted' } });
    const placed = await placing;
    expect(placed.order?.state).toBe('pendingSubmit');
    await waitUntil(() => (cancelsSent(x).length === 1 ? true : undefined));
    expect(cancelsSent(x)[0]?.body).toMatchObject({ clientOrderId: id, orderId: placed.order?.brokerOrderId });
    await untilState(x, id, 'pendingCancel');
  });
});
