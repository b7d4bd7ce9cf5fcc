/**
 * The compose topology as separate processes, on real NATS and Postgres, without Docker: every container of the
 * `sim`, `paper` and `alpaca` profiles that runs our image (ib-sim, gateway-ib-sim, orders, market-data, history,
 * gateway-paper, alpaca-sim, gateway-alpaca) is started with its compose command and environment, only the
 * addresses mapped to this machine (a private nats-server running infra/nats/auth.conf with users from
 * `npm run secrets`, a database of the test's own with the roles of infra/postgres/roles.psql, free ports for the
 * simulators, a temporary state file); the secrets compose mounts at /run/secrets/ are the generated files. Each is
 * declared ready by its own compose healthcheck (infra/healthcheck.ts, with the container's own credentials), then
 * `examples/basic-usage.ts` runs against them as the `client` user and must print what it prints on the embedded
 * default (libs/sdk/test/examples.test.ts): 5 days of hourly AAPL bars and a working limit order's status; the same
 * script then trades the `paper` and `alpaca` brokers. Every service runs as its own NATS user, and none may have
 * been refused a publish or subscribe by the server: the permissions cover what the services actually do.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bus, NoRespondersError, openBus, RequestTimeoutError } from '@trading-system/bus';
import { type BrokerInfo, catalog, Subjects } from '@trading-system/contracts';
import { scrape, sumOf } from '@trading-system/metrics';
import type { PrivateNats } from '@trading-system/testkit';
import { poll } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROBED_SERVICES, probeFor } from '../healthcheck.js';
import { inboxPrefixOf } from '../nats/permissions.js';
import { type ComposeService, commandOf, environmentOf, loadComposeFile, withLocalSecrets } from './compose-file.js';
import { type AuthSecrets, makeSecrets, startAuthNats } from './support/auth.js';
import { createServiceDatabase, type ServiceDatabase } from './support/database.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVICES = [
  'ib-sim',
  'gateway-ib-sim',
  'orders',
  'market-data',
  'history',
  'gateway-paper',
  'alpaca-sim',
  'gateway-alpaca',
] as const;
/** What a service logs when the NATS server refuses one of its publishes or subscriptions (libs/bus). */
const REFUSED = 'NATS refused this for our user';

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
}

let nats: PrivateNats;
let secrets: AuthSecrets;
let database: ServiceDatabase;
let stateDir: string;
let bus: Bus;
const procs: Proc[] = [];
/** Each compose service's environment as mapped to this machine (the healthchecks run with it, as in Docker). */
const envs = new Map<string, Record<string, string>>();
const healthEnv = (kind: string): Record<string, string> => {
  // The healthcheck's kind is the service's but for gateway-ib, whose compose service is named by its profile.
  const service = kind === 'gateway-ib' ? 'gateway-ib-sim' : kind;
  const env = envs.get(service) ?? {};
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('NATS_')));
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The inherited environment without anything that would point a child at another NATS or database, nor the test
 * file's bus namespace: the topology runs as compose runs it, on a server of its own whose permissions name plain
 * subjects.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(NATS_|BUS_|DATABASE_|PGLITE_|IB_|BROKER_|ORDERS_|HISTORY_|MD_|LOG_)/.test(k)) env[k] = v;
  }
  return env;
}

function spawnService(name: string, args: readonly string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, output, exited };
}

function run(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      { cwd: ROOT, env: { ...baseEnv(), ...env }, timeout: timeoutMs, maxBuffer: 10_000_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
  });
}

/** Retries `attempt` until it returns true; fails with the services' output when the deadline passes or one dies. */
async function until(what: string, deadlineMs: number, attempt: () => Promise<boolean>): Promise<void> {
  await poll(
    what,
    () => {
      const dead = procs.find((p) => p.child.exitCode !== null);
      if (dead)
        throw new Error(
          `${dead.name} exited with ${dead.child.exitCode} while waiting for ${what}:\n${dead.output.join('')}`,
        );
      return attempt();
    },
    {
      timeoutMs: deadlineMs,
      intervalMs: 250,
      detail: () => procs.map((p) => `--- ${p.name}\n${p.output.join('').slice(-2_000)}`).join('\n'),
    },
  );
}

