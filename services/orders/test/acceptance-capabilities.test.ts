/**
 * Acceptance (issue 16 item 2, "capabilities come from the broker"): the OMS takes what the broker announces, not a
 * rule of its own. gateway-ib on ib-sim first announces IB's capabilities narrowed to no GTC (its operator's
 * setting, IB_TIFS=DAY,IOC,FOK): every order outside the announcement is denied with the capability it lacks and
 * nothing reaches ib-sim. The gateway then restarts with IB's full announcement, and the same GTC order goes
 * through, with no change to the OMS.
 *
 * ib-sim over TCP, gateway-ib and orders in-process on a private nats-server and Postgres.
 */
import { randomUUID } from 'node:crypto';
import { type Bus, createNatsBus } from '@trading-system/bus';
import {
  BROKER_EVENTS_STREAM,
  type BrokerStatus,
  catalog,
  IbConnectionConfig,
  ORDERS_STREAM,
  type OrderCommandReply,
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
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EMPTY_RISK_CONFIG, type OrdersDb, type RunningOrders, start as startOrders } from '../src/index.js';
import { waitUntil } from './harness.js';

/** Tuesday 2024-03-12 11:00 New York: the session is open. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
const AAPL = '265598';
const ACCOUNT = 'DU1234567';
const broker = 'sim';
const logger = createLogger({ service: 'capabilities-test', level: process.env.TEST_LOG === '1' ? 'debug' : 'silent' });

let server: PrivateNats;
let database: TestDatabase<unknown>;
const buses: Bus[] = [];
let client: Bus;
let sim: RunningSim;
let gateway: Gateway | undefined;
let orders: RunningOrders;

const connect = async (name: string): Promise<Bus> => {
  const bus = await createNatsBus({
    catalog,
    log: silentBusLogger,
    connection: { servers: server.url, name: `${name}-${process.pid}`, maxReconnectAttempts: 2 },
  });
  buses.push(bus);
  return bus;
};

/** Starts gateway-ib on the sim, with its operator's TIF narrowing, and waits until the OMS holds its status. */
const startGatewayWith = async (tifs?: Array<'DAY' | 'GTC' | 'IOC' | 'FOK'>): Promise<Gateway> => {
  const g = await startGateway({
    bus: await connect('gateway'),
    logger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: broker, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
    ],
    brokerOptions: {
      connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 200 },
      ...(tifs === undefined ? {} : { capabilities: { tifs } }),
    },
  });
  await waitUntil(() => g.broker(broker)?.conn.isReady === true || undefined, 15_000);
  return g;
};

beforeAll(async () => {
  server = await startPrivateNats();
  database = await openPgTestDatabase<unknown>();
  sim = await startSim({ port: 0, clock: manualClock(TUESDAY_1100_ET) });
  gateway = await startGatewayWith(['DAY', 'IOC', 'FOK']);
  orders = await startOrders({
    bus: await connect('orders'),
    db: database.db as Kysely<OrdersDb>,
    logger,
    config: {
      schema: database.newSchema('oms'),
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

const submit = (over: Record<string, unknown>) =>
  client.request<OrderCommandReply>(
    Subjects.ordersSubmit.build(),
    {
      v: 1,
      clientOrderId: `c-${randomUUID()}`,
      broker,
      account: ACCOUNT,
      instrument: { id: AAPL },
      side: 'BUY',
      quantity: '10',
      orderType: 'LMT',
      limitPrice: '100.00',
      tif: 'DAY',
      ...over,
    },
    { timeoutMs: 15_000 },
  );
const atSim = () => {
  const o = sim.control.orders();
  return [...o.open, ...o.completed].map((x) => x.orderRef);
};

test('orders outside what the broker announces are denied with the missing capability; nothing reaches the broker', async () => {
  for (const [over, code, rule] of [
    [{ tif: 'GTC' }, 'ORDER_TYPE_UNSUPPORTED', 'tif'],
    [{ orderType: 'STP', limitPrice: undefined, stopPrice: '500.00', tif: 'IOC' }, 'ORDER_TYPE_UNSUPPORTED', 'tif'],
    [{ orderType: 'MKT', limitPrice: undefined, outsideRth: true }, 'ORDER_TYPE_UNSUPPORTED', 'outsideRth'],
    [{ quantity: '2.5' }, 'ORDER_TYPE_UNSUPPORTED', 'fractionalQuantity'],
    [{ instrument: { secType: 'IND', symbol: 'SPX' } }, 'ORDER_ASSET_CLASS_UNSUPPORTED', 'assetClass'],
  ] as const) {
    const r = await submit(over);
    expect(r, JSON.stringify(over)).toMatchObject({ ok: false, code, details: { rule } });
    const id = String(r.ok ? '' : r.details?.clientOrderId);
    const view = await client.request<OrderCommandReply>(
      Subjects.ordersGet.build(),
      { v: 1, clientOrderId: id },
      { timeoutMs: 5_000 },
    );
    expect(view).toMatchObject({ ok: true, order: { state: 'denied', lastRejection: { kind: 'denied', code } } });
  }
  expect(atSim()).toEqual([]);

  const day = `c-${randomUUID()}`;
  expect(await submit({ clientOrderId: day })).toMatchObject({ ok: true });
  await waitUntil(() => atSim().includes(day) || undefined);
}, 60_000);

test('the announcement, not the OMS, decides: the gateway restarts announcing GTC, and GTC goes through', async () => {
  await gateway?.stop();
  gateway = undefined;
  // Two announcements with GTC: the OMS, subscribed to the same subject, has had the first when the second arrives.
  const full = new Promise<void>((resolve) => {
    let seen = 0;
    const sub = client.subscribe<BrokerStatus>(Subjects.brokerStatus.build({ broker }), (m) => {
      if (m.data.capabilities?.orderTypes.LMT?.includes('GTC') && ++seen === 2) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
  gateway = await startGatewayWith();
  await full;
  const gtc = `c-${randomUUID()}`;
  expect(await submit({ clientOrderId: gtc, tif: 'GTC' })).toMatchObject({ ok: true, order: { tif: 'GTC' } });
  await waitUntil(() => atSim().includes(gtc) || undefined);
}, 60_000);
