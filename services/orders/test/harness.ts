/**
 * Test harness: the orders app on a real bus (NATS or in-process) and a real database (Postgres or PGlite), with a
 * fake gateway at the outermost wire (`broker.<b>.cmd.*` answered on the bus) that records what was sent.
 * Every harness uses a fresh broker name (so subjects, durables and event filters never collide) and schema.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BROKER_EVENT_SCHEMAS,
  BROKER_EVENTS_STREAM,
  type BrokerCapabilities,
  type BrokerEventKind,
  type BrokerReconciliationSnapshot,
  catalog,
  type Instrument,
  ORDERS_STREAM,
  type OrderEvent,
  type Position,
  Subjects,
} from '@trading-system/contracts';
import { createLogger } from '@trading-system/runtime';
import type { Kysely } from '@trading-system/storage';
import {
  createTestMemoryBus,
  createTestNatsBus,
  openPgliteTestDatabase,
  openPgTestDatabase,
  poll,
  type TestBus,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import type { z } from 'zod';
import { type OrdersConfig, type OrdersDb, type RiskConfig, type RunningOrders, start } from '../src/index.js';
import { EMPTY_RISK_CONFIG } from '../src/risk-checks.js';

export const AAPL: Instrument = {
  id: '265598',
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  minTick: '0.01',
};
export const ACCOUNT = 'DU111';

/** What the fake gateways announce unless a test changes it: IB's capabilities (gateway-ib's defaults). */
export const TEST_CAPABILITIES: BrokerCapabilities = {
  assetClasses: ['STK', 'CASH', 'FUT', 'OPT'],
  orderTypes: {
    MKT: ['DAY', 'GTC', 'IOC', 'FOK'],
    LMT: ['DAY', 'GTC', 'IOC', 'FOK'],
    STP: ['DAY', 'GTC'],
    'STP LMT': ['DAY', 'GTC'],
  },
  outsideRth: ['LMT', 'STP', 'STP LMT'],
  fractionalQuantity: [],
  modify: true,
  marketDataLines: 100,
};

export type PlaceBehaviour = 'ok' | 'refuse' | 'hang';

export interface FakeGateway {
  readonly calls: Array<{ verb: string; body: Record<string, unknown> }>;
  place: PlaceBehaviour;
  /** Snapshot to publish on `reconcile` (none by default). */
  snapshot:
    | ((
        reconId: string,
      ) => Omit<
        BrokerReconciliationSnapshot,
        'v' | 'eventId' | 'broker' | 'reconId' | 'part' | 'parts' | 'tsEventMs' | 'tsInitMs'
      >)
    | undefined;
  nextOrderId: number;
  /** What `status` announces (BrokerStatus.capabilities); undefined: a gateway older than capabilities. */
  capabilities: BrokerCapabilities | undefined;
  /** What `positions` answers (the broker's positions now); `'silent'`: no answer, as a gateway that hangs. */
  positions: Position[] | 'silent';
  /**
   * Old ids the gateway still qualifies, each to the instrument under its current id (gateway-alpaca keeps the
   * hashed ids of the version before as aliases of the asset UUID).
   */
  readonly aliases: Map<string, Instrument>;
  placed(): Array<Record<string, unknown>>;
}