beforeAll(async () => {
  secrets = makeSecrets();
  nats = await startAuthNats(secrets);
  // A database of the test's own with the service roles: history keeps its tables in a fixed schema, like the
  // compose deployment.
  database = await createServiceDatabase('topology');
  stateDir = mkdtempSync(join(tmpdir(), 'topology-'));
  const simPort = await freePort();
  const alpacaPort = await freePort();

  // The compose file as a sim user runs it (no .env needed), then mapped to this machine.
  const compose = loadComposeFile(join(ROOT, 'docker-compose.yml'), { LOG_LEVEL: 'warn' });
  const roles = [
    ['orders', 'orders', 'pg_orders'],
    ['history', 'history', 'pg_history'],
    ['gateway-paper', 'gateway_paper', 'pg_gateway_paper'],
  ] as const;
  const mapValue = (v: string): string => {
    if (v === 'nats://nats:4222') return nats.url;
    for (const [service, role, secret] of roles) {
      const db = database.envFor(service);
      if (v === `postgres://${role}@postgres:5432/trading`) return db.DATABASE_URL as string;
      if (v === `/run/secrets/${secret}`) return db.DATABASE_PASSWORD_FILE as string;
    }
    if (v === 'ib-sim' || v === '0.0.0.0') return '127.0.0.1';
    if (v === '7497') return String(simPort);
    if (v === '8788') return String(alpacaPort);
    if (v === 'http://alpaca-sim:8788') return `http://127.0.0.1:${alpacaPort}`;
    if (v.startsWith('/data/')) return join(stateDir, v.slice('/data/'.length));
    return v;
  };
  for (const name of SERVICES) {
    const service = compose.services[name] as ComposeService;
    const mapped = Object.fromEntries(Object.entries(environmentOf(service)).map(([k, v]) => [k, mapValue(v)]));
    const env = withLocalSecrets(mapped, compose, secrets.dir);
    // Compose gives every container the same metrics port; here they share one host.
    if (env.METRICS_PORT !== undefined) env.METRICS_PORT = String(await freePort());
    envs.set(name, env);
    // Secret files named by a flag (alpaca-sim's --keys-file) too.
    const args = commandOf(service).map((a) => withLocalSecrets({ a: mapValue(a) }, compose, secrets.dir).a as string);
    procs.push(spawnService(name, args, env));
  }

  bus = await openBus({
    connection: {
      servers: [nats.url],
      maxReconnectAttempts: 0,
      reconnectTimeWaitMs: 1_000,
      nkeySeed: secrets.seed('operator'),
      inboxPrefix: inboxPrefixOf('operator'),
    },
    name: 'topology-test',
    catalog,
    log: { warn: () => undefined, error: () => undefined, debug: () => undefined },
    onLost: () => undefined,
  });
  // Ready when each NATS service answers its healthcheck request (asked here, cheaply); then the healthcheck
  // commands themselves must pass, as Docker runs them.
  for (const kind of PROBED_SERVICES) {
    const probe = probeFor(kind);
    if (probe === undefined) throw new Error(`no probe for ${kind}`);
    // Eight tsx processes start at once: on a loaded two-core machine the last is ready well after a minute.
    await until(`${kind} answering ${probe.subject}`, 150_000, async () => {
      try {
        await bus.request(probe.subject, probe.body, { timeoutMs: 2_000 });
        return true;
      } catch (err) {
        if (err instanceof NoRespondersError || err instanceof RequestTimeoutError) return false;
        throw err;
      }
    });
  }
  // Two at a time: Docker runs each container's check on its own, and six tsx processes at once beside eight
  // services starve a loaded two-core machine until the checks' NATS connect times out.
  const checks: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < PROBED_SERVICES.length; i += 2)
    checks.push(
      ...(await Promise.all(
        PROBED_SERVICES.slice(i, i + 2).map((kind) => run(['infra/healthcheck.ts', kind], healthEnv(kind), 90_000)),
      )),
    );
  expect(
    checks.map((c) => c.code),
    checks.map((c) => c.stderr).join('\n'),
  ).toEqual(PROBED_SERVICES.map(() => 0));
  // sim on ib-sim; paper on sim's quotes (connected once its source is); alpaca on alpaca-sim.
  for (const [type, broker] of [
    ['ib', 'sim'],
    ['paper', 'paper'],
    ['alpaca', 'alpaca'],
  ] as const) {
    await until(`broker ${broker} connected`, 30_000, async () => {
      const reply = await bus.request<{ ok: boolean; brokers?: BrokerInfo[] }>(
        Subjects.gatewayCommand.build({ type, verb: 'listBrokers' }),
        { v: 1 },
        { timeoutMs: 5_000 },
      );
      return reply.brokers?.some((b) => b.name === broker && b.state === 'connected') === true;
    });
  }
}, 420_000);

