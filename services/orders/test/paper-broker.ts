/**
 * The real broker the OMS's order-flow tests trade with: gateway-paper started in-process on the OMS's bus and
 * database (its books in a schema of their own), shadowing gateway-ib on ib-sim for quotes and instruments, as
 * gateway-paper's own conformance test runs it. `paper-conformance.test.ts` runs the broker conformance suite on
 * exactly this start path, so the gateway the flows trade with is one that passes the suite.
 */
import type { Bus } from '@trading-system/bus';
import { requestBroker } from '@trading-system/clients';
import { currentOrNextSession, IbConnectionConfig } from '@trading-system/contracts';
import { start as startIbGateway } from '@trading-system/gateway-ib';
import { type PaperGateway, start as startPaperGateway } from '@trading-system/gateway-paper';
import { type ManualClock, manualClock, startSim } from '@trading-system/ib-sim';
import { createLogger } from '@trading-system/runtime';
import type { Kysely } from '@trading-system/storage';
import { advanceAtWallSpeed, poll, uniqueName } from '@trading-system/testkit';

/** A Wednesday, 11:00 New York: US stocks and FX are open in ib-sim (outside a session it quotes nothing new). */
const SESSION_START = Date.parse('2024-03-13T15:00:00Z');
/** ib-sim's instrument ids (its conIds) of the instruments the tests trade and watch. */
export const PAPER_AAPL = '265598';
export const PAPER_EURUSD = '12087792';
/**
 * ib-sim shows at most 30 lots of 100 shares at the touch and the exchange core fills at most what is shown: an IOC
 * of this size fills partly, a FOK of it not at all.
 */
export const BEYOND_THE_TOUCH = '3100';

const logger = createLogger({
  service: 'orders-paper-broker',
  level: process.env.TEST_LOG === '1' ? 'debug' : 'silent',
} as never);

export interface PaperBroker {
  /** The paper broker's name (`broker.<broker>.*`). */
  readonly broker: string;
  /** Its gateway's command token (`gateway.<type>.cmd.*`). */
  readonly gatewayType: string;
  readonly account: string;
  /** ib-sim's clock (March 2024, advancing at wall speed): the quote source's time, which the broker announces. */
  readonly clock: ManualClock;
  /** Stops gateway-paper and starts it again on the same books, as a crash and a restart would. */
  restartGateway(): Promise<void>;
  /** Moves the paper market past the close of the current session (extended hours): its DAY orders expire. */
  endSession(): Promise<void>;
  stop(): Promise<void>;
}

export interface PaperBrokerDeps {
  readonly bus: Bus;
  // biome-ignore lint/suspicious/noExplicitAny: the database holds the OMS's schema too
  readonly db: Kysely<any>;
  /** Schema of the paper books (fresh per broker). */
  readonly schema: string;
  /** Broker name (default a fresh one). */
  readonly broker?: string;
  readonly account: string;
}

/** ib-sim on a real socket, gateway-ib on it as the quote source, gateway-paper hosting the broker. */
export async function startPaperBroker(deps: PaperBrokerDeps): Promise<PaperBroker> {
  const clock = manualClock(SESSION_START);
  // The sim's market moves live, as in gateway-paper's conformance test.
  const stopClock = advanceAtWallSpeed(clock);
  const sim = await startSim({ port: 0, clock });
  const source = uniqueName('src');
  const ib = await startIbGateway({
    bus: deps.bus,
    logger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: source, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 300, statusEveryMs: 1_000 } },
  });
  const broker = deps.broker ?? uniqueName('paper');
  const gatewayType = uniqueName('gp');
  let offsetMs = 0;
  const startPaper = () =>
    startPaperGateway({
      bus: deps.bus,
      db: deps.db,
      logger,
      schema: deps.schema,
      gatewayType,
      // The sim's market runs in March 2024 whatever the wall time: match whenever it quotes.
      brokers: [{ name: broker, quotesFrom: source, account: deps.account, marketHours: 'always' }],
      clock: { nowMs: () => Date.now() + offsetMs },
      brokerOptions: { statusEveryMs: 1_000, stepEveryMs: 200 },
    });
  let paper: PaperGateway | undefined = await startPaper();
  // Connected once its quote source is: before that it takes orders but matches nothing.
  await poll(
    `paper broker ${broker} connected`,
    async () => {
      const r = await requestBroker(deps.bus, broker, 'status', { v: 1 }, { timeoutMs: 5_000 });
      return r.ok && r.status.state === 'connected' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  return {
    broker,
    gatewayType,
    account: deps.account,
    clock,
    async restartGateway() {
      await paper?.stop();
      paper = undefined;
      paper = await startPaper();
    },
    async endSession() {
      const now = Date.now() + offsetMs;
      const close = currentOrNextSession('NYSE', now, 'extended').extended.closeMs;
      offsetMs = close + 1_000 - Date.now();
    },
    async stop() {
      await paper?.stop();
      paper = undefined;
      await ib.stop();
      await sim.stop();
      stopClock();
    },
  };
}
