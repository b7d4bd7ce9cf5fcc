/**
 * Acceptance (issue 14.1, "a fill was lost for good"): two ib-sims, broker `sim` and broker `ib2`, each with its own
 * gateway-ib, issue identical execution ids (`makeExecId(sequence, time)`: both sims start on the same manual clock,
 * so their n-th fill at one instant gets the same id). Every fill must be in the OMS ledger exactly once, in
 * history's read model exactly once, and in the positions (ledger = broker). One fill of `ib2` happens while its
 * gateway is down, so only the reconciliation after its restart can bring it in, while `sim` already holds a fill
 * with the same exec id.
 *
 * ib-sim over TCP, gateway-ib, orders and history in-process on a private nats-server and Postgres.
 */
import { randomUUID } from 'node:crypto';
import { type Bus, createNatsBus } from '@trading-system/bus';
import {
  BROKER_EVENTS_STREAM,
  catalog,
  type GetOrderReply,
  type HistTradesReply,
  IbConnectionConfig,
  ORDERS_STREAM,
  type OrderCommandReply,
  type OrdersPositionsReply,
  Subjects,
} from '@trading-system/contracts';
import { type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { type History, start as startHistory } from '@trading-system/history';
import { type ManualClock, manualClock, type RunningSim, startSim } from '@trading-system/ib-sim';
import { createLogger } from '@trading-system/runtime';
import type { Kysely } from '@trading-system/storage';
import {
  openPgTestDatabase,
  type PrivateNats,
  silentBusLogger,
  startPrivateNats,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EMPTY_RISK_CONFIG, type OrdersDb, type RunningOrders, start as startOrders } from '../src/index.js';
import { waitUntil } from './harness.js';

/** Tuesday 2024-03-12 11:00 New York: the session is open. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
const AAPL = '265598';
const BROKERS = ['sim', 'ib2'] as const;
type BrokerName = (typeof BROKERS)[number];
const logger = createLogger({ service: 'two-brokers-test', level: process.env.TEST_LOG === '1' ? 'debug' : 'silent' });

let server: PrivateNats;
let database: TestDatabase<unknown>;
let ordersSchema = '';
const buses: Bus[] = [];
let client: Bus;
const clocks = new Map<BrokerName, ManualClock>();
const sims = new Map<BrokerName, RunningSim>();
const gateways = new Map<BrokerName, Gateway>();
let orders: RunningOrders;
let history: History;

const connect = async (name: string): Promise<Bus> => {
  const bus = await createNatsBus({
    catalog,
    log: silentBusLogger,
    connection: { servers: server.url, name: `${name}-${process.pid}`, maxReconnectAttempts: 2 },
  });
  buses.push(bus);
  return bus;
};

const gatewayOf = async (broker: BrokerName): Promise<Gateway> => {
  const sim = sims.get(broker);
  if (sim === undefined) throw new Error(`no sim for ${broker}`);
  const g = await startGateway({
    bus: await connect(`gateway-${broker}`),
    logger,
    gatewayType: `ib${broker}`,
    brokers: [
      { name: broker, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 } },
  });
  await waitUntil(() => g.broker(broker)?.conn.isReady === true || undefined, 15_000);
  return g;
};

beforeAll(async () => {
  server = await startPrivateNats();
  database = await openPgTestDatabase<unknown>();
  ordersSchema = database.newSchema('oms');
  for (const b of BROKERS) {
    const clock = manualClock(TUESDAY_1100_ET);
    clocks.set(b, clock);
    sims.set(b, await startSim({ port: 0, clock }));
    gateways.set(b, await gatewayOf(b));
  }
  orders = await startOrders({
    bus: await connect('orders'),
    db: database.db as Kysely<OrdersDb>,
    logger,
    config: {
      schema: ordersSchema,
      brokers: BROKERS.map((name) => ({ name })),
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
    logger,
    config: {
      schema: database.newSchema('hist'),
      ensureOrdersStream: true,
      ordersDurable: uniqueName('d'),
    },
  });
  client = await connect('client');
}, 90_000);

afterAll(async () => {
  await history?.stop();
  await orders?.stop();
  for (const g of gateways.values()) await g.stop();
  for (const b of buses.reverse()) await b.drain();
  for (const s of sims.values()) await s.stop();
  await database?.close();
  await server?.stop();
});

const request = <T>(subject: string, body: unknown): Promise<T> =>
  client.request<T>(subject, body, { timeoutMs: 15_000 });
const getOrder = (id: string) => request<GetOrderReply>(Subjects.ordersGet.build(), { v: 1, clientOrderId: id });
const stateOf = async (id: string) => {
  const r = await getOrder(id);
  return r.ok ? r.order.state : undefined;
};

async function submit(broker: BrokerName, body: Record<string, unknown>): Promise<string> {
  const id = `tb-${broker}-${randomUUID()}`;
  const r = await request<OrderCommandReply>(Subjects.ordersSubmit.build(), {
    v: 1,
    clientOrderId: id,
    broker,
    instrument: { id: AAPL },
    side: 'BUY',
    ...body,
  });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return id;
}

const simExecutions = (b: BrokerName) => sims.get(b)?.control.exchange.executions() ?? [];

test('identical exec ids at two brokers: every fill once in the ledger, in history and in the positions', async () => {
  // 1. A market order at each broker, at the same sim instant: both first fills get the same exec id.
  const mkt = { sim: await submit('sim', { quantity: '10', orderType: 'MKT' }), ib2: '' };
  mkt.ib2 = await submit('ib2', { quantity: '10', orderType: 'MKT' });
  for (const id of [mkt.sim, mkt.ib2])
    await waitUntil(async () => (await stateOf(id)) === 'filled' || undefined, 20_000);
  const firstIds = BROKERS.map((b) => simExecutions(b).map((e) => e.execId));
  expect(firstIds[0]).toHaveLength(1);
  expect(firstIds[1]).toEqual(firstIds[0]);

  // 2. A limit order at each broker that rests now and fills when both clocks reach the same later instant; ib2's
  //    gateway is down meanwhile, so its fill reaches the OMS only through reconciliation after the restart.
  const quotes = sims.get('sim')?.control.quotes;
  if (quotes === undefined) throw new Error('no quotes');
  const now = TUESDAY_1100_ET;
  const askNow = quotes.quoteAt(Number(AAPL), now).ask;
  let fillAt = now;
  let limit = askNow;
  for (let t = now + 250; t < now + 3_600_000; t += 250) {
    const ask = quotes.quoteAt(Number(AAPL), t).ask;
    if (ask <= askNow - 0.05) {
      fillAt = t;
      limit = ask;
      break;
    }
  }
  expect(fillAt, 'a later instant where the ask is lower').toBeGreaterThan(now);
  const lmt = { quantity: '5', orderType: 'LMT', limitPrice: limit.toFixed(2), tif: 'GTC' };
  const rest = { sim: await submit('sim', lmt), ib2: await submit('ib2', lmt) };
  for (const id of [rest.sim, rest.ib2]) await waitUntil(async () => (await stateOf(id)) === 'submitted' || undefined);
  await gateways.get('ib2')?.stop();
  gateways.delete('ib2');
  for (const b of BROKERS) clocks.get(b)?.set(fillAt + 250);
  const secondIds = BROKERS.map((b) => simExecutions(b).map((e) => e.execId));
  expect(secondIds[0]).toHaveLength(2);
  expect(secondIds[1]).toEqual(secondIds[0]);
  await waitUntil(async () => (await stateOf(rest.sim)) === 'filled' || undefined, 20_000);
  expect(await stateOf(rest.ib2)).toBe('submitted'); // its fill happened with nobody listening
  gateways.set('ib2', await gatewayOf('ib2'));
  await waitUntil(async () => (await stateOf(rest.ib2)) === 'filled' || undefined, 30_000);

  // Ledger: one fill per broker and exec id, every one with its commission.
  const omsDb = database.db.withSchema(ordersSchema) as Kysely<OrdersDb>;
  await waitUntil(async () => {
    const n = await omsDb
      .selectFrom('fills')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('commission', 'is', null)
      .executeTakeFirstOrThrow();
    return n.n === '0' || undefined;
  }, 20_000);
  const fills = await omsDb.selectFrom('fills').select(['broker', 'exec_id', 'quantity']).execute();
  const expected = BROKERS.flatMap((b) => simExecutions(b).map((e) => [b, e.execId, String(e.shares)]));
  expect(fills.map((f) => [f.broker, f.exec_id, String(Number(f.quantity))]).sort()).toEqual(expected.sort());
  expect(expected).toHaveLength(4);

  // History: the same four trades, each once, each with its own commission.
  await orders.relay.flush();
  const trades = await waitUntil(async () => {
    const all = [];
    for (const broker of BROKERS) {
      const r = await request<HistTradesReply>(Subjects.histTrades.build(), { v: 1, query: { broker } });
      if (!r.ok) return undefined;
      all.push(...r.trades);
    }
    return all.length === 4 && all.every((t) => t.commission !== undefined) ? all : undefined;
  }, 20_000);
  expect(trades.map((t) => [t.broker, t.execId, String(Number(t.quantity))]).sort()).toEqual(expected.sort());

  // Positions: 15 shares at each broker, in the ledger as at the broker.
  for (const broker of BROKERS) {
    const r = await request<OrdersPositionsReply>(Subjects.ordersPositions.build(), { v: 1, broker });
    expect(r.ok && r.positions.map((x) => [x.broker, x.instrumentId, x.quantity])).toEqual([[broker, AAPL, '15']]);
    expect(
      sims
        .get(broker)
        ?.control.positions()
        .map((x) => [x.instrumentId, x.position]),
    ).toEqual([[AAPL, 15]]);
  }
}, 180_000);
