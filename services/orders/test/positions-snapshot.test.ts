/**
 * Issue 15.4, positions: `orders.positions` compares the ledger with a broker snapshot taken for the comparison.
 * Against ib-sim through gateway-ib over a real socket: ledger and broker equal → no difference; 1,000 shares bought
 * at ib-sim by another API client (the OMS never saw the order) → exactly that difference, as exact decimals; a
 * broker whose gateway does not answer → a typed, retryable error, never "flat at the broker".
 *
 * ib-sim over TCP, gateway-ib and orders in-process on a private nats-server and Postgres.
 */
import { randomUUID } from 'node:crypto';
import { type Bus, createNatsBus } from '@trading-system/bus';
import {
  BROKER_EVENTS_STREAM,
  type BrokerPlaceOrderReply,
  catalog,
  errorRegistry,
  type GetOrderReply,
  IbConnectionConfig,
  ORDERS_STREAM,
  type OrderCommandReply,
  type OrdersPositionsReply,
  Subjects,
} from '@trading-system/contracts';
import { type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { manualClock, type RunningSim, startSim } from '@trading-system/ib-sim';
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
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMPTY_RISK_CONFIG, type OrdersDb, type RunningOrders, start as startOrders } from '../src/index.js';
import { waitUntil } from './harness.js';

/** Tuesday 2024-03-12 11:00 New York: the session is open and market orders fill at once. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
const AAPL = '265598';
const ACCOUNT = 'DU1234567';
const BROKER = 'sim';
/** A second API client of the same login (its own clientId), which the OMS is not told of. */
const OTHER = 'sim-other';
const logger = createLogger({ service: 'positions-test', level: process.env.TEST_LOG === '1' ? 'debug' : 'silent' });

let server: PrivateNats;
let database: TestDatabase<unknown>;
let sim: RunningSim;
let gateway: Gateway | undefined;
let orders: RunningOrders;
let client: Bus;
const buses: Bus[] = [];

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
  sim = await startSim({ port: 0, clock: manualClock(TUESDAY_1100_ET), accounts: [ACCOUNT] });
  const g = await startGateway({
    bus: await connect('gateway'),
    logger,
    brokers: [
      { name: BROKER, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
      { name: OTHER, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 99 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 } },
  });
  gateway = g;
  await waitUntil(() => g.broker(BROKER)?.conn.isReady === true || undefined, 15_000);
  await waitUntil(() => g.broker(OTHER)?.conn.isReady === true || undefined, 15_000);
  orders = await startOrders({
    bus: await connect('orders'),
    db: database.db as Kysely<OrdersDb>,
    logger,
    config: {
      schema: database.newSchema('oms'),
      brokers: [{ name: BROKER }],
      initialRisk: EMPTY_RISK_CONFIG,
      brokerTimeoutMs: 5_000,
      relayPollMs: 200,
      ordersStream: ORDERS_STREAM,
      brokerEventsStream: BROKER_EVENTS_STREAM,
      durablePrefix: uniqueName('orders'),
      ackWaitMs: 5_000,
    },
  });
  client = await connect('client');
}, 90_000);

afterAll(async () => {
  await orders?.stop();
  await gateway?.stop();
  for (const b of buses.reverse()) await b.drain();
  await sim?.stop();
  await database?.close();
  await server?.stop();
});

const request = <T>(subject: string, body: unknown): Promise<T> =>
  client.request<T>(subject, body, { timeoutMs: 15_000 });
const positions = (body: Record<string, unknown> = { broker: BROKER }) =>
  request<OrdersPositionsReply>(Subjects.ordersPositions.build(), { v: 1, ...body });
const simPosition = () =>
  sim.control.positions().find((p) => p.instrumentId === AAPL && p.account === ACCOUNT)?.position;

/** Buys `quantity` AAPL at market as another API client of the same login: an order the OMS never sees. */
async function buyAtSimDirectly(quantity: number): Promise<void> {
  const before = simPosition() ?? 0;
  const r = await request<BrokerPlaceOrderReply>(Subjects.brokerCommand.build({ broker: OTHER, verb: 'placeOrder' }), {
    v: 1,
    clientOrderId: `other-${randomUUID()}`,
    account: ACCOUNT,
    instrument: { id: AAPL },
    side: 'BUY',
    quantity: String(quantity),
    orderType: 'MKT',
    tif: 'DAY',
    outsideRth: false,
  });
  expect(r.ok).toBe(true);
  await waitUntil(() => ((simPosition() ?? 0) >= before + quantity ? true : undefined), 10_000);
}

describe('orders.positions compares the ledger with a fresh broker snapshot', () => {
  test('ledger equal to ib-sim: no difference', async () => {
    const id = `pos-${randomUUID()}`;
    const r = await request<OrderCommandReply>(Subjects.ordersSubmit.build(), {
      v: 1,
      clientOrderId: id,
      broker: BROKER,
      account: ACCOUNT,
      instrument: { id: AAPL },
      side: 'BUY',
      quantity: '10',
      orderType: 'MKT',
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await waitUntil(async () => {
      const o = await request<GetOrderReply>(Subjects.ordersGet.build(), { v: 1, clientOrderId: id });
      return o.ok && o.order.state === 'filled' ? true : undefined;
    }, 20_000);
    expect(simPosition()).toBe(10);
    // The broker's report of a fill may trail the fill's event by a socket read; poll until the gateway has it.
    const p = await waitUntil(async () => {
      const x = await positions();
      return x.ok && x.brokerPositions?.some((b) => b.quantity === '10') ? x : undefined;
    });
    expect(p.ok && p.positions.map((x) => [x.broker, x.account, x.instrumentId, x.quantity])).toEqual([
      [BROKER, ACCOUNT, AAPL, '10'],
    ]);
    expect(p.ok && p.brokerPositions?.map((x) => [x.broker, x.account, x.instrumentId, x.quantity])).toEqual([
      [BROKER, ACCOUNT, AAPL, '10'],
    ]);
    expect(p.ok && p.differences).toEqual([]);
    const all = await positions({});
    expect(all.ok && all.differences).toEqual([]);
  }, 60_000);

  test('1,000 shares bought at ib-sim by another client: one difference, exact decimals', async () => {
    await buyAtSimDirectly(1_000);
    expect(simPosition()).toBe(1_010);
    const expected = [
      { broker: BROKER, account: ACCOUNT, instrumentId: AAPL, ledgerQuantity: '10', brokerQuantity: '1010' },
    ];
    const p = await waitUntil(async () => {
      const x = await positions();
      return x.ok && (x.differences?.length ?? 0) > 0 ? x : undefined;
    });
    expect(p.ok && p.differences).toEqual(expected);
    expect(p.ok && p.positions.map((x) => x.quantity)).toEqual(['10']); // the ledger did not move
    const byAccount = await positions({ broker: BROKER, account: ACCOUNT });
    expect(byAccount.ok && byAccount.differences).toEqual(expected);
    const all = await positions({});
    expect(all.ok && all.differences).toEqual(expected);
  }, 60_000);

  test('a broker whose gateway does not answer: a typed, retryable error naming it', async () => {
    await gateway?.stop();
    gateway = undefined;
    for (const body of [{ broker: BROKER }, {}]) {
      const r = await positions(body);
      expect(r).toMatchObject({ ok: false, code: 'BROKER_DISCONNECTED', details: { broker: BROKER } });
      expect(!r.ok && errorRegistry[r.code].retryable).toBe(true);
    }
    const unknown = await positions({ broker: 'nosuchbroker' });
    expect(unknown).toMatchObject({ ok: false, code: 'BROKER_UNKNOWN' });
  }, 30_000);
});
