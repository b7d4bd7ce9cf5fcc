/**
 * Acceptance (issue "history: historical bars cache, pacing-aware back-fill, order and trade history"):
 * "the order/trade history matches the OMS ledger exactly after being rebuilt from the event stream."
 *
 * ib-sim (TWS protocol over TCP) + gateway-ib + the orders service (OMS) + history, on NATS and Postgres. Orders go
 * through `orders.submit` like any client's: market orders that fill (one large enough to fill in several
 * executions), a limit that rests and is cancelled, and one our own checks deny. Once every order is final, every
 * commission known and the outbox empty, history's read model is dropped and rebuilt from the ORDERS stream; then
 * every order (view and full event history) and every fill (execId, quantity, price, commission) must equal what
 * the OMS reports (`orders.list`, `orders.get`) and holds in its ledger (`fills`).
 *
 * The OMS answers every orders.* request it hears, so this file runs on a NATS server of its own (private-nats.ts).
 */
import { randomUUID } from 'node:crypto';
import { type Bus, createNatsBus } from '@trading-system/bus';
import {
  BROKER_EVENTS_STREAM,
  catalog,
  decimalEquals,
  FINAL_ORDER_STATES,
  foldOrder,
  type GetOrderReply,
  type HistOrdersReply,
  type HistTradesReply,
  IbConnectionConfig,
  type ListOrdersReply,
  ORDERS_STREAM,
  type OrderCommandReply,
  type OrderView,
  Subjects,
  type TradeRecord,
} from '@trading-system/contracts';
import { type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { EMPTY_RISK_CONFIG, type OrdersDb, type RunningOrders, start as startOrders } from '@trading-system/orders';
import type { Kysely } from '@trading-system/storage';
import {
  openPgTestDatabase,
  type PrivateNats,
  poll,
  silentBusLogger,
  startPrivateNats,
  type TestDatabase,
  uniqueName,
  until,
} from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type History, start as startHistory } from '../src/app.js';
import { testLogger } from './helpers.js';

/** Tuesday 2024-03-12 11:00 New York: the session is open, market orders fill at once. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
const AAPL = '265598';

let server: PrivateNats;
const buses: Bus[] = [];
let client: Bus;
let database: TestDatabase<unknown>;
let sim: RunningSim;
let gateway: Gateway;
let orders: RunningOrders;
let history: History;
let ordersSchema = '';
const broker = uniqueName('b');

const connect = async (name: string): Promise<Bus> => {
  const bus = await createNatsBus({
    catalog,
    log: silentBusLogger,
    connection: { servers: server.url, name: `${name}-${process.pid}`, maxReconnectAttempts: 2 },
  });
  buses.push(bus);
  return bus;
};

beforeAll(async () => {
  server = await startPrivateNats();
  database = await openPgTestDatabase<unknown>();
  ordersSchema = database.newSchema('oms');
  const clock = scaledClock(TUESDAY_1100_ET, 1);
  sim = await startSim({ port: 0, clock });
  gateway = await startGateway({
    bus: await connect('gateway'),
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: broker, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 44 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 } },
  });
  await until(() => gateway.broker(broker)?.conn.isReady === true, 10_000, 'the IB session');
  orders = await startOrders({
    bus: await connect('orders'),
    db: database.db as Kysely<OrdersDb>,
    logger: testLogger,
    config: {
      schema: ordersSchema,
      brokers: [{ name: broker }],
      initialRisk: EMPTY_RISK_CONFIG,
      brokerTimeoutMs: 10_000,
      relayPollMs: 200,
      ordersStream: ORDERS_STREAM,
      brokerEventsStream: BROKER_EVENTS_STREAM,
      durablePrefix: uniqueName('orders'),
      ackWaitMs: 5_000,
    },
  });
  history = await startHistory({
    bus: await connect('history'),
    db: database.db as never,
    logger: testLogger,
    config: {
      schema: database.newSchema('hist'),
      brokers: [broker],
      ensureOrdersStream: true,
      ordersFilterSubject: `orders.evt.${broker}.>`,
      ordersDurable: uniqueName('d'),
    },
  });
  client = await connect('client');
}, 60_000);

afterAll(async () => {
  await history?.stop();
  await orders?.stop();
  await gateway?.stop();
  for (const b of buses.reverse()) await b.drain();
  await sim?.stop();
  await database?.close();
  await server?.stop();
});

const request = <T>(subject: string, body: unknown): Promise<T> =>
  client.request<T>(subject, body, { timeoutMs: 15_000 });
const getOrder = (id: string) => request<GetOrderReply>(Subjects.ordersGet.build(), { v: 1, clientOrderId: id });

async function submit(body: Record<string, unknown>): Promise<{ id: string; reply: OrderCommandReply }> {
  const id = `acc-${randomUUID()}`;
  const reply = await request<OrderCommandReply>(Subjects.ordersSubmit.build(), {
    v: 1,
    clientOrderId: id,
    broker,
    instrument: { id: AAPL },
    ...body,
  });
  return { id, reply };
}

/** Polls orders.get until the order is in `state` (the OMS is a separate component: its answer is the truth). */
async function untilState(id: string, states: readonly string[], ms = 30_000): Promise<GetOrderReply> {
  let last: GetOrderReply | undefined;
  return poll(
    `order ${id} ${states.join('/')}`,
    async () => {
      last = await getOrder(id);
      return last.ok && states.includes(last.order.state) ? last : undefined;
    },
    { timeoutMs: ms, intervalMs: 50, detail: () => JSON.stringify(last) },
  );
}