export interface Harness {
  readonly broker: string;
  readonly bus: Bus;
  readonly testBus: TestBus;
  readonly database: TestDatabase<OrdersDb>;
  readonly schema: string;
  readonly gateway: FakeGateway;
  /** The further brokers of `otherBrokers`, in order. */
  readonly others: ReadonlyArray<{ readonly broker: string; readonly gateway: FakeGateway }>;
  /** Order events seen on `orders.evt.<broker>.>` (core subscription). */
  readonly events: OrderEvent[];
  app: RunningOrders;
  config: OrdersConfig;
  request<T = { ok: boolean } & Record<string, unknown>>(subject: string, body: unknown): Promise<T>;
  /**
   * Publishes a broker event of `from` (default the first broker) on BROKER_EVENTS; msgId defaults to
   * `<broker>:<eventId>` as gateway-ib sets it.
   */
  brokerEvent<K extends BrokerEventKind>(
    kind: K,
    body: Omit<z.input<(typeof BROKER_EVENT_SCHEMAS)[K]>, 'v' | 'broker' | 'tsInitMs'>,
    msgId?: string,
    from?: string,
  ): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Polls `fn` until it gives a value (testkit's poll, every 25 ms); the OMS suites' name for it. */
export function waitUntil<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  return poll('the condition', fn, { timeoutMs, intervalMs: 25 });
}

/** The fake gateway of one broker: answers `broker.<broker>.cmd.*` on the bus and records what was sent. */
function serveFakeGateway(bus: Bus, broker: string): { gateway: FakeGateway; subs: Subscription[] } {
  const gateway: FakeGateway = {
    calls: [],
    place: 'ok',
    snapshot: undefined,
    nextOrderId: 100,
    capabilities: TEST_CAPABILITIES,
    positions: [],
    aliases: new Map(),
    placed() {
      return this.calls.filter((c) => c.verb === 'placeOrder').map((c) => c.body);
    },
  };
  const subs = [
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'status' }), () => ({
      v: 1,
      ok: true,
      status: {
        v: 1,
        broker,
        gatewayType: 'ib',
        state: 'connected',
        feeds: [],
        accounts: [ACCOUNT],
        paper: true,
        tsMs: Date.now(),
        ...(gateway.capabilities === undefined ? {} : { capabilities: gateway.capabilities }),
      },
    })),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'qualifyContract' }), (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'qualifyContract', body });
      const ref = body.instrument as { id?: string; symbol?: string };
      const alias = ref.id === undefined ? undefined : gateway.aliases.get(ref.id);
      if (alias !== undefined) return { v: 1, ok: true, instruments: [alias] };
      if (ref.id === AAPL.id || ref.symbol === 'AAPL') return { v: 1, ok: true, instruments: [AAPL] };
      return { v: 1, ok: false, code: 'CONTRACT_UNKNOWN', message: 'no such contract' };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'placeOrder' }), async (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'placeOrder', body });
      // A reply that comes too late for the OMS (which gave up at brokerTimeoutMs): the outcome is unknown to it.
      if (gateway.place === 'hang') await new Promise((r) => setTimeout(r, 2_000));
      else if (gateway.place === 'refuse')
        return { v: 1, ok: false, code: 'BROKER_DISCONNECTED', message: 'socket closed', details: { brokerCode: 504 } };
      gateway.nextOrderId += 1;
      return { v: 1, ok: true, clientOrderId: body.clientOrderId, orderId: String(gateway.nextOrderId) };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'cancelOrder' }), (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'cancelOrder', body });
      return { v: 1, ok: true, clientOrderId: body.clientOrderId, orderId: body.orderId };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'modifyOrder' }), (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'modifyOrder', body });
      return { v: 1, ok: true, clientOrderId: body.clientOrderId, orderId: body.orderId };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'positions' }), async (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'positions', body });
      if (gateway.positions === 'silent') await new Promise((r) => setTimeout(r, 5_000));
      return { v: 1, ok: true, positions: gateway.positions === 'silent' ? [] : gateway.positions };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'reconcile' }), async (body: { reconId: string }) => {
      gateway.calls.push({ verb: 'reconcile', body });
      // As gateway-ib: the time it asked the broker, before the snapshot is taken.
      const requestedAtMs = Date.now();
      const snap = gateway.snapshot?.(body.reconId);
      if (snap !== undefined) {
        const now = Date.now();
        const msg = {
          v: 1,
          eventId: `recon-${body.reconId}`,
          broker,
          reconId: body.reconId,
          part: 1,
          parts: 1,
          tsEventMs: now,
          tsInitMs: now,
          requestedAtMs,
          ...snap,
        };
        await bus.jetstream.publish(Subjects.brokerEvent.build({ broker, kind: 'reconciliationSnapshot' }), msg, {
          msgId: `${broker}:${msg.eventId}`,
        });
      }
      return { v: 1, ok: true, reconId: body.reconId, parts: 1 };
    }),
  ];
  return { gateway, subs };
}

