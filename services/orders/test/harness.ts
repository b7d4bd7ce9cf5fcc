/**
 * Test harnesses: the orders app on a real bus (NATS or in-process) and a real database (Postgres or PGlite), with
 * one of two gateways at the outermost wire:
 *  - `startFlowHarness`: a real broker, gateway-paper in-process on the same bus and database (paper-broker.ts, the
 *    gateway paper-conformance.test.ts holds to the broker conformance suite), for the normal order flows;
 *  - `startHarness`: the fault-injection gateway (fault-gateway.ts, no broker), for faults a real broker will not
 *    produce on demand; its tests publish the broker events themselves.
 * Every harness uses a fresh broker name (so subjects, durables and event filters never collide) and schema.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BROKER_EVENT_SCHEMAS,
  BROKER_EVENTS_STREAM,
  type BrokerCommandVerb,
  type BrokerEventKind,
  catalog,
  ORDERS_STREAM,
  type OrderEvent,
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
import { BrokerClient } from '@trading-system/testkit/conformance';
import type { z } from 'zod';
import { type OrdersConfig, type OrdersDb, type RiskConfig, type RunningOrders, start } from '../src/index.js';
import { EMPTY_RISK_CONFIG } from '../src/risk-checks.js';
import { AAPL, ACCOUNT, type FaultGateway, serveFaultGateway } from './fault-gateway.js';
import { type PaperBroker, startPaperBroker } from './paper-broker.js';

export { AAPL, ACCOUNT, type FaultGateway, type PlaceBehaviour, TEST_CAPABILITIES } from './fault-gateway.js';

export type HarnessKind = 'nats-pg' | 'memory-pglite';
export const HARNESS_KINDS: readonly HarnessKind[] = ['nats-pg', 'memory-pglite'];

/** What both harnesses give: the OMS, its bus and database, and the order events it published. */
export interface OmsHarness {
  readonly broker: string;
  readonly bus: Bus;
  readonly testBus: TestBus;
  readonly database: TestDatabase<OrdersDb>;
  readonly schema: string;
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

/** The OMS against the fault-injection gateway. */
export interface Harness extends OmsHarness {
  readonly gateway: FaultGateway;
  /** The further brokers of `otherBrokers`, in order. */
  readonly others: ReadonlyArray<{ readonly broker: string; readonly gateway: FaultGateway }>;
}

/** The OMS against a real broker (gateway-paper). */
export interface FlowHarness extends OmsHarness {
  readonly paper: PaperBroker;
  /** What the broker did: every event it stored on BROKER_EVENTS (its statuses, fills, commissions), in order. */
  readonly brokerSide: BrokerClient;
  /** Every broker command the OMS sent to the paper broker, in order, as seen on the wire (not answered here). */
  readonly commands: ReadonlyArray<{ readonly verb: BrokerCommandVerb; readonly body: Record<string, unknown> }>;
}

/** Polls `fn` until it gives a value (testkit's poll, every 25 ms); the OMS suites' name for it. */
export function waitUntil<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  return poll('the condition', fn, { timeoutMs, intervalMs: 25 });
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

/** The bus, database and OMS of a harness around gateways served by `attach` (started before the OMS). */
async function startOms(
  kind: HarnessKind,
  opts: HarnessOptions,
  attach: (
    bus: Bus,
    database: TestDatabase<OrdersDb>,
  ) => Promise<{
    broker: string;
    others: string[];
    subs: Subscription[];
    stop(): Promise<void>;
  }>,
): Promise<OmsHarness> {
  const testBus = kind === 'nats-pg' ? await createTestNatsBus(catalog) : await createTestMemoryBus(catalog);
  const database = kind === 'nats-pg' ? await openPgTestDatabase<OrdersDb>() : await openPgliteTestDatabase<OrdersDb>();
  const bus = testBus.bus;
  const gateways = await attach(bus, database);
  const { broker, others, subs } = gateways;
  const schema = database.newSchema('orders');
  const logger = createLogger({ service: 'orders-test', level: process.env.TEST_LOG === '1' ? 'debug' : 'silent' });
  if (opts.prepare !== undefined) await opts.prepare(database.db, schema, broker);

  const events: OrderEvent[] = [];
  for (const b of [broker, ...others])
    subs.push(
      bus.subscribe<OrderEvent>(Subjects.orderEvent.filter({ broker: b }), (m) => {
        events.push(m.data);
      }),
    );

  const config: OrdersConfig = {
    schema,
    brokers: [broker, ...((opts.others ?? 'configured') === 'configured' ? others : [])].map((name) => ({ name })),
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

  return {
    broker,
    bus,
    testBus,
    database,
    schema,
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
      await gateways.stop();
      await testBus.close();
      await database.close();
    },
  };
}

/** The OMS against the fault-injection gateway (one per broker): for faults, never for the normal flows. */
export async function startHarness(kind: HarnessKind, opts: HarnessOptions = {}): Promise<Harness> {
  let gateway: FaultGateway | undefined;
  const others: Array<{ broker: string; gateway: FaultGateway }> = [];
  const oms = await startOms(kind, opts, async (bus) => {
    const broker = uniqueName('b');
    const served = serveFaultGateway(bus, broker);
    gateway = served.gateway;
    const subs = [...served.subs];
    for (let i = 0; i < (opts.otherBrokers ?? 0); i++) {
      const other = uniqueName('b');
      const more = serveFaultGateway(bus, other);
      subs.push(...more.subs);
      others.push({ broker: other, gateway: more.gateway });
    }
    return { broker, others: others.map((o) => o.broker), subs, stop: async () => undefined };
  });
  if (gateway === undefined) throw new Error('the fault gateway was not served');
  return Object.assign(oms, { gateway, others });
}

/** Broker commands the OMS sends, recorded on the wire by the flow harness. */
const SENT_VERBS: readonly BrokerCommandVerb[] = ['placeOrder', 'modifyOrder', 'cancelOrder', 'cancelAll'];

/**
 * The OMS against a real paper broker (gateway-paper on ib-sim's quotes) on the same bus and database: for the
 * normal order flows, asserted on what the broker did. Options of the fault harness about further brokers do not
 * apply.
 */
export async function startFlowHarness(
  kind: HarnessKind,
  opts: Omit<HarnessOptions, 'otherBrokers' | 'others'> = {},
): Promise<FlowHarness> {
  let paper: PaperBroker | undefined;
  let brokerSide: BrokerClient | undefined;
  const commands: Array<{ verb: BrokerCommandVerb; body: Record<string, unknown> }> = [];
  const oms = await startOms(kind, opts, async (bus, database) => {
    const p = await startPaperBroker({ bus, db: database.db, schema: database.newSchema('paper'), account: ACCOUNT });
    paper = p;
    const client = new BrokerClient(bus, p.broker);
    await client.record();
    brokerSide = client;
    const subs = SENT_VERBS.map((verb) =>
      bus.subscribe<Record<string, unknown>>(Subjects.brokerCommand.build({ broker: p.broker, verb }), (m) => {
        commands.push({ verb, body: m.data });
      }),
    );
    const stop = async () => {
      await client.stop();
      await p.stop();
    };
    return { broker: p.broker, others: [], subs, stop };
  });
  if (paper === undefined || brokerSide === undefined) throw new Error('the paper broker did not start');
  return Object.assign(oms, { paper, brokerSide, commands });
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
