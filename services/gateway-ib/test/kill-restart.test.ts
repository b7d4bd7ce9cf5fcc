/**
 * Issue 15's measured failure, replayed: an unpaced order flow into a gateway-ib child process, killed with
 * SIGKILL mid-flow, then a fresh gateway process on the same clientId. Before: orders answered "sent" while still
 * queued were lost, IB's nextValidId handed their ids to new orders, and cancels of lost orders cancelled other
 * live orders. Now: every order answered ok is at the broker under its id with its orderRef (lost 0), no order id
 * is shared, the new instance starts above the stored high-water mark, and a cancel that names an order the broker
 * does not hold under that id is refused unsent.
 */
import { randomUUID } from 'node:crypto';
import { NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import {
  BROKER_ORDER_IDS_STREAM,
  type BrokerCancelOrderReply,
  type BrokerPlaceOrderReply,
  type BrokerReconciliationSnapshot,
  catalog,
  type IbOrderIdReservation,
  type ReconcileReply,
  Subjects,
} from '@trading-system/contracts';
import type { RunningSim } from '@trading-system/ib-sim';
import { createTestNatsBus, natsUrl, type TestBus, uniqueName } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type GatewayProcess, spawnGateway, waitConnected } from './gateway-process.js';
import { AAPL, nextMessage, startTestSim } from './helpers.js';

const ACCOUNT = 'DU1234567';
const broker = uniqueName('kill');
const clientId = 71;
let sim: RunningSim;
let nats: TestBus;
let env: Record<string, string>;
const procs: GatewayProcess[] = [];

beforeAll(async () => {
  sim = await startTestSim();
  nats = await createTestNatsBus(catalog);
  env = {
    NATS_URL: await natsUrl(),
    IB_HOST: '127.0.0.1',
    IB_PORT: String(sim.port),
    IB_CLIENT_ID: String(clientId),
    BROKER_NAME: broker,
    GATEWAY_TYPE: uniqueName('g'),
  };
});
afterAll(async () => {
  for (const p of procs) await p.stop();
  await nats?.close();
  await sim?.stop();
});

type Outcome = { kind: 'ok'; orderId: string } | { kind: 'refused'; code: string } | { kind: 'unknown'; why: string };

const cmd = (verb: 'placeOrder' | 'cancelOrder' | 'reconcile') => Subjects.brokerCommand.build({ broker, verb });
const limitBuy = (clientOrderId: string) => ({
  v: 1,
  clientOrderId,
  account: ACCOUNT,
  instrument: { id: AAPL },
  side: 'BUY',
  quantity: '1',
  orderType: 'LMT',
  limitPrice: '1.00', // far below the market: the order rests
  tif: 'GTC',
  outsideRth: false,
});

/** One placeOrder as the OMS sends it: 5 s timeout, outcome classified. */
async function place(clientOrderId: string): Promise<Outcome> {
  try {
    const r = await nats.bus.request<BrokerPlaceOrderReply>(cmd('placeOrder'), limitBuy(clientOrderId), {
      timeoutMs: 5_000,
    });
    return r.ok ? { kind: 'ok', orderId: r.orderId } : { kind: 'refused', code: r.code };
  } catch (err) {
    if (err instanceof RequestTimeoutError || err instanceof NoRespondersError)
      return { kind: 'unknown', why: err.name };
    throw err;
  }
}

function start(): GatewayProcess {
  const p = spawnGateway(env);
  procs.push(p);
  return p;
}

const atBroker = () => {
  const { open, completed } = sim.control.orders();
  return [...open, ...completed].filter((o) => o.clientId === clientId && o.orderRef.startsWith('k-'));
};

