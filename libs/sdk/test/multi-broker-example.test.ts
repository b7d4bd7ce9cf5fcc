/**
 * examples/multi-broker.ts as a newcomer runs it (`npx tsx examples/multi-broker.ts` from the repository root, no
 * NATS_URL): one script adds an ib, a paper and an alpaca broker to the embedded system, places the same limit order
 * on each, sees each fill and lists positions per broker and across brokers. Judged by what it prints.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CREDENTIALS } from '@trading-system/alpaca-sim';
import { EmbeddedConfig, startEmbedded } from '@trading-system/embedded';
import { createLogger, loadConfig } from '@trading-system/runtime';
import { databaseUrl, namespaceEnv, openPgTestDatabase, startPrivateNats } from '@trading-system/testkit';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;
const BROKERS = ['ib1', 'paper1', 'alpaca1'];

function run(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { NATS_URL: _n, DATABASE_URL: _d, ALPACA_SIM_KEY_ID: _k, ALPACA_SIM_SECRET_KEY: _s, ...rest } = process.env;
  return new Promise((resolve) => {
    execFile(
      tsx,
      [script],
      { cwd: root, env: { ...rest, LOG_LEVEL: 'warn', ...env }, timeout: 170_000, maxBuffer: 10_000_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function expectDoneWhen(stdout: string): void {
  for (const [name, type] of [
    ['ib1', 'ib'],
    ['paper1', 'paper'],
    ['alpaca1', 'alpaca'],
  ])
    expect(stdout).toMatch(new RegExp(`^broker ${name} \\(${type}\\): connected, accounts \\S+`, 'm'));
  const order = /→ BUY 10 AAPL LMT (\d+\.\d\d) DAY on each/.exec(stdout);
  const limit = Number(order?.[1]);
  expect(limit).toBeGreaterThan(0);
  for (const name of BROKERS) {
    const fill = new RegExp(`^filled on ${name}: 10 AAPL @ ([\\d.]+) \\(order multi-${name}-`, 'm').exec(stdout);
    expect(fill, `fill on ${name}`).not.toBeNull();
    // A buy limit fills at its limit or better.
    expect(Number(fill?.[1])).toBeLessThanOrEqual(limit);
    expect(stdout).toMatch(new RegExp(`^  ${name}: AAPL 10 @ [\\d.]+$`, 'm'));
  }
  expect(stdout).not.toMatch(/^(rejected|denied|cancelled|expired) on /m);
  const across = /^ {2}AAPL: (\d+) \((.*)\)$/m.exec(stdout.slice(stdout.indexOf('positions across brokers:')));
  expect(Number(across?.[1])).toBe(30);
  expect(across?.[2]?.split(', ').sort()).toEqual(['alpaca1 10', 'ib1 10', 'paper1 10']);
  expect(stdout).not.toMatch(/did not answer/);
}

test('examples/multi-broker.ts: the same limit order fills on ib, paper and alpaca; positions per broker and across', async () => {
  const { code, stdout, stderr } = await run('examples/multi-broker.ts');
  expect(stderr + stdout).not.toMatch(/"level":50/);
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(/^connected \(embedded\)$/m);
  expectDoneWhen(stdout);
}, 180_000);

test('examples/multi-broker.ts on a deployed stack (NATS_URL): the same run through NATS and Postgres', async () => {
  // The services in this process on a NATS server of their own and Postgres (own schemas); the script connects over
  // NATS. gateway-alpaca reads the keys the script's alpaca-sim accepts from its environment, as deployed.
  const nats = await startPrivateNats();
  if (!nats.private) throw new Error('nats-server is not installed: this test runs a whole system on its own server');
  const database = await openPgTestDatabase<unknown>({ poolMax: 1 });
  const config = loadConfig(EmbeddedConfig, {
    ...namespaceEnv(), // the script inherits this file's namespace with the environment
    NATS_URL: nats.url,
    DATABASE_URL: await databaseUrl(),
    DATABASE_POOL_MAX: '4',
    SIM_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const system = await startEmbedded({
    config,
    logger: createLogger({ service: 'multi-broker-test', level: 'silent' }),
    naming: {
      schemas: {
        orders: database.newSchema('orders'),
        history: database.newSchema('hist'),
        paper: database.newSchema('paper'),
      },
    },
    alpacaEnv: { ALPACA_SIM_KEY_ID: DEFAULT_CREDENTIALS.keyId, ALPACA_SIM_SECRET_KEY: DEFAULT_CREDENTIALS.secretKey },
  });
  try {
    const { code, stdout, stderr } = await run('examples/multi-broker.ts', { NATS_URL: nats.url });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^connected \(nats\)$/m);
    expectDoneWhen(stdout);
  } finally {
    await system.stop();
    await database.close();
    await nats.stop();
  }
}, 240_000);
