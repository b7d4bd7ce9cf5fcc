/** Test wiring: ib-sim in-process over TCP, a real NATS bus, gateway-ib started in-process with unique names. */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Bus, Received } from '@trading-system/bus';
import { BROKER_EVENTS_STREAM, catalog, IbConnectionConfig } from '@trading-system/contracts';
import { type RunningSim, type SimOptions, scaledClock, startSim } from '@trading-system/ib-sim';
import { createLogger } from '@trading-system/runtime';
import {
  busSubject,
  createTestNatsBus,
  natsUrl,
  type TestBus,
  uniqueName,
  wireStream,
  wireSubject,
} from '@trading-system/testkit';
import { type Gateway, type GatewayDeps, start } from '../src/app.js';
import type { BrokerOptions } from '../src/broker.js';

/** A Tuesday, 11:00 New York: US stocks, futures and FX are all open in ib-sim. */
export const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
/** AAPL's IB conId (ib-sim speaks it) and the instrument id gateway-ib gives it (the conId's decimal string). */
export const AAPL_CON_ID = 265598;
export const AAPL = String(AAPL_CON_ID);

export const testLogger = createLogger({
  service: 'gateway-ib-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
} as never);

export function startTestSim(options: SimOptions = {}): Promise<RunningSim> {
  return startSim({ port: 0, clock: scaledClock(TUESDAY_1100_ET, 1), ...options });
}

export interface Harness {
  readonly sim: RunningSim;
  readonly nats: TestBus;
  readonly bus: Bus;
  readonly gateway: Gateway;
  readonly broker: string;
  readonly gatewayType: string;
  readonly clientId: number;
  close(): Promise<void>;
}

let nextClientId = 10;

export async function startHarness(
  opts: { sim?: SimOptions; connection?: Partial<IbConnectionConfig>; brokerOptions?: BrokerOptions } = {},
): Promise<Harness> {
  const sim = await startTestSim(opts.sim);
  const nats = await createTestNatsBus(catalog);
  const broker = uniqueName('b');
  const gatewayType = uniqueName('g');
  const clientId = nextClientId++;
  const deps: GatewayDeps = {
    bus: nats.bus,
    logger: testLogger,
    gatewayType,
    brokers: [
      {
        name: broker,
        connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId, ...opts.connection }),
      },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 }, ...opts.brokerOptions },
  };
  const gateway = await start(deps);
  return {
    sim,
    nats,
    bus: nats.bus,
    gateway,
    broker,
    gatewayType,
    clientId,
    async close() {
      await gateway.stop();
      await nats.close();
      await sim.stop();
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first message on `subject` that satisfies `match`. */
export function nextMessage<T>(
  bus: Bus,
  subject: string,
  match: (m: T) => boolean = () => true,
  ms = 5_000,
): Promise<T> {
  let unsubscribe = (): void => undefined;
  const p = new Promise<T>((resolve) => {
    const sub = bus.subscribe<T>(subject, (msg: Received<T>) => {
      if (match(msg.data)) {
        sub.unsubscribe();
        resolve(msg.data);
      }
    });
    unsubscribe = () => sub.unsubscribe();
  });
  return withTimeout(p, ms, `a message on ${subject}`).finally(unsubscribe);
}

/** Every message stored in BROKER_EVENTS under `filter` (an ephemeral ordered consumer: nothing left behind). */
export async function storedEvents<T = Record<string, unknown>>(
  filter: string,
): Promise<Array<{ subject: string; data: T }>> {
  const nc = await connect({ servers: await natsUrl() });
  try {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(wireStream(BROKER_EVENTS_STREAM.name), {
      filter_subjects: wireSubject(filter),
    });
    const out: Array<{ subject: string; data: T }> = [];
    for (;;) {
      const m = await consumer.next({ expires: 1_000 });
      if (m === null) break;
      out.push({ subject: busSubject(m.subject), data: m.json<T>() });
    }
    return out;
  } finally {
    await nc.close();
  }
}