/** Decimal strings compare by value (Postgres NUMERIC may render `10` as `10.00`). */
const dec = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;

interface Fill {
  execId: string;
  clientOrderId: string;
  side: string;
  quantity: string | undefined;
  price: string | undefined;
  commission: string | undefined;
  commissionCurrency: string | undefined;
  realizedPnl: string | undefined;
  tsEventMs: number;
}

/** What both sides said once everything settled (filled by the first test). */
interface Observed {
  readonly ids: { buy: string; sell: string; big: string; resting: string; denied: string };
  readonly omsOrders: OrderView[];
  readonly histOrders: OrderView[];
  readonly omsGet: Map<string, Extract<GetOrderReply, { ok: true }>>;
  readonly histGet: Map<string, Extract<HistOrdersReply, { ok: true }>>;
  readonly ledgerFills: Fill[];
  readonly histTrades: TradeRecord[];
  readonly eventCount: number;
  readonly rebuildMs: number;
}
let seen: Observed | undefined;
const observed = (): Observed => {
  if (seen === undefined) throw new Error('the first test did not get as far as the comparison');
  return seen;
};

const byId = (xs: readonly OrderView[]) => [...xs].sort((a, b) => a.clientOrderId.localeCompare(b.clientOrderId));

/** `<clientOrderId> <field>: oms=<v> hist=<v>` for every field that differs (readable failures). */
function viewDiffs(oms: readonly OrderView[], hist: readonly OrderView[]): string[] {
  const out: string[] = [];
  const h = new Map(hist.map((v) => [v.clientOrderId, v]));
  for (const o of oms) {
    const v = h.get(o.clientOrderId);
    if (v === undefined) {
      out.push(`${o.clientOrderId} (${o.state}): missing from history`);
      continue;
    }
    const keys = new Set([...Object.keys(o), ...Object.keys(v)]);
    for (const k of keys) {
      const a = JSON.stringify((o as Record<string, unknown>)[k]);
      const b = JSON.stringify((v as Record<string, unknown>)[k]);
      if (a !== b) out.push(`${o.clientOrderId} ${k}: oms=${a} hist=${b}`);
    }
  }
  for (const v of hist)
    if (!oms.some((o) => o.clientOrderId === v.clientOrderId)) out.push(`${v.clientOrderId}: only in history`);
  return out;
}

