/**
 * Bus fixtures for tests. Tests never skip for want of NATS: NATS_URL, else the local server on 127.0.0.1:4222,
 * else a throwaway `nats:2.10 -js` container via testcontainers, else a clear error.
 *
 * Isolation is by name: every fixture gets a fresh subject prefix (its first subject token) and registers the
 * streams it names, so test files run in parallel on one server and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import {
  type Bus,
  BusClosedError,
  type BusLogger,
  type BusObserver,
  createMemoryBus,
  createNatsBus,
} from '@trading-system/bus';
import type { MessageCatalog } from '@trading-system/contracts';
import { testNamespace } from './namespace.js';
import { resolveServiceUrl } from './resolve-service.js';

export const LOCAL_NATS_URL = 'nats://127.0.0.1:4222';

export class TestNatsUnavailableError extends Error {
  override name = 'TestNatsUnavailableError';
}

let resolved: Promise<string> | undefined;

/** True once this process asked for the test NATS URL. */
export function natsUrlResolved(): boolean {
  return resolved !== undefined;
}

/** The NATS URL tests use; resolved once per process (a started container is reused and reaped on exit). */
export function natsUrl(): Promise<string> {
  resolved ??= resolveNatsUrl();
  return resolved;
}

function resolveNatsUrl(): Promise<string> {
  return resolveServiceUrl({
    envVar: 'NATS_URL',
    localUrl: LOCAL_NATS_URL,
    localPort: 4222,
    startContainer: async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('nats:2.10')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start();
      return `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
    },
    unavailable: (cause) =>
      new TestNatsUnavailableError(
        'No NATS for tests: NATS_URL is unset, nothing answers on 127.0.0.1:4222, and a nats:2.10 container could ' +
          'not be started. Set NATS_URL=nats://host:port or start `nats-server -js` (or Docker).',
        { cause },
      ),
  });
}

/** A name usable as a subject token and a stream/durable name: `<prefix><16 hex>`, unique across processes. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

/** A logger that drops everything, for fixtures whose test does not look at logs. */
export const silentBusLogger: BusLogger = { warn: () => undefined, error: () => undefined, debug: () => undefined };

export interface TestBus {
  readonly kind: 'nats' | 'memory';
  readonly bus: Bus;
  /** This fixture's first subject token; catalogs for tests use a leading `*` so any prefix matches. */
  readonly prefix: string;
  /** `<prefix>.<tokens...>` */
  subject(...tokens: string[]): string;
  /** A fresh stream name, deleted by close(). */
  streamName(tag?: string): string;
  /** Deletes the registered streams and drains the bus (if the test has not drained it already). */
  close(): Promise<void>;
}

export interface TestBusOptions {
  readonly log?: BusLogger;
  /** Bus namespace (default: the test file's, testNamespace(); '' = none). */
  readonly namespace?: string;
  readonly maxPayloadBytes?: number;
  readonly observer?: BusObserver;
}

function fixture(kind: 'nats' | 'memory', bus: Bus, cleanupBus: () => Promise<Bus | undefined>): TestBus {
  const prefix = uniqueName('t');
  const streams: string[] = [];
  let closed = false;
  return {
    kind,
    bus,
    prefix,
    subject: (...tokens) => [prefix, ...tokens].join('.'),
    streamName(tag = 'S') {
      const name = uniqueName(`${tag}_`);
      streams.push(name);
      return name;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (streams.length > 0) {
        try {
          for (const name of streams) await bus.jetstream.deleteStream(name);
        } catch (err) {
          // A test may have drained its bus already: then clean up through a fresh one (NATS), or not at all
          // (a drained memory bus took its streams with it).
          if (!(err instanceof BusClosedError)) throw err;
          const fresh = await cleanupBus();
          if (fresh !== undefined) {
            for (const name of streams) await fresh.jetstream.deleteStream(name);
            await fresh.drain();
          }
        }
      }
      await bus.drain();
    },
  };
}

/** A NATS bus on the test server, its own connection, a fresh subject prefix, the test file's namespace. */
export async function createTestNatsBus(catalog: MessageCatalog, options: TestBusOptions = {}): Promise<TestBus> {
  const url = await natsUrl();
  const namespace = options.namespace ?? testNamespace();
  const make = (log: BusLogger): Promise<Bus> =>
    createNatsBus({
      catalog,
      log,
      ...(namespace === undefined ? {} : { namespace }),
      connection: { servers: url, name: `test-${process.pid}`, maxReconnectAttempts: 2 },
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
    });
  const bus = await make(options.log ?? silentBusLogger);
  return fixture('nats', bus, () => make(silentBusLogger));
}

/** An in-process bus (embedded mode) with a fresh subject prefix. */
export async function createTestMemoryBus(catalog: MessageCatalog, options: TestBusOptions = {}): Promise<TestBus> {
  const bus = createMemoryBus({
    catalog,
    log: options.log ?? silentBusLogger,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
  // Streams of a memory bus die with it: draining it is the whole cleanup.
  return fixture('memory', bus, async () => undefined);
}
