/**
 * The whole history path over real sockets for a test: ib-sim (TCP, TWS protocol) → gateway-ib → NATS → history,
 * with Postgres. Names (broker, gateway type, schema, durable) are unique per stack; `brokers` > 1 hosts several
 * broker connections (distinct clientIds) to the same ib-sim, as several API clients of one TWS login.
 */
import { catalog, IbConnectionConfig } from '@trading-system/contracts';
import { type BrokerOptions, type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { type RunningSim, type SimOptions, scaledClock, startSim } from '@trading-system/ib-sim';
import {
  createTestNatsBus,
  openPgTestDatabase,
  type TestBus,
  type TestDatabase,
  uniqueName,
  until,
} from '@trading-system/testkit';
import { type History, start } from '../src/app.js';
import type { HistoryConfig } from '../src/config.js';
import { testLogger } from './helpers.js';

export interface SimStack {
  readonly sim: RunningSim;
  readonly nats: TestBus;
  readonly database: TestDatabase<unknown>;
  readonly gateway: Gateway;
  readonly history: History;
  /** Broker names, one per connection; `broker` is the first. */
  readonly brokers: readonly string[];
  readonly broker: string;
  close(): Promise<void>;
}

let nextClientId = 61;

export async function startSimStack(opts: {
  /** ib-sim's clock starts here and runs at real speed. */
  readonly simAtMs: number;
  readonly sim?: SimOptions;
  readonly brokerOptions?: BrokerOptions;
  readonly history?: Partial<HistoryConfig>;
  readonly brokers?: number;
  /** Where ib-sim listens when not on its own port (a proxy in front of it, for instance). */
  readonly connectPort?: (simPort: number) => Promise<number> | number;
}): Promise<SimStack> {
  const clock = scaledClock(opts.simAtMs, 1);
  const sim = await startSim({ port: 0, clock, ...opts.sim });
  const nats = await createTestNatsBus(catalog);
  const database = await openPgTestDatabase<unknown>();
  const port = opts.connectPort === undefined ? sim.port : await opts.connectPort(sim.port);
  const brokers = Array.from({ length: opts.brokers ?? 1 }, () => uniqueName('b'));
  const gateway = await startGateway({
    bus: nats.bus,
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: brokers.map((name) => ({
      name,
      connection: IbConnectionConfig.parse({ host: '127.0.0.1', port, clientId: nextClientId++ }),
    })),
    brokerOptions: {
      connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 },
      ...opts.brokerOptions,
    },
  });
  for (const b of brokers) await until(() => gateway.broker(b)?.conn.isReady === true, 10_000, `IB session ${b}`);
  const history = await start({
    bus: nats.bus,
    db: database.db as never,
    logger: testLogger,
    clock: () => clock.now(),
    config: {
      schema: database.newSchema('hist'),
      brokers,
      // The read model is not under test: it reads an (empty) filter of the ORDERS stream, created if missing.
      ensureOrdersStream: true,
      ordersFilterSubject: `orders.evt.${brokers[0]}.>`,
      ordersDurable: uniqueName('d'),
      ...opts.history,
    },
  });
  return {
    sim,
    nats,
    database,
    gateway,
    history,
    brokers,
    broker: brokers[0] as string,
    async close() {
      await history.stop();
      await gateway.stop();
      await nats.close();
      await sim.stop();
      await database.close();
    },
  };
}
