/**
 * The original specification's basic example (examples/seed-basic-usage.ts), unchanged, on both runtimes: it adds
 * `ib_paper` at 127.0.0.1:7497 with clientId 1, reads 5 days of hourly AAPL bars, buys 100 AAPL at 150.00 on
 * `ib_paper`, reads the order's status and shuts down.
 * - embedded (no NATS_URL): the built-in ib-sim takes TWS paper's port when it is free (or something else already
 *   answers there, as a TWS would), and the OMS routes to the added broker;
 * - NATS + Postgres with every service as its own process (`services/<name>/src/main.ts`, default configuration):
 *   an ib-sim on 7497 plays the paper TWS, and the OMS must take orders for the broker added at run time.
 * Also: nothing listening at a broker's address is reported at once, with what to do, and without error logs.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { type Bus, openBus } from '@trading-system/bus';
import { type BrokerInfo, catalog, Subjects } from '@trading-system/contracts';
import { type RunningSim, startSim } from '@trading-system/ib-sim';
import { createDatabase, sql } from '@trading-system/storage';
import {
  ask,
  databaseUrl,
  type PrivateNats,
  type Proc,
  poll,
  REPO_ROOT,
  silentBusLogger,
  spawnTs,
  startPrivateNats,
  stopProc,
} from '@trading-system/testkit';
import { afterAll, expect, test } from 'vitest';
import { BrokerError, TradingSystem } from '../src/index.js';

const TWS_PAPER_PORT = 7497;
const tsx = `${REPO_ROOT}node_modules/.bin/tsx`;

/**
 * The inherited environment without anything that would point a child at another NATS, database or broker, nor
 * the test file's bus namespace: the example's systems here are configured from scratch.
 */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(NATS_|BUS_|DATABASE_|PGLITE_|IB_|BROKER_|ORDERS_|HISTORY_|MD_|LOG_|SIM_)/.test(k))
      env[k] = v;
  }
  return env;
}

