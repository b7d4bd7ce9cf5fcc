/**
 * The whole system as a deployment runs it, for tests of its boundary: a private nats-server, Postgres, every
 * service started in this process on them (services/embedded with NATS_URL and DATABASE_URL: ib-sim, gateway-ib,
 * orders, market-data, history — scoped to its broker as HISTORY_BROKERS does, unless told otherwise), and a plain NATS connection of the
 * test's own playing a client in another language: it sends bytes, nothing on its side validates them.
 */
import { Writable } from 'node:stream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type CatalogEntry, catalog } from '@trading-system/contracts';
import { createLogger, loadConfig } from '@trading-system/runtime';
import {
  databaseUrl,
  openPgTestDatabase,
  type PrivateNats,
  startPrivateNats,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { type Embedded, EmbeddedConfig, startEmbedded } from '../src/index.js';

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly subject?: string;
  readonly err?: { readonly message?: string; readonly stack?: string };
}

export interface BoundarySystem {
  readonly system: Embedded;
  /** The client's own connection to the system's NATS. */
  readonly nc: NatsConnection;
  readonly database: TestDatabase<unknown>;
  readonly ordersSchema: string;
  /** Every log line of every service, parsed, in order. */
  readonly logs: LogLine[];
  /** Every request subject of the catalog, made concrete for this system (its broker, its gateway type). */
  readonly requestSubjects: ReadonlyArray<{ readonly entry: CatalogEntry; readonly subject: string }>;
  close(): Promise<void>;
}

export interface BoundaryOptions {
  /**
   * History answers only this system's broker, as with HISTORY_BROKERS (default true): a malformed hist.*
   * request is refused by every scoped instance; a valid one for another broker is left to the instance that
   * serves that broker.
   */
  readonly scopeHistory?: boolean;
}

export async function startBoundarySystem(options: BoundaryOptions = {}): Promise<BoundarySystem> {
  // What is started so far is stopped again when a later step fails, so a failed start leaks no nats-server.
  const undo: Array<() => Promise<unknown>> = [];
  try {
    return await startParts(options, undo);
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

async function startParts(options: BoundaryOptions, undo: Array<() => Promise<unknown>>): Promise<BoundarySystem> {
  const nats: PrivateNats = await startPrivateNats();
  undo.push(() => nats.stop());
  const database = await openPgTestDatabase<unknown>({ poolMax: 1 });
  undo.push(() => database.close());
  const broker = uniqueName('bnd').replace(/[^A-Za-z0-9_-]/g, '_');
  const gatewayType = uniqueName('g').replace(/[^A-Za-z0-9_-]/g, '_');
  const ordersSchema = database.newSchema('orders');
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const config = loadConfig(EmbeddedConfig, {
    NATS_URL: nats.url,
    DATABASE_URL: await databaseUrl(),
    DATABASE_POOL_MAX: '4',
    SIM_PORT: '0',
    BROKER_NAME: broker,
    LOG_LEVEL: 'debug',
  });
  const system = await startEmbedded({
    config,
    logger: createLogger({ service: 'boundary-test', level: 'debug', destination: sink }),
    naming: {
      gatewayType,
      schemas: { orders: ordersSchema, history: database.newSchema('hist'), paper: database.newSchema('paper') },
      durableSuffix: `-${broker}`,
      scopeHistoryToBroker: options.scopeHistory ?? true,
    },
  });
  undo.push(() => system.stop());
  const nc = await connect({ servers: nats.url, name: 'boundary-client' });
  const tokens: Record<string, string> = { broker, type: gatewayType };
  const requestSubjects = catalog.entries
    .filter((e) => e.kind === 'request')
    .map((entry) => ({
      entry,
      subject: (entry.template ?? entry.pattern).replace(/<([A-Za-z]+)>/g, (_, p: string) => {
        const t = tokens[p];
        if (t === undefined) throw new Error(`no token for <${p}> in ${entry.pattern}`);
        return t;
      }),
    }));
  return {
    system,
    nc,
    database,
    ordersSchema,
    logs,
    requestSubjects,
    async close() {
      await nc.close();
      await system.stop();
      await database.close();
      await nats.stop();
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends raw bytes as a request from the client connection; the reply parsed as JSON and the round-trip time. */
export async function rawRequest(
  nc: NatsConnection,
  subject: string,
  body: string,
  timeoutMs = 5_000,
): Promise<{ reply: unknown; ms: number }> {
  const started = performance.now();
  const m = await nc.request(subject, encoder.encode(body), { timeout: timeoutMs });
  const ms = performance.now() - started;
  return { reply: JSON.parse(decoder.decode(m.data)) as unknown, ms };
}