afterAll(async () => {
  await bus?.drain();
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  const codes = await Promise.all(procs.map((p) => p.exited));
  await nats?.stop();
  await database?.drop();
  if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  // Every service stops cleanly on SIGTERM (what `docker compose stop` sends).
  expect(Object.fromEntries(procs.map((p, i) => [p.name, codes[i]]))).toEqual(
    Object.fromEntries(procs.map((p) => [p.name, 0])),
  );
}, 60_000);

test('examples/basic-usage.ts with NATS_URL against the compose services as separate processes', async () => {
  const { code, stdout, stderr } = await run(
    ['examples/basic-usage.ts'],
    { NATS_URL: nats.url, LOG_LEVEL: 'warn', ...secrets.natsEnv('client') },
    90_000,
  );
  expect(code, stderr + stdout).toBe(0);
  expect(stdout).toMatch(/connected \(nats\)/);
  // The same output as on the embedded default (libs/sdk/test/examples.test.ts).
  const rows = [...stdout.matchAll(/│ '(\d{4}-\d\d-\d\d) \d\d:\d\d'(?:\s*│\s*[\d.]+){5}\s*│/g)];
  expect(rows.length).toBeGreaterThanOrEqual(14);
  const days = new Set(rows.map((r) => r[1]));
  expect(days.size).toBeGreaterThanOrEqual(3);
  const summary = /AAPL: (\d+) bars of 1 hour over (\d+) trading days/.exec(stdout);
  expect(Number(summary?.[1])).toBe(rows.length);
  expect(Number(summary?.[2])).toBe(days.size);
  expect(stdout).toMatch(/order quickstart-[0-9a-f-]+: BUY 10 AAPL LMT \d+\.\d\d GTC/);
  expect(stdout).toMatch(/status: submitted \(filled 0 of 10, broker order id \d+\)/);
  expect(stdout).toMatch(/cancel requested: /);
}, 100_000);

test.each([
  ['paper', 'paper'],
  ['alpaca', 'alpaca'],
])(
  'the same example trades the %s broker (gateway-%s of its compose profile) through the OMS',
  async (broker, type) => {
    const { code, stdout, stderr } = await run(
      ['examples/basic-usage.ts'],
      { NATS_URL: nats.url, LOG_LEVEL: 'warn', BROKER_NAME: broker, GATEWAY_TYPE: type, ...secrets.natsEnv('client') },
      90_000,
    );
    expect(code, stderr + stdout).toBe(0);
    expect(stdout).toMatch(new RegExp(`broker ${broker}: connected`));
    expect(stdout).toMatch(/AAPL: \d+ bars of 1 hour over \d+ trading days/);
    expect(stdout).toMatch(/order quickstart-[0-9a-f-]+: BUY 10 AAPL LMT \d+\.\d\d GTC/);
    expect(stdout).toMatch(/status: submitted \(filled 0 of 10, broker order id \S+\)/);
    expect(stdout).toMatch(/cancel requested: /);
  },
  100_000,
);

test('no service was refused a publish or subscribe by NATS: each user covers what its service does', () => {
  const refused = procs.filter((p) => p.output.join('').includes(REFUSED));
  expect(
    refused.map(
      (p) =>
        `${p.name}: ${p.output
          .join('')
          .split('\n')
          .filter((l) => l.includes(REFUSED))
          .slice(0, 3)
          .join('\n')}`,
    ),
  ).toEqual([]);
  // The check can fail: the same words are what libs/bus logs for a refusal.
  expect(readFileSync(join(ROOT, 'libs/bus/src/nats-connect.ts'), 'utf8')).toContain(REFUSED);
});