function runExample(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['examples/seed-basic-usage.ts'],
      { cwd: REPO_ROOT, env: { ...cleanEnv(), LOG_LEVEL: 'warn', ...env }, timeout: 100_000, maxBuffer: 10_000_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** What the example must print on either runtime: the bars as a table, then the order on ib_paper and its status. */
function expectSeedOutput({ code, stdout, stderr }: { code: number; stdout: string; stderr: string }): void {
  expect(stderr + stdout).not.toMatch(/"level":50/);
  expect(code, stderr + stdout).toBe(0);
  // console.table rows: │ index │ time │ open │ high │ low │ close │ volume │
  const rows = [...stdout.matchAll(/│ (\d{4}-\d\d-\d\d)T\d\d:\d\d:00\.000Z(?:\s*│\s*[\d.]+){5}\s*│/g)];
  expect(rows.length, stdout).toBeGreaterThanOrEqual(14);
  expect(new Set(rows.map((r) => r[1])).size).toBeGreaterThanOrEqual(3);
  expect(stdout).toMatch(/order \S+ on ib_paper: BUY 100 AAPL LMT 150(\.0+)? → (accepted|pendingSubmit|submitted)\b/);
}

function listensOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/**
 * An ib-sim of this file's own on 7497, the port the example names. Test files run in parallel, and an embedded
 * system started with the defaults puts its ib-sim on 7497 whenever it is free: the example must not reach another
 * file's sim (another clock, maybe a closed market: no quote, so the OMS refuses the order RISK_NO_REFERENCE_PRICE,
 * as it did once in CI). Waits until 7497 is free and takes it.
 */
function simOnTwsPaperPort(): Promise<RunningSim> {
  return poll(
    `port ${TWS_PAPER_PORT} free for this file's ib-sim (another test's ib-sim, or a TWS, holds it)`,
    async () => {
      try {
        return await startSim({ port: TWS_PAPER_PORT });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
        throw err;
      }
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
}

test('embedded: the seed example connects to ib_paper on 7497 and places its order there', async () => {
  // The example's embedded system puts its own ib-sim on 7497 when it is free: wait until no other file's holds it.
  await poll(`port ${TWS_PAPER_PORT} free`, async () => !(await listensOn(TWS_PAPER_PORT)), {
    timeoutMs: 180_000,
    intervalMs: 250,
  });
  expectSeedOutput(await runExample({}));
}, 300_000);

test('embedded: nothing listening at the broker address is reported at once, with what to do, and no error log', async () => {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  const ts = await TradingSystem.open({ env: {}, logLevel: 'info', embedded: { simPort: 0 } });
  try {
    const closed = await closedPort();
    const started = Date.now();
    const err = await ts.addBroker('ib_paper', 'ib', { host: '127.0.0.1', port: closed, clientId: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({ code: 'BROKER_UNREACHABLE' });
    expect((err as BrokerError).message).toMatch(
      new RegExp(
        `nothing accepts connections at 127\\.0\\.0\\.1:${closed} \\(.*ECONNREFUSED.*\\)\\. Start TWS or IB Gateway at 127\\.0\\.0\\.1:${closed} .*ib-sim.*'sim'`,
      ),
    );
    expect((err as BrokerError).hint).toMatch(/Start what the message names.*built-in paper broker `sim`/);
    // Nothing was added, nothing retries in the background.
    expect((await ts.listBrokers()).map((b) => b.name)).toEqual(['sim']);
  } finally {
    await ts.shutdown();
    process.stderr.write = write;
  }
  expect(lines.join('').match(/.*"level":(50|60).*/g) ?? []).toEqual([]);
}, 60_000);

test('embedded on a real TWS (SIM_ENABLED=false) with nothing at IB_HOST:IB_PORT: open() says so at once', async () => {
  const closed = await closedPort();
  const started = Date.now();
  const err = await TradingSystem.open({
    env: { SIM_ENABLED: 'false', BROKER_NAME: 'ib_paper', IB_PORT: String(closed), IB_CLIENT_ID: '7' },
    logLevel: 'silent',
  }).then(
    async (ts) => {
      await ts.shutdown();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(err).toBeInstanceOf(BrokerError);
  expect(err).toMatchObject({ code: 'BROKER_UNREACHABLE' });
  expect((err as BrokerError).message).toMatch(
    new RegExp(
      `broker ib_paper: nothing accepts connections at 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)\\. Start TWS`,
    ),
  );
}, 30_000);

// NATS + Postgres, one process per service.
let nats: PrivateNats | undefined;
let sim: RunningSim | undefined;
let bus: Bus | undefined;
let dbName: string | undefined;
const procs: Array<{ name: string; proc: Proc }> = [];

afterAll(async () => {
  await bus?.drain();
  for (const { proc } of procs.reverse()) await stopProc(proc);
  await sim?.stop();
  await nats?.stop();
  if (dbName !== undefined) {
    const admin = await createDatabase({ kind: 'pg', url: await databaseUrl(), poolMax: 1 });
    try {
      await sql`drop database if exists ${sql.id(dbName)} with (force)`.execute(admin.db);
    } finally {
      await admin.close();
    }
  }
}, 60_000);

function until<T>(what: string, deadlineMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  return poll(
    what,
    () => {
      const dead = procs.find(({ proc }) => proc.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.proc.output.join('')}`);
      return attempt();
    },
    {
      timeoutMs: deadlineMs,
      intervalMs: 250,
      detail: () => procs.map((p) => `--- ${p.name}\n${p.proc.output.join('').slice(-2_000)}`).join('\n'),
    },
  );
}

test('NATS + Postgres, each service its own process: the seed example runs unchanged and its order is taken', async () => {
  nats = await startPrivateNats();
  const base = await databaseUrl();
  dbName = `seed_example_${process.pid}_${Date.now().toString(36)}`;
  const admin = await createDatabase({ kind: 'pg', url: base, poolMax: 1 });
  try {
    await sql`create database ${sql.id(dbName)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  const dbUrl = Object.assign(new URL(base), { pathname: `/${dbName}` }).href;
  // The paper TWS of the example: our own ib-sim on 7497. The deployment's own broker `sim` uses the same ib-sim.
  sim = await simOnTwsPaperPort();
  const common = { ...cleanEnv(), NATS_URL: nats.url, LOG_LEVEL: 'warn' };
  const service = (name: string, env: Record<string, string> = {}) =>
    procs.push({ name, proc: spawnTs(`services/${name}/src/main.ts`, [], { ...common, ...env }, { clean: true }) });
  service('gateway-ib', { BROKER_NAME: 'sim', IB_HOST: '127.0.0.1', IB_PORT: String(sim.port), IB_CLIENT_ID: '32101' });
  service('orders', { DATABASE_URL: dbUrl }); // the defaults: ORDERS_BROKERS=sim, nothing about adoption
  service('market-data');
  service('history', { DATABASE_URL: dbUrl });

  bus = await openBus({
    connection: { servers: [nats.url], maxReconnectAttempts: 0, reconnectTimeWaitMs: 1_000 },
    name: 'seed-example-test',
    catalog,
    log: silentBusLogger,
    onLost: () => undefined,
  });
  const b = bus;
  await until('orders answering', 90_000, () => ask(b, Subjects.ordersGet.build(), { v: 1, clientOrderId: 'probe' }));
  await until('history answering', 90_000, () => ask(b, Subjects.histOrders.build(), { v: 1, query: { limit: 1 } }));
  await until('market-data answering', 90_000, () => ask(b, Subjects.mdUnsubscribe.build(), { v: 1, leaseId: 'x' }));
  await until('broker sim connected', 90_000, async () => {
    const r = await ask<{ brokers?: BrokerInfo[] }>(
      b,
      Subjects.gatewayCommand.build({ type: 'ib', verb: 'listBrokers' }),
      { v: 1 },
    );
    return r?.brokers?.some((x) => x.name === 'sim' && x.state === 'connected') === true ? true : undefined;
  });

  expectSeedOutput(await runExample({ NATS_URL: nats.url }));
  // The order reached the broker through the OMS and rests there: ib_paper is a broker the OMS adopted.
  const listed = await ask<{ orders?: Array<{ broker: string; quantity: string; limitPrice?: string }> }>(
    b,
    Subjects.ordersList.build(),
    { v: 1, status: 'open' },
  );
  expect(listed?.orders?.filter((o) => o.broker === 'ib_paper').map((o) => [o.quantity, o.limitPrice])).toEqual([
    ['100', '150'],
  ]);

  // Deployed, an address where nothing listens is reported at once too, from the gateway's first status, and the
  // connection is not left retrying.
  const client = await TradingSystem.open({ natsUrl: nats.url, env: {}, logLevel: 'silent' });
  try {
    const closed = await closedPort();
    const started = Date.now();
    const err = await client.addBroker('nowhere', 'ib', { host: '127.0.0.1', port: closed, clientId: 9 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({ code: 'BROKER_UNREACHABLE' });
    expect((err as BrokerError).message).toMatch(
      new RegExp(
        `nothing accepts connections at 127\\.0\\.0\\.1:${closed} \\(.*ECONNREFUSED.*\\)\\. Start TWS or IB Gateway`,
      ),
    );
    expect((await client.listBrokers()).map((b) => b.name).sort()).toEqual(['ib_paper', 'sim']);
  } finally {
    await client.shutdown();
  }
}, 420_000);

/** A port nothing listens on (taken from the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
