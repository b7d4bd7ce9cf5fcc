/**
 * The distributed system as separate processes, as compose runs it, for fault tests: ib-sim (with its control
 * port), gateway-ib, orders, market-data and history on a private nats-server (with the NATS users of infra/nats
 * when `auth` is given) and a throwaway database with the service roles of infra/postgres, optionally behind a TCP
 * proxy the test cuts. Each service can be killed (any signal) and started again; its output is kept across
 * restarts for the test to read. Nothing shared is ever stopped.
 */
import { randomBytes } from 'node:crypto';
import { type Bus, createNatsBus, type NatsConnectionConfig } from '@trading-system/bus';
import { type BrokerInfo, catalog } from '@trading-system/contracts';
import {
  ask,
  databaseUrl,
  freePort,
  isRunning,
  type PrivateNats,
  type Proc,
  poll,
  silentBusLogger,
  spawnTs,
  startPrivateNats,
  startTcpProxy,
  stopProc,
  type TcpProxy,
} from '@trading-system/testkit';
import { probeFor } from '../../healthcheck.js';
import { inboxPrefixOf, type NatsUser } from '../../nats/permissions.js';
import { type AuthSecrets, startAuthNats } from './auth.js';
import { createServiceDatabase, type ServiceDatabase } from './database.js';

export const SERVICES = ['gateway-ib', 'orders', 'market-data', 'history'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface SystemOptions {
  /** Run every service as its NATS user; the test's own connections use `observerUser` (default operator). */
  readonly auth?: AuthSecrets;
  readonly observerUser?: NatsUser;
  /** Put a TCP proxy between orders/history and Postgres (cut() it for an outage). */
  readonly databaseProxy?: boolean;
  /** Services to start (default all); ib-sim always runs. */
  readonly services?: readonly ServiceName[];
  /** Extra environment per service (e.g. ORDERS_BROKER_TIMEOUT_MS). */
  readonly env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Per-service NATS_URL override (e.g. with credentials inside); default the server's URL. */
  readonly natsUrlFor?: (service: ServiceName, url: string) => string;
  /** Per-service database environment override (e.g. a password inside DATABASE_URL). */
  readonly databaseEnvFor?: (service: 'orders' | 'history', env: Record<string, string>) => Record<string, string>;
  readonly logLevel?: string;
}

export interface System {
  readonly nats: PrivateNats;
  readonly database: ServiceDatabase;
  readonly proxy: TcpProxy | undefined;
  /** The broker name the gateway hosts. */
  readonly broker: string;
  readonly simPort: number;
  /** An observer connection (operator by default) for requests and subscriptions of the test. */
  readonly bus: Bus;
  /** Another connection to the same server as `user` (clients of the test). */
  connect(name: string, user?: NatsUser): Promise<Bus>;
  /** ib-sim's control surface (GET /orders, /executions, /positions; POST /drop-all, /broadcast, ...). */
  control<T>(path: string, body?: unknown): Promise<T>;
  proc(name: ServiceName | 'ib-sim'): Proc | undefined;
  /** Every line a service wrote, across its restarts. */
  output(name: ServiceName | 'ib-sim'): string;
  /** Exit codes of processes that ended without the test asking (crashes). */
  readonly crashes: { name: string; code: number | null; signal: string | null }[];
  start(name: ServiceName): Promise<void>;
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Resolves when the service answers its healthcheck question (and the broker is connected, for the gateway). */
  ready(name: ServiceName, timeoutMs?: number): Promise<void>;
  /** SIGTERM to everything; resolves with each service's last exit code. */
  stop(): Promise<Record<string, number | null>>;
}

/** Polls `attempt` until it gives a value (testkit's poll, every 100 ms); `onTimeout` adds what the services said. */
export function waitFor<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
  onTimeout: () => string = () => '',
): Promise<T> {
  return poll(what, attempt, { timeoutMs, intervalMs: 100, detail: onTimeout });
}

