import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  checkDatabaseConfig,
  checkNatsConfig,
  databaseConfigShape,
  databaseOptions,
  defaultedEnv,
  loadConfig,
  logConfigShape,
  maskUrlPassword,
  natsConfigShape,
  natsConnectionSettings,
  redactConfig,
  requiredEnv,
  secretValues,
} from '@trading-system/runtime';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';

const Service = z
  .object({ ...logConfigShape, ...natsConfigShape, ...databaseConfigShape })
  .superRefine(checkNatsConfig);
// A service's own settings beside the shared fragments, with a cross-field rule of its own.
const workerShape = {
  WORKER_ID: requiredEnv(z.coerce.number().int().min(0)).describe('worker id of this instance; keep it fixed'),
  WORKER_PORT: defaultedEnv(z.coerce.number().int().min(1).max(65_535), 7497).describe('port (default 7497)'),
  WORKER_MODE: defaultedEnv(z.enum(['paper', 'live']), 'paper').describe('paper (default) or live'),
};
function checkWorker(c: { WORKER_PORT: number; WORKER_MODE: string }, ctx: z.RefinementCtx): void {
  if (c.WORKER_MODE === 'paper' && c.WORKER_PORT === 4001)
    ctx.addIssue({ code: 'custom', path: ['WORKER_PORT'], message: '4001 is the live port' });
}
const Worker = z.object(workerShape).superRefine(checkWorker);

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
    const issues = issuesOf(() => loadConfig(Worker, { WORKER_ID: '' }));
    expect(issues).toEqual([
      { variable: 'WORKER_ID', problem: 'is required but not set', hint: expect.stringContaining('worker id') },
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

  test('BUS_NAMESPACE reaches the NATS settings; one subject token only; harmless without NATS_URL', () => {
    expect(
      natsConnectionSettings(loadConfig(Service, { NATS_URL: 'nats://a:4222', BUS_NAMESPACE: 'ci_7-a' })),
    ).toMatchObject({ namespace: 'ci_7-a' });
    expect(natsConnectionSettings(loadConfig(Service, { NATS_URL: 'nats://a:4222' }))).not.toHaveProperty('namespace');
    for (const bad of ['a.b', 'a*', 'x'.repeat(33)]) {
      expect(issuesOf(() => loadConfig(Service, { BUS_NAMESPACE: bad })).map((i) => i.variable)).toEqual([
        'BUS_NAMESPACE',
      ]);
    }
    expect(loadConfig(Service, { BUS_NAMESPACE: 'ns1' }).BUS_NAMESPACE).toBe('ns1');
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

  test('a malformed DATABASE_URL is reported without its password, whatever the shape of the mistake', () => {
    for (const url of [
      'postgresql//app:hunter2@db/trading',
      'postgres://app:hunter2@db:port/trading',
      'postgres:/app:hunter2@db/trading',
      'mysql://app:hunter2@db/trading',
    ]) {
      const issues = issuesOf(() => loadConfig(Service, { DATABASE_URL: url }));
      expect(issues.map((i) => i.variable)).toEqual(['DATABASE_URL']);
      const text = new ConfigError(issues).message;
      expect(text).not.toContain('hunter2');
      expect(text).toContain('[redacted]@');
    }
  });

  test('credentials inside NATS_URL are used (taken out of the server URLs) or refused explicitly', () => {
    const settings = natsConnectionSettings(
      loadConfig(Service, { NATS_URL: 'nats://orders:s3cr%40t@a:4222, nats://orders:s3cr%40t@b:4222' }),
    );
    expect(settings).toMatchObject({ servers: ['nats://a:4222', 'nats://b:4222'], user: 'orders', pass: 's3cr@t' });
    expect(natsConnectionSettings(loadConfig(Service, { NATS_URL: 'nats://t0ken-value@a:4222' }))).toMatchObject({
      servers: ['nats://a:4222'],
      token: 't0ken-value',
    });
    const twoMethods = issuesOf(() =>
      loadConfig(Service, { NATS_URL: 'nats://u:s3cret-1@a:4222', NATS_USER: 'u', NATS_PASSWORD: 's3cret-2' }),
    );
    expect(twoMethods).toEqual([
      expect.objectContaining({
        variable: 'NATS_URL',
        problem: expect.stringContaining('choose one NATS auth method'),
      }),
    ]);
    const different = issuesOf(() => loadConfig(Service, { NATS_URL: 'nats://u:s3cret-1@a:4222,nats://u:s3cret-2@b' }));
    expect(different[0]?.problem).toContain('different credentials');
    expect(JSON.stringify([...twoMethods, ...different])).not.toMatch(/s3cret/);
    const config = loadConfig(Service, { NATS_URL: 'nats://t0ken-value@a:4222,nats://t0ken-value@b:4222' });
    expect(redactConfig(config).NATS_URL).toBe('nats://[redacted]@a:4222,nats://[redacted]@b:4222');
  });

  test('NATS_NKEY_SEED_FILE: the seed is read from the file, a file without a seed is refused unquoted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const seed = `SU${'B'.repeat(56)}`;
    writeFileSync(join(dir, 'orders.nk'), `${seed}\n`);
    writeFileSync(join(dir, 'bad.nk'), 'not-a-seed-but-secret\n');
    const config = loadConfig(Service, {
      NATS_URL: 'nats://a:4222',
      NATS_NKEY_SEED_FILE: join(dir, 'orders.nk'),
      NATS_INBOX_PREFIX: '_INBOX.orders',
    });
    expect(natsConnectionSettings(config)).toMatchObject({ nkeySeed: seed, inboxPrefix: '_INBOX.orders' });
    expect(secretValues(config)).toContain(seed);
    expect(redactConfig(config).NATS_NKEY_SEED_FILE).toBe(join(dir, 'orders.nk'));
    const bad = issuesOf(() =>
      loadConfig(Service, { NATS_URL: 'nats://a:4222', NATS_NKEY_SEED_FILE: join(dir, 'bad.nk') }),
    );
    expect(bad).toEqual([expect.objectContaining({ variable: 'NATS_NKEY_SEED_FILE' })]);
    expect(JSON.stringify(bad)).not.toContain('not-a-seed');
    expect(
      issuesOf(() => loadConfig(Service, { NATS_URL: 'nats://a:4222', NATS_INBOX_PREFIX: '_INBOX.*' }))[0]?.variable,
    ).toBe('NATS_INBOX_PREFIX');
  });

  test('DATABASE_PASSWORD_FILE puts its password into the URL; a URL with its own password is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'orders.password');
    writeFileSync(file, 'p@ss/word:1\n');
    const Db = z.object({ ...databaseConfigShape }).superRefine(checkDatabaseConfig);
    const config = loadConfig(Db, { DATABASE_URL: 'postgres://orders@db:5432/trading', DATABASE_PASSWORD_FILE: file });
    const options = databaseOptions(config);
    expect(options.kind === 'pg' && new URL(options.url)).toMatchObject({ username: 'orders', hostname: 'db' });
    expect(options.kind === 'pg' && decodeURIComponent(new URL(options.url).password)).toBe('p@ss/word:1');
    expect(secretValues(config)).toContain('p@ss/word:1');
    expect(
      issuesOf(() => loadConfig(Db, { DATABASE_URL: 'postgres://orders:x@db/trading', DATABASE_PASSWORD_FILE: file })),
    ).toEqual([expect.objectContaining({ variable: 'DATABASE_PASSWORD_FILE' })]);
    expect(issuesOf(() => loadConfig(Db, { DATABASE_PASSWORD_FILE: file }))[0]?.variable).toBe(
      'DATABASE_PASSWORD_FILE',
    );
  });

  test('maskUrlPassword masks credentials anywhere in a text; secretValues finds every secret of a config', () => {
    expect(maskUrlPassword('connect to postgres://app:pw1@db/x?sslmode=require&password=pw2 failed')).toBe(
      'connect to postgres://app:[redacted]@db/x?sslmode=require&password=[redacted] failed',
    );
    expect(maskUrlPassword('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(
      secretValues({
        DATABASE_URL: 'postgres://app:p%40ss@db/x',
        NATS_URL: 'nats://tok123@a:4222',
        NATS_PASSWORD: 'np',
        LOG_LEVEL: 'info',
      }).sort(),
    ).toEqual(['np', 'p%40ss', 'p@ss', 'tok123'].sort());
  });

  test('all fragments compose into one service schema with both cross-field checks', () => {
    const All = z
      .object({ ...logConfigShape, ...natsConfigShape, ...databaseConfigShape, ...workerShape })
      .superRefine((c, ctx) => {
        checkNatsConfig(c, ctx);
        checkWorker(c, ctx);
      });
    const issues = issuesOf(() => loadConfig(All, { WORKER_ID: '1', WORKER_PORT: '4001', NATS_USER: 'u' }));
    expect(issues.map((i) => i.variable).sort()).toEqual(['NATS_PASSWORD', 'NATS_USER', 'WORKER_PORT']);
    expect(loadConfig(All, { WORKER_ID: '1' }).WORKER_MODE).toBe('paper');
  });
});
