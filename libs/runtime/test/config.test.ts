import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  checkIbConfig,
  checkNatsConfig,
  databaseConfigShape,
  databaseOptions,
  ibConfigShape,
  loadConfig,
  logConfigShape,
  natsConfigShape,
  natsConnectionSettings,
  redactConfig,
} from '@trading-system/runtime';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';

const Service = z
  .object({ ...logConfigShape, ...natsConfigShape, ...databaseConfigShape })
  .superRefine(checkNatsConfig);
const Ib = z.object(ibConfigShape).superRefine(checkIbConfig);

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('an empty environment gives the embedded defaults, deep-frozen', () => {
    const config = loadConfig(Service, {});
    expect(config).toEqual({
      LOG_LEVEL: 'info',
      LOG_PRETTY: false,
      NATS_MAX_RECONNECTS: 60,
      NATS_RECONNECT_WAIT_MS: 2000,
      DATABASE_POOL_MAX: 10,
      PGLITE_DATA_DIR: '.data/pglite',
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { LOG_LEVEL: string }).LOG_LEVEL = 'debug';
    }).toThrow(TypeError);
    expect(natsConnectionSettings(config)).toBeUndefined();
    expect(databaseOptions(config)).toEqual({ kind: 'pglite', dataDir: '.data/pglite' });
  });

  test('nested values are frozen too', () => {
    const config = loadConfig(z.object({ A: z.string().transform((s) => ({ list: s.split(',') })) }), { A: 'x,y' });
    expect(Object.isFrozen(config.A)).toBe(true);
    expect(Object.isFrozen(config.A.list)).toBe(true);
  });

  test('every problem is listed with variable, problem and hint; secrets are not echoed', () => {
    const issues = issuesOf(() =>
      loadConfig(Service, {
        LOG_LEVEL: 'loud',
        LOG_PRETTY: 'perhaps',
        NATS_URL: 'http://x',
        NATS_NKEY_SEED: 'SUnot-a-seed',
        NATS_RECONNECT_WAIT_MS: '5',
        DATABASE_URL: 'mysql://nope',
      }),
    );
    expect(issues.map((i) => i.variable).sort()).toEqual(
      ['DATABASE_URL', 'LOG_LEVEL', 'LOG_PRETTY', 'NATS_NKEY_SEED', 'NATS_RECONNECT_WAIT_MS', 'NATS_URL'].sort(),
    );
    for (const issue of issues) expect(issue.hint).toBeTruthy();
    const nkey = issues.find((i) => i.variable === 'NATS_NKEY_SEED');
    expect(nkey?.problem).not.toContain('SUnot-a-seed');
    expect(issues.find((i) => i.variable === 'LOG_LEVEL')?.problem).toContain('(got "loud")');
    const error = new ConfigError(issues);
    expect(error.message).toContain('6 problems');
  });

  test('blank variables count as unset: defaults apply and required ones are reported missing', () => {
    expect(loadConfig(Service, { LOG_LEVEL: '', NATS_URL: '' }).LOG_LEVEL).toBe('info');
    const issues = issuesOf(() => loadConfig(Ib, { IB_CLIENT_ID: '' }));
    expect(issues).toEqual([
      { variable: 'IB_CLIENT_ID', problem: 'is required but not set', hint: expect.stringContaining('client id') },
    ]);
  });

  test('NATS: user needs a password, one auth method, cert needs key, nothing set without a URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const cert = join(dir, 'c.pem');
    writeFileSync(cert, 'x');
    const withUrl = { NATS_URL: 'nats://127.0.0.1:4222' };
    expect(issuesOf(() => loadConfig(Service, { ...withUrl, NATS_USER: 'u' })).map((i) => i.variable)).toEqual([
      'NATS_PASSWORD',
    ]);
    expect(
      issuesOf(() => loadConfig(Service, { ...withUrl, NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TOKEN: 't' }))[0]
        ?.problem,
    ).toContain('choose one NATS auth method');
    expect(issuesOf(() => loadConfig(Service, { ...withUrl, NATS_TLS_CERT: cert })).map((i) => i.variable)).toEqual([
      'NATS_TLS_KEY',
    ]);
    expect(issuesOf(() => loadConfig(Service, { ...withUrl, NATS_TLS_CA: join(dir, 'missing.pem') }))[0]).toMatchObject(
      {
        variable: 'NATS_TLS_CA',
        problem: expect.stringContaining('file not found'),
      },
    );
    expect(issuesOf(() => loadConfig(Service, { NATS_TOKEN: 't' }))[0]).toMatchObject({
      variable: 'NATS_TOKEN',
      problem: expect.stringContaining('NATS_URL is not'),
    });
  });

  test('NATS settings carry credentials, TLS files and the bounded reconnect policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const [ca, cert, key] = ['ca.pem', 'cert.pem', 'key.pem'].map((f) => {
      writeFileSync(join(dir, f), 'x');
      return join(dir, f);
    });
    const config = loadConfig(Service, {
      NATS_URL: 'nats://a:4222, nats://b:4222',
      NATS_USER: 'svc',
      NATS_PASSWORD: 'pw',
      NATS_TLS_CA: ca,
      NATS_TLS_CERT: cert,
      NATS_TLS_KEY: key,
      NATS_MAX_RECONNECTS: '5',
      NATS_RECONNECT_WAIT_MS: '250',
    });
    expect(natsConnectionSettings(config)).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'svc',
      pass: 'pw',
      tls: { caFile: ca, certFile: cert, keyFile: key },
      maxReconnectAttempts: 5,
      reconnectTimeWaitMs: 250,
    });
    const seed = `SU${'A'.repeat(56)}`;
    expect(
      natsConnectionSettings(loadConfig(Service, { NATS_URL: 'tls://a:4222', NATS_NKEY_SEED: seed })),
    ).toMatchObject({
      nkeySeed: seed,
      tls: {},
    });
    expect(redactConfig(config)).toMatchObject({ NATS_PASSWORD: '[redacted]', NATS_USER: 'svc', NATS_TLS_KEY: key });
  });

  test('DATABASE_URL selects pg, and its password is masked when the config is logged', () => {
    const config = loadConfig(Service, {
      DATABASE_URL: 'postgres://app:hunter2@db:5432/trading',
      DATABASE_POOL_MAX: '3',
    });
    expect(databaseOptions(config, 'orders')).toEqual({
      kind: 'pg',
      url: 'postgres://app:hunter2@db:5432/trading',
      poolMax: 3,
      applicationName: 'orders',
    });
    expect(redactConfig(config).DATABASE_URL).toBe('postgres://app:[redacted]@db:5432/trading');
  });

  test('IB: paper by default on 7497; port and account must match the trading mode', () => {
    expect(loadConfig(Ib, { IB_CLIENT_ID: '1' })).toEqual({
      IB_HOST: '127.0.0.1',
      IB_PORT: 7497,
      IB_CLIENT_ID: 1,
      IB_TRADING_MODE: 'paper',
    });
    expect(issuesOf(() => loadConfig(Ib, { IB_CLIENT_ID: '1', IB_PORT: '7496' }))[0]?.variable).toBe('IB_PORT');
    expect(
      issuesOf(() => loadConfig(Ib, { IB_CLIENT_ID: '1', IB_TRADING_MODE: 'live', IB_PORT: '4002' }))[0]?.variable,
    ).toBe('IB_PORT');
    expect(issuesOf(() => loadConfig(Ib, { IB_CLIENT_ID: '1', IB_ACCOUNT: 'U123' }))[0]?.variable).toBe('IB_ACCOUNT');
    expect(
      loadConfig(Ib, { IB_CLIENT_ID: '1', IB_TRADING_MODE: 'live', IB_PORT: '4001', IB_ACCOUNT: 'U123' }).IB_PORT,
    ).toBe(4001);
  });

  test('all fragments compose into one service schema with both cross-field checks', () => {
    const All = z
      .object({ ...logConfigShape, ...natsConfigShape, ...databaseConfigShape, ...ibConfigShape })
      .superRefine((c, ctx) => {
        checkNatsConfig(c, ctx);
        checkIbConfig(c, ctx);
      });
    const issues = issuesOf(() => loadConfig(All, { IB_CLIENT_ID: '1', IB_PORT: '4001', NATS_USER: 'u' }));
    expect(issues.map((i) => i.variable).sort()).toEqual(['IB_PORT', 'NATS_PASSWORD', 'NATS_USER']);
    expect(loadConfig(All, { IB_CLIENT_ID: '1' }).IB_TRADING_MODE).toBe('paper');
  });
});