test('orders through orders.submit settle at the OMS; history is rebuilt from the ORDERS stream', async () => {
  const t0 = performance.now();
  const buy = await submit({ side: 'BUY', quantity: '10', orderType: 'MKT' });
  const sell = await submit({ side: 'SELL', quantity: '4', orderType: 'MKT' });
  // Larger than the displayed size: ib-sim fills it over several matching steps (partiallyFilled, then filled).
  const big = await submit({ side: 'BUY', quantity: '5000', orderType: 'MKT' });
  const resting = await submit({ side: 'BUY', quantity: '5', orderType: 'LMT', limitPrice: '1.00', tif: 'GTC' });
  // Not on AAPL's 0.01 tick: denied by the OMS, never sent; the denial is part of the history too.
  const denied = await submit({ side: 'BUY', quantity: '1', orderType: 'LMT', limitPrice: '1.005' });
  for (const o of [buy, sell, big, resting]) expect(o.reply.ok, JSON.stringify(o.reply)).toBe(true);
  expect(denied.reply.ok).toBe(false);

  await untilState(resting.id, ['submitted']);
  const cancel = await request<OrderCommandReply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId: resting.id });
  expect(cancel.ok, JSON.stringify(cancel)).toBe(true);

  const all = [buy, sell, big, resting, denied];
  const finals: string[] = [];
  for (const o of all) {
    const r = await untilState(o.id, [...FINAL_ORDER_STATES]);
    finals.push(r.ok ? r.order.state : 'error');
  }
  expect(finals).toEqual(['filled', 'filled', 'filled', 'cancelled', 'denied']);

  // Every commission known (IB reports it after the execution), every ledger event published.
  const omsDb = database.db.withSchema(ordersSchema) as Kysely<OrdersDb>;
  const count = async (table: 'fills' | 'order_events', where?: 'commission' | 'published_at') => {
    let q = omsDb.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n'));
    if (where !== undefined) q = q.where(where as never, 'is', null);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  await poll('every fill with its commission', async () => (await count('fills', 'commission')) === 0, {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  await orders.relay.flush();
  expect(await count('order_events', 'published_at')).toBe(0);
  const eventCount = await count('order_events');

  // Drop the read model and replay the stream.
  const tRebuild = performance.now();
  await history.readModel.rebuild();
  await until(() => history.readModel.stats.applied >= eventCount, 30_000, `${eventCount} events replayed`);
  const rebuildMs = performance.now() - tRebuild;
  expect(history.readModel.stats.applied).toBe(eventCount);

  const omsList = await request<ListOrdersReply>(Subjects.ordersList.build(), {
    v: 1,
    broker,
    status: 'all',
    limit: 1000,
  });
  const histList = await request<HistOrdersReply>(Subjects.histOrders.build(), {
    v: 1,
    query: { broker, status: 'all', limit: 1000 },
  });
  const histTrades = await request<HistTradesReply>(Subjects.histTrades.build(), {
    v: 1,
    query: { broker, limit: 1000 },
  });
  if (!omsList.ok || !histList.ok || !histTrades.ok)
    throw new Error(`a query failed: ${JSON.stringify({ omsList, histList, histTrades })}`);
  const omsGet = new Map<string, Extract<GetOrderReply, { ok: true }>>();
  const histGet = new Map<string, Extract<HistOrdersReply, { ok: true }>>();
  for (const o of all) {
    const a = await getOrder(o.id);
    const b = await request<HistOrdersReply>(Subjects.histOrders.build(), {
      v: 1,
      query: { broker, clientOrderId: o.id, includeEvents: true },
    });
    if (!a.ok || !b.ok) throw new Error(`get failed: ${JSON.stringify({ a, b })}`);
    omsGet.set(o.id, a);
    histGet.set(o.id, b);
  }
  const fills = await omsDb.selectFrom('fills').selectAll().orderBy('exec_id').execute();
  const opt = (x: unknown) => (x === null || x === undefined ? undefined : String(x));
  seen = {
    ids: { buy: buy.id, sell: sell.id, big: big.id, resting: resting.id, denied: denied.id },
    omsOrders: byId(omsList.orders),
    histOrders: byId(histList.orders),
    omsGet,
    histGet,
    ledgerFills: fills.map((f) => ({
      execId: f.exec_id,
      clientOrderId: f.client_order_id,
      side: f.side,
      quantity: dec(String(f.quantity)),
      price: dec(String(f.price)),
      commission: dec(opt(f.commission)),
      commissionCurrency: opt(f.commission_currency),
      realizedPnl: dec(opt(f.realized_pnl)),
      tsEventMs: Number(f.exec_time_ms),
    })),
    histTrades: histTrades.trades,
    eventCount,
    rebuildMs,
  };
  expect(omsList.orders).toHaveLength(5);
  console.log(
    `acceptance ledger: ${omsList.orders.length} orders, ${fills.length} fills, ${eventCount} events; ` +
      `rebuild ${Math.round(rebuildMs)} ms, test ${Math.round(performance.now() - t0)} ms` +
      (server.private ? '' : ' (shared NATS)'),
  );
}, 90_000);

test('every fill equals the OMS ledger: execId, order, side, quantity, price, commission, realized PnL, time', () => {
  const o = observed();
  const fromHistory: Fill[] = [...o.histTrades]
    .sort((a, b) => a.execId.localeCompare(b.execId))
    .map((t) => ({
      execId: t.execId,
      clientOrderId: t.clientOrderId,
      side: t.side,
      quantity: dec(t.quantity),
      price: dec(t.price),
      commission: dec(t.commission),
      commissionCurrency: t.commissionCurrency,
      realizedPnl: dec(t.realizedPnl),
      tsEventMs: t.tsEventMs,
    }));
  expect(fromHistory).toEqual(o.ledgerFills);
  expect(o.ledgerFills.every((f) => f.commission !== undefined)).toBe(true);
  const qty = (id: string) =>
    o.ledgerFills.filter((f) => f.clientOrderId === id).reduce((s, f) => s + Number(f.quantity), 0);
  expect([qty(o.ids.buy), qty(o.ids.sell), qty(o.ids.big), qty(o.ids.resting)]).toEqual([10, 4, 5000, 0]);
  // The big order took several executions.
  expect(o.ledgerFills.filter((f) => f.clientOrderId === o.ids.big).length).toBeGreaterThan(1);
  for (const v of o.omsOrders) expect(decimalEquals(v.filledQty, String(qty(v.clientOrderId)))).toBe(true);
});

test("every order's event history equals the OMS's (orders.get), the denial included", () => {
  const o = observed();
  for (const [id, oms] of o.omsGet) expect(o.histGet.get(id)?.events, id).toEqual(oms.events);
  const bigEvents = o.omsGet.get(o.ids.big)?.events ?? [];
  expect(bigEvents.some((e) => e.kind === 'partiallyFilled')).toBe(true);
  expect(o.omsGet.get(o.ids.denied)?.events?.map((e) => e.kind)).toEqual(['denied']);
  const total = [...o.omsGet.values()].reduce((n, r) => n + (r.events?.length ?? 0), 0);
  expect(total).toBe(o.eventCount);
});

test('every order is in history with the same view as orders.list / orders.get, permId and the denial included', () => {
  const o = observed();
  const accepted = o.omsOrders.filter((v) => v.state !== 'denied');
  expect(accepted).toHaveLength(4);
  // permId: the OMS may learn it from an execution only; the fill event carries it to history.
  expect(accepted.every((v) => v.permId !== undefined)).toBe(true);
  expect(viewDiffs(o.omsOrders, o.histOrders)).toEqual([]);
  // Both are the one fold of the order's events: the OMS's view is what its own event history folds to.
  for (const [id, oms] of o.omsGet) expect(foldOrder(oms.events ?? []).view, id).toEqual(oms.order);
  expect(o.histOrders.map((v) => v.clientOrderId)).toContain(o.ids.denied);
  for (const v of o.omsOrders) expect(o.histGet.get(v.clientOrderId)?.orders.map((x) => x.state)).toEqual([v.state]);
});