test("each service's metrics endpoint is ready and its series moved with the example's work", async () => {
  const url = (name: string) => `http://127.0.0.1:${envs.get(name)?.METRICS_PORT}`;
  for (const name of ['gateway-ib-sim', 'orders', 'market-data', 'history', 'gateway-paper', 'gateway-alpaca']) {
    expect((await fetch(`${url(name)}/readyz`)).status, name).toBe(200);
    expect((await fetch(`${url(name)}/healthz`)).status, name).toBe(200);
  }
  const orders = await scrape(url('orders'));
  // The example's limit order, then its cancel: in the ledger, requested over the bus, written to order_events.
  expect(sumOf(orders, 'trading_oms_orders')).toBeGreaterThanOrEqual(1);
  expect(
    sumOf(orders, 'trading_bus_messages_total', { family: 'orders.submit', direction: 'in' }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    orders.some(
      (x) =>
        x.name === 'trading_db_query_seconds_count' &&
        x.labels.op === 'insert' &&
        x.labels.table?.endsWith('order_events') &&
        x.value > 0,
    ),
  ).toBe(true);
  expect(sumOf(orders, 'trading_oms_outbox_pending')).toBe(0);
  const gateway = await scrape(url('gateway-ib-sim'));
  expect(sumOf(gateway, 'trading_broker_connection_state', { broker: 'sim', state: 'connected' })).toBe(1);
  expect(sumOf(gateway, 'trading_governor_sent', { broker: 'sim' })).toBeGreaterThan(0);
  expect(sumOf(gateway, 'trading_broker_rate_violations', { broker: 'sim' })).toBe(0);
  expect(sumOf(gateway, 'trading_market_data_lines_budget', { broker: 'sim' })).toBeGreaterThan(0);
  const history = await scrape(url('history'));
  expect(sumOf(history, 'trading_bus_messages_total', { family: 'hist.bars', direction: 'in' })).toBeGreaterThanOrEqual(
    1,
  );
  // The example's hourly bars: looked up (a first request downloads), then sent.
  expect(sumOf(history, 'trading_history_lookups_total')).toBeGreaterThanOrEqual(1);
  expect(sumOf(history, 'trading_history_bars_served_total')).toBeGreaterThanOrEqual(14);
  // The paper and Alpaca gateways served the examples' orders over the bus, their brokers connected (the series
  // gateway-ib exports, so the dashboard's panel shows every broker).
  for (const [name, broker] of [
    ['gateway-paper', 'paper'],
    ['gateway-alpaca', 'alpaca'],
  ] as const) {
    const m = await scrape(url(name));
    expect(sumOf(m, 'trading_bus_messages_total', { direction: 'in' }), name).toBeGreaterThan(0);
    expect(sumOf(m, 'trading_broker_connection_state', { broker, state: 'connected' }), name).toBe(1);
    expect(sumOf(m, 'trading_broker_connection_state', { broker }), name).toBe(1);
  }
  const paper = await scrape(url('gateway-paper'));
  expect(
    paper.some((x) => x.name === 'trading_db_query_seconds_count' && x.labels.op === 'insert' && x.value > 0),
  ).toBe(true);
  const marketData = await scrape(url('market-data'));
  expect(sumOf(marketData, 'trading_bus_messages_total', { direction: 'in' })).toBeGreaterThan(0);
}, 30_000);

test('a service that stopped fails its healthcheck (exit 1), the others still pass', async () => {
  const marketData = procs.find((p) => p.name === 'market-data');
  marketData?.child.kill('SIGTERM');
  expect(await marketData?.exited).toBe(0);
  const down = await run(['infra/healthcheck.ts', 'market-data'], healthEnv('market-data'), 30_000);
  expect(down.code, down.stderr).toBe(1);
  expect(down.stderr).toMatch(/market-data did not answer md\.unsubscribe/);
  const up = await run(['infra/healthcheck.ts', 'orders'], healthEnv('orders'), 30_000);
  expect(up.code, up.stderr).toBe(0);
}, 60_000);