export interface HarnessOptions {
  readonly risk?: RiskConfig;
  readonly brokerTimeoutMs?: number;
  /** OrdersConfig.reconcileIntervalMs / reconcileGraceMs (the service's defaults when absent). */
  readonly reconcileIntervalMs?: number;
  readonly reconcileGraceMs?: number;
  /** Further brokers routed to by the same OMS, each with its own fake gateway (`others`). */
  readonly otherBrokers?: number;
  /**
   * How the OMS learns of the other brokers: configured (the default), adopted at run time (ORDERS_ADOPT_BROKERS
   * on, nothing configured), or not at all (adoption off: their gateways answer, but the OMS must not route there).
   */
  readonly others?: 'configured' | 'adopted' | 'unrouted';
  /**
   * Runs on the fresh schema before the OMS starts (and migrates it): a ledger left by an earlier version.
   * Receives the unscoped database, the schema and the (first) broker's name.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a ledger of an earlier version has no type of today
  readonly prepare?: (db: Kysely<any>, schema: string, broker: string) => Promise<void>;
}

export async function startHarness(kind: 'nats-pg' | 'memory-pglite', opts: HarnessOptions = {}): Promise<Harness> {
  const testBus = kind === 'nats-pg' ? await createTestNatsBus(catalog) : await createTestMemoryBus(catalog);
  const database = kind === 'nats-pg' ? await openPgTestDatabase<OrdersDb>() : await openPgliteTestDatabase<OrdersDb>();
  const bus = testBus.bus;
  const broker = uniqueName('b');
  const schema = database.newSchema('orders');
  const logger = createLogger({ service: 'orders-test', level: process.env.TEST_LOG === '1' ? 'debug' : 'silent' });
  if (opts.prepare !== undefined) await opts.prepare(database.db, schema, broker);

  const { gateway, subs } = serveFakeGateway(bus, broker);
  const others: Array<{ broker: string; gateway: FakeGateway }> = [];
  for (let i = 0; i < (opts.otherBrokers ?? 0); i++) {
    const other = uniqueName('b');
    const served = serveFakeGateway(bus, other);
    subs.push(...served.subs);
    others.push({ broker: other, gateway: served.gateway });
  }
  const events: OrderEvent[] = [];
  for (const b of [broker, ...others.map((o) => o.broker)])
    subs.push(
      bus.subscribe<OrderEvent>(Subjects.orderEvent.filter({ broker: b }), (m) => {
        events.push(m.data);
      }),
    );

  const config: OrdersConfig = {
    schema,
    brokers: [broker, ...((opts.others ?? 'configured') === 'configured' ? others.map((o) => o.broker) : [])].map(
      (name) => ({ name }),
    ),
    adoptBrokers: opts.others === 'adopted',
    initialRisk: opts.risk ?? EMPTY_RISK_CONFIG,
    brokerTimeoutMs: opts.brokerTimeoutMs ?? 3_000,
    relayPollMs: 200,
    ordersStream: ORDERS_STREAM,
    brokerEventsStream: BROKER_EVENTS_STREAM,
    durablePrefix: `orders-${broker}`,
    ackWaitMs: 5_000,
    ...(opts.reconcileIntervalMs === undefined ? {} : { reconcileIntervalMs: opts.reconcileIntervalMs }),
    ...(opts.reconcileGraceMs === undefined ? {} : { reconcileGraceMs: opts.reconcileGraceMs }),
  };
  const run = () => start({ bus, db: database.db, logger, config });
  let app = await run();

  const h: Harness = {
    broker,
    bus,
    testBus,
    database,
    schema,
    gateway,
    others,
    events,
    get app() {
      return app;
    },
    set app(a) {
      app = a;
    },
    config,
    request: (subject, body) => bus.request(subject, body, { timeoutMs: 15_000 }),
    async brokerEvent(kind, body, msgId, from = broker) {
      const now = Date.now();
      const msg = { v: 1, broker: from, tsInitMs: now, ...body } as { eventId: string };
      await bus.jetstream.publish(Subjects.brokerEvent.build({ broker: from, kind }), msg, {
        msgId: msgId ?? `${from}:${msg.eventId}`,
      });
    },
    async restart() {
      await app.stop();
      app = await run();
    },
    async close() {
      await app.stop();
      for (const s of subs) s.unsubscribe();
      await testBus.close();
      await database.close();
    },
  };
  return h;
}

export const lmtBuy = (broker: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  v: 1,
  broker,
  account: ACCOUNT,
  instrument: { id: AAPL.id },
  side: 'BUY',
  quantity: '100',
  orderType: 'LMT',
  limitPrice: '150.25',
  tif: 'DAY',
  ...extra,
});
