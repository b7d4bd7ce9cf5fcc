/**
 * Test wiring: ib-sim over a real socket, gateway-ib as the quote source (broker `src-*`), gateway-paper shadowing
 * it, on a private nats-server and a fresh schema of the test Postgres. The paper gateway can be stopped and
 * started again on the same database, as a crash and a restart would.
 */
import { type Bus, createNatsBus } from '@trading-system/bus';
import { catalog, IbConnectionConfig } from '@trading-system/contracts';
import { start as startIbGateway } from '@trading-system/gateway-ib';
import { type ManualClock, manualClock, type RunningSim, startSim } from '@trading-system/ib-sim';
import { createLogger } from '@trading-system/runtime';
import {
  namespaceOption,
  openPgTestDatabase,
  type PrivateNats,
  silentBusLogger,
  startPrivateNats,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { type PaperGateway, start } from '../src/app.js';

/** A Wednesday, 11:00 New York: US stocks and FX are open in ib-sim (outside a session it fills nothing). */
export const SESSION_START = Date.parse('2024-03-13T15:00:00Z');
export const AAPL = '265598';
export const EURUSD = '12087792';
export const ACCOUNT = 'PAPER';

export const testLogger = createLogger({
  service: 'gateway-paper-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
} as never);

/** ib-sim's manual clock advanced at wall speed, so the sim's market moves live. */
function runClock(clock: ManualClock): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, 10);
  return () => clearInterval(timer);
}

/** ib-sim, gateway-ib as broker `src-*` on it, a private nats-server and a fresh Postgres schema for the books. */
export interface Source {
  readonly sim: RunningSim;
  readonly bus: Bus;
  readonly natsUrl: string;
  readonly database: TestDatabase<unknown>;
  /** The schema the paper books go to (created by the gateway's migrations, dropped with the database). */
  readonly schema: string;
  readonly source: string;
  /** The sim's clock (March 2024, advancing at wall speed): the source broker's time. */
  readonly clock: ManualClock;
  stop(): Promise<void>;
}

export async function startSource(): Promise<Source> {
  const clock = manualClock(SESSION_START);
  const stopClock = runClock(clock);
  const sim = await startSim({ port: 0, clock });
  const nats: PrivateNats = await startPrivateNats();
  const bus = await createNatsBus({
    catalog,
    log: silentBusLogger,
    // The file's namespace: kill-restart.test.ts runs the paper gateway as a child inheriting BUS_NAMESPACE.
    connection: { servers: nats.url, name: 'gateway-paper-test', ...namespaceOption() },
  });
  const database = await openPgTestDatabase<unknown>();
  const source = uniqueName('src');
  const ib = await startIbGateway({
    bus,
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: source, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 300, statusEveryMs: 1_000 } },
  });
  return {
    sim,
    bus,
    natsUrl: nats.url,
    database,
    schema: database.newSchema('paper'),
    source,
    clock,
    async stop() {
      await ib.stop();
      await bus.drain();
      await sim.stop();
      await nats.stop();
      await database.close();
      stopClock();
    },
  };
}

export interface PaperHarness extends Source {
  readonly broker: string;
  /** The paper gateway's command token (the same across restarts). */
  readonly gatewayType: string;
  /** The paper market's time is the wall clock plus this offset (a test moves it past a session end). */
  offsetMs: number;
  /** Starts the paper gateway (again) on the same database. */
  startPaper(): Promise<void>;
  stopPaper(): Promise<void>;
}

/** The source, and gateway-paper started in-process on it. */
export async function startHarness(): Promise<PaperHarness> {
  const src = await startSource();
  const broker = uniqueName('paper');
  const gatewayType = uniqueName('gp');
  let paper: PaperGateway | undefined;
  const h: PaperHarness = {
    ...src,
    broker,
    gatewayType,
    offsetMs: 0,
    async startPaper() {
      paper = await start({
        bus: src.bus,
        db: src.database.db,
        logger: testLogger,
        schema: src.schema,
        gatewayType,
        // The sim's market runs in March 2024 whatever the wall time: match whenever it quotes.
        brokers: [{ name: broker, quotesFrom: src.source, account: ACCOUNT, marketHours: 'always' }],
        clock: { nowMs: () => Date.now() + h.offsetMs },
        brokerOptions: { statusEveryMs: 1_000, stepEveryMs: 200 },
      });
    },
    async stopPaper() {
      await paper?.stop();
      paper = undefined;
    },
    async stop() {
      await h.stopPaper();
      await src.stop();
    },
  };
  await h.startPaper();
  return h;
}