test('kill -9 mid-flow: no acknowledged order lost, no order id reused, no cancel misdirected', async () => {
  const a = start();
  const statusA = await waitConnected(nats.bus, broker);
  const instanceA = statusA.ok ? statusA.status.instanceId : undefined;
  expect(instanceA).toBeDefined();
  // One fill before the kill: the new instance's reconciliation must report it.
  const filledRef = `f-${randomUUID().slice(0, 20)}`;
  const fill = await nats.bus.request<BrokerPlaceOrderReply>(
    cmd('placeOrder'),
    { ...limitBuy(filledRef), orderType: 'MKT', limitPrice: undefined, tif: 'DAY' },
    { timeoutMs: 5_000 },
  );
  expect(fill, JSON.stringify(fill)).toMatchObject({ ok: true });
  await expect
    .poll(() => sim.control.orders().completed.some((o) => o.orderRef === filledRef && o.status === 'Filled'))
    .toBe(true);

  // Unpaced: 400 orders/s offered against IB's ~40 messages/s. Kill once 60 are acknowledged.
  const outcomes = new Map<string, Promise<Outcome>>();
  let acked = 0;
  let pending = 0;
  let inFlightAtKill = 0;
  let killed = false;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (killed) return;
      for (let i = 0; i < 4; i++) {
        const id = `k-${randomUUID().slice(0, 20)}`;
        pending += 1;
        outcomes.set(
          id,
          place(id).then((o) => {
            pending -= 1;
            if (o.kind === 'ok') acked += 1;
            return o;
          }),
        );
      }
      if (acked >= 60) {
        killed = true;
        clearInterval(timer);
        inFlightAtKill = pending;
        void a.kill9().then(resolve);
      }
    }, 10);
  });
  const settled = new Map<string, Outcome>();
  for (const [id, p] of outcomes) settled.set(id, await p);
  const byKind = (k: Outcome['kind']) => [...settled].filter(([, o]) => o.kind === k);
  const okA = byKind('ok') as Array<[string, { kind: 'ok'; orderId: string }]>;
  // Mid-flow: orders were waiting in the gateway when it died.
  expect(inFlightAtKill).toBeGreaterThan(0);

  // What the killed instance reserved, durably, before handing out any id.
  const mark = await nats.bus.jetstream.lastMessage<IbOrderIdReservation>(
    BROKER_ORDER_IDS_STREAM.name,
    Subjects.brokerOrderIds.build({ broker }),
  );
  expect(mark?.data.instanceId).toBe(instanceA);
  const highWaterA = mark?.data.highWater ?? 0;
  // gateway-ib's broker order ids are IB's integers in decimal.
  expect(Math.max(...okA.map(([, o]) => Number(o.orderId)))).toBeLessThan(highWaterA);

  start();
  const statusB = await waitConnected(nats.bus, broker);
  expect(statusB.ok && statusB.status.instanceId).not.toBe(instanceA);
  const okB: Array<[string, string]> = [];
  for (let i = 0; i < 20; i++) {
    const id = `r-${randomUUID().slice(0, 20)}`;
    const o = await place(id);
    expect(o.kind).toBe('ok');
    if (o.kind === 'ok') okB.push([id, o.orderId]);
  }
  for (const [, orderId] of okB) expect(Number(orderId)).toBeGreaterThanOrEqual(highWaterA);

  // Lost 0: every acknowledged order is at the broker, under its id, with its orderRef.
  await expect.poll(() => atBroker().length, { timeout: 5_000 }).toBeGreaterThanOrEqual(okA.length);
  const held = [...sim.control.orders().open, ...sim.control.orders().completed].filter((o) => o.clientId === clientId);
  const byOrderId = new Map(held.map((o) => [String(o.orderId), o]));
  for (const [id, o] of okA) expect(byOrderId.get(o.orderId)?.orderRef, id).toBe(id);
  for (const [id, orderId] of okB) expect(byOrderId.get(orderId)?.orderRef, id).toBe(id);
  // No id shared: one order per id, one id per orderRef.
  expect(new Set(held.map((o) => o.orderId)).size).toBe(held.length);
  expect(new Set(held.map((o) => o.orderRef)).size).toBe(held.length);
  // Refused orders never reached the broker.
  const refs = new Set(held.map((o) => o.orderRef));
  for (const [id] of byKind('refused')) expect(refs.has(id), id).toBe(false);
  const lost = [...settled].filter(([id, o]) => o.kind === 'unknown' && !refs.has(id));

  // A cancel naming a lost order (never at the broker) with a live order's id is refused; that order lives on.
  const [liveRef, liveId] = okB[0] as [string, string];
  for (const [id] of lost.slice(0, 10)) {
    const r = await nats.bus.request<BrokerCancelOrderReply>(
      cmd('cancelOrder'),
      { v: 1, clientOrderId: id, orderId: liveId },
      { timeoutMs: 5_000 },
    );
    expect(r).toMatchObject({ ok: false, code: 'BROKER_ORDER_MISMATCH' });
  }
  expect(sim.control.orders().open.find((o) => o.orderRef === liveRef)?.status).toMatch(/Submitted/);

  // Orders acknowledged by the killed instance are cancelled through the new one: exactly those.
  const toCancel = okA.slice(0, 10);
  for (const [id, o] of toCancel) {
    const r = await nats.bus.request<BrokerCancelOrderReply>(
      cmd('cancelOrder'),
      { v: 1, clientOrderId: id, orderId: o.orderId },
      { timeoutMs: 5_000 },
    );
    expect(r, id).toMatchObject({ ok: true, orderId: o.orderId });
  }
  const cancelledRefs = new Set(toCancel.map(([id]) => id));
  await expect
    .poll(() => sim.control.orders().completed.filter((o) => cancelledRefs.has(o.orderRef)).length, {
      timeout: 5_000,
    })
    .toBe(toCancel.length);
  expect(sim.control.orders().completed.filter((o) => o.clientId === clientId).length).toBe(toCancel.length + 1);

  // Reconciliation from the new instance: open and completed orders with their clientOrderIds.
  const reconId = randomUUID();
  const snapshot = nextMessage<BrokerReconciliationSnapshot>(
    nats.bus,
    `broker.${broker}.evt.reconciliationSnapshot`,
    (s) => s.reconId === reconId,
    10_000,
  );
  const started = Date.now();
  const rec = await nats.bus.request<ReconcileReply>(cmd('reconcile'), { v: 1, reconId }, { timeoutMs: 10_000 });
  expect(rec).toMatchObject({ ok: true, reconId, instanceId: statusB.ok ? statusB.status.instanceId : '' });
  const snap = await snapshot;
  expect(Date.now() - started).toBeLessThan(5_000);
  const openRefs = new Set(snap.openOrders.map((o) => o.clientOrderId));
  const doneRefs = new Set(snap.completedOrders.map((o) => o.clientOrderId));
  for (const [id] of okA) expect(cancelledRefs.has(id) ? doneRefs.has(id) : openRefs.has(id), id).toBe(true);
  for (const [id] of lost) expect(openRefs.has(id) || doneRefs.has(id), id).toBe(false);
  expect(snap.completedOrders.find((o) => o.clientOrderId === filledRef)?.status).toBe('filled');
  expect(snap.executions.filter((x) => x.clientOrderId === filledRef).map((x) => x.quantity)).toEqual(['1']);
  expect(snap.requestedAtMs).toBeGreaterThanOrEqual(started - 1);

  console.info(
    `kill -9 mid-flow: offered ${settled.size}, acked ${okA.length}, refused ${byKind('refused').length}, ` +
      `unknown ${byKind('unknown').length} (of which at the broker ${byKind('unknown').length - lost.length}), ` +
      `in flight at kill ${inFlightAtKill}; lost acked 0; mark ${highWaterA}, first new id ${okB[0]?.[1]}`,
  );
}, 90_000);