const SCRIPTS: Record<ServiceName, string> = {
  'gateway-ib': 'services/gateway-ib/src/main.ts',
  orders: 'services/orders/src/main.ts',
  'market-data': 'services/market-data/src/main.ts',
  history: 'services/history/src/main.ts',
};

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const auth = options.auth;
  const nats = auth === undefined ? await startPrivateNats() : await startAuthNats(auth);
  const database = await createServiceDatabase('chaos');
  const pg = new URL(await databaseUrl());
  const proxy = options.databaseProxy
    ? await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) })
    : undefined;
  const broker = `sim${randomBytes(2).toString('hex')}`;
  const simPort = await freePort();
  const controlPort = await freePort();
  // Fixed for the system's life: IB ties a session's orders to its clientId, across gateway restarts.
  const clientId = String(100 + Math.floor(Math.random() * 800));
  const logLevel = options.logLevel ?? 'info';
  const procs = new Map<string, Proc>();
  const outputs = new Map<string, string[]>();
  const expectedExit = new Set<Proc>();
  const crashes: System['crashes'] = [];

  const connection = (user: NatsUser | undefined): Omit<NatsConnectionConfig, 'name'> => ({
    servers: nats.url,
    maxReconnectAttempts: -1,
    reconnectTimeWaitMs: 250,
    ...(auth === undefined || user === undefined
      ? {}
      : { nkeySeed: auth.seed(user), inboxPrefix: inboxPrefixOf(user) }),
  });
  const connect = (name: string, user: NatsUser = options.observerUser ?? 'operator') =>
    createNatsBus({ catalog, log: silentBusLogger, connection: { ...connection(user), name } });

  const track = (name: string, p: Proc): Proc => {
    const lines = outputs.get(name) ?? [];
    outputs.set(name, lines);
    p.child.stdout?.on('data', (d: Buffer) => lines.push(d.toString()));
    p.child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()));
    p.child.once('exit', (code, signal) => {
      if (!expectedExit.has(p)) crashes.push({ name, code, signal });
    });
    procs.set(name, p);
    return p;
  };

  const envOf = (name: ServiceName): Record<string, string> => {
    const common: Record<string, string> = {
      NATS_URL: options.natsUrlFor?.(name, nats.url) ?? nats.url,
      NATS_MAX_RECONNECTS: '1000',
      NATS_RECONNECT_WAIT_MS: '250',
      LOG_LEVEL: logLevel,
      ...(auth === undefined ? {} : auth.natsEnv(name)),
    };
    const db = (service: 'orders' | 'history') => {
      const env = database.envFor(service, proxy === undefined ? undefined : { host: '127.0.0.1', port: proxy.port });
      return options.databaseEnvFor?.(service, env) ?? env;
    };
    const own: Record<ServiceName, Record<string, string>> = {
      'gateway-ib': {
        BROKER_NAME: broker,
        IB_HOST: '127.0.0.1',
        IB_PORT: String(simPort),
        IB_CLIENT_ID: clientId,
        IB_TRADING_MODE: 'paper',
      },
      orders: { ...db('orders'), ORDERS_BROKERS: broker },
      'market-data': {},
      history: { ...db('history') },
    };
    return { ...common, ...own[name], ...options.env?.[name] };
  };

  const sim = track(
    'ib-sim',
    spawnTs(
      'services/ib-sim/src/main.ts',
      [
        '--port',
        String(simPort),
        '--control-port',
        String(controlPort),
        '--start',
        '2024-03-12T15:00:00Z',
        '--log-level',
        'warn',
      ],
      {},
      { clean: true },
    ),
  );
  await waitFor('ib-sim control port', 30_000, async () => {
    if (!isRunning(sim)) throw new Error(`ib-sim exited:\n${(outputs.get('ib-sim') ?? []).join('')}`);
    try {
      const r = await fetch(`http://127.0.0.1:${controlPort}/sessions`);
      return r.ok ? true : undefined;
    } catch {
      return undefined;
    }
  });

  const bus = await connect('chaos-observer');
  const start = async (name: ServiceName): Promise<void> => {
    track(name, spawnTs(SCRIPTS[name], [], envOf(name), { clean: true }));
  };
  const output = (name: string) => (outputs.get(name) ?? []).join('');
  const ready = async (name: ServiceName, timeoutMs = 90_000): Promise<void> => {
    const probe = probeFor(name, 'ib');
    if (probe === undefined) throw new Error(`no probe for ${name}`);
    await waitFor(
      `${name} ready`,
      timeoutMs,
      async () => {
        const p = procs.get(name);
        if (!isRunning(p)) throw new Error(`${name} is not running:\n${output(name).slice(-4_000)}`);
        // The stand-in of a service waiting for its database answers SERVICE_UNAVAILABLE: alive, not yet serving.
        const r = await ask<{ code?: string }>(bus, probe.subject, probe.body, 2_000);
        return r === undefined || r.code === 'SERVICE_UNAVAILABLE' ? undefined : true;
      },
      () => output(name).slice(-4_000),
    );
    if (name === 'gateway-ib')
      await waitFor(
        `broker ${broker} connected`,
        timeoutMs,
        async () => {
          const r = await ask<{ brokers?: BrokerInfo[] }>(bus, probe.subject, probe.body, 2_000);
          return r?.brokers?.some((b) => b.name === broker && b.state === 'connected') ? true : undefined;
        },
        () => output(name).slice(-4_000),
      );
  };
  const kill = async (name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const p = procs.get(name);
    if (p === undefined) return;
    expectedExit.add(p);
    await stopProc(p, signal);
  };

  const services = options.services ?? SERVICES;
  try {
    // One after another: four tsx processes compiling at once on a busy machine miss NATS's connect timeout.
    for (const name of services) {
      await start(name);
      await ready(name);
    }
  } catch (err) {
    for (const p of procs.values()) {
      expectedExit.add(p);
      await stopProc(p, 'SIGKILL');
    }
    await bus.drain();
    await proxy?.stop();
    await nats.stop();
    await database.drop();
    throw err;
  }

  return {
    nats,
    database,
    proxy,
    broker,
    simPort,
    bus,
    connect,
    async control<T>(path: string, body?: unknown): Promise<T> {
      const r = await fetch(`http://127.0.0.1:${controlPort}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return (await r.json()) as T;
    },
    proc: (name) => procs.get(name),
    output,
    crashes,
    start,
    kill,
    ready,
    async stop() {
      const codes: Record<string, number | null> = {};
      for (const p of procs.values()) {
        expectedExit.add(p);
        if (isRunning(p)) p.child.kill('SIGTERM');
      }
      for (const [name, p] of procs) codes[name] = await p.exited;
      await bus.drain().catch(() => undefined);
      await proxy?.stop();
      await nats.stop();
      await database.drop();
      return codes;
    },
  };
}
