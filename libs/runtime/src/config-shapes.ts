/**
 * Reusable zod fragments for service configuration. Spread the shapes into one `z.object({...})` and add the
 * matching cross-field checks with `.superRefine(...)`. Every field carries a `.describe()` text that loadConfig
 * prints as the hint when the variable is wrong.
 *
 * Conventions: an empty variable counts as unset; secrets (passwords, tokens, seeds) never have defaults and are
 * never echoed; cross-field checks run once every single field is valid (zod skips object refinements otherwise).
 */
import { existsSync, readFileSync } from 'node:fs';
import { NAMESPACE_PATTERN } from '@trading-system/bus';
import { z } from 'zod';

const blankToUndefined = (value: unknown): unknown => (value === '' ? undefined : value);

/** An optional variable; '' counts as unset. */
export function optionalEnv<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema.optional());
}

/** A variable with a default; '' counts as unset. */
export function defaultedEnv<T extends z.ZodType>(schema: T, value: z.output<T>) {
  return z.preprocess(blankToUndefined, schema.default(value as never));
}

/** A required variable; '' counts as unset. */
export function requiredEnv<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema);
}

const intEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const existingFile = z.string().refine((path) => existsSync(path), { message: 'file not found' });

const NATS_URL_PATTERN = /^(nats|tls|ws|wss):\/\/[^\s,]+$/;
const NKEY_SEED_PATTERN = /^SU[A-Z2-7]{56}$/;
const INBOX_PREFIX_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export const natsConfigShape = {
  NATS_URL: optionalEnv(
    z.string().refine((v) => v.split(',').every((url) => NATS_URL_PATTERN.test(url.trim())), {
      message: 'expected nats://host:port (comma-separated for a cluster)',
    }),
  ).describe(
    'NATS server URL(s), comma-separated, e.g. nats://127.0.0.1:4222; unset = embedded in-process bus. ' +
      'Credentials in it (nats://user:password@host, nats://token@host) are used like NATS_USER/NATS_PASSWORD ' +
      'or NATS_TOKEN',
  ),
  NATS_USER: optionalEnv(z.string()).describe('NATS user name; requires NATS_PASSWORD'),
  NATS_PASSWORD: optionalEnv(z.string()).describe('NATS password for NATS_USER (secret, no default)'),
  NATS_TOKEN: optionalEnv(z.string()).describe('NATS auth token (secret, no default)'),
  NATS_NKEY_SEED: optionalEnv(
    z.string().regex(NKEY_SEED_PATTERN, { message: 'expected an NKey user seed (58 characters starting SU)' }),
  ).describe('NATS NKey user seed, SU... (secret, no default)'),
  NATS_NKEY_SEED_FILE: optionalEnv(existingFile).describe(
    'path to a file holding the NATS NKey user seed (what `npm run nats:users` writes, a Docker secret in compose)',
  ),
  NATS_CREDS_FILE: optionalEnv(existingFile).describe('path to a NATS .creds file (JWT + NKey seed)'),
  NATS_INBOX_PREFIX: optionalEnv(
    z.string().regex(INBOX_PREFIX_PATTERN, { message: 'expected dot-separated tokens without wildcards' }),
  ).describe(
    'prefix of reply inboxes (default _INBOX); the users of infra/nats may only receive on _INBOX.<user>, ' +
      'so set _INBOX.<user> when connecting as one of them',
  ),
  BUS_NAMESPACE: optionalEnv(
    z.string().regex(NAMESPACE_PATTERN, { message: "expected 1-32 letters, digits, '_' or '-'" }),
  ).describe(
    'which system on a shared NATS server this is: subjects become <ns>.<subject>, streams <ns>_<NAME>; every ' +
      'service and client of one system must use the same value (default none: plain subjects and stream names)',
  ),
  NATS_TLS_CA: optionalEnv(existingFile).describe('path to the CA certificate (PEM) that signed the NATS server'),
  NATS_TLS_CERT: optionalEnv(existingFile).describe('path to the client certificate (PEM) for mutual TLS'),
  NATS_TLS_KEY: optionalEnv(existingFile).describe('path to the client private key (PEM) for NATS_TLS_CERT'),
  NATS_MAX_RECONNECTS: defaultedEnv(intEnv(0, 100_000), 60).describe(
    'reconnect attempts before the service gives up and exits non-zero (bounded on purpose; default 60)',
  ),
  NATS_RECONNECT_WAIT_MS: defaultedEnv(intEnv(100, 600_000), 2_000).describe(
    'milliseconds between reconnect attempts (default 2000)',
  ),
};
export type NatsConfig = z.output<z.ZodObject<typeof natsConfigShape>>;

/** Credentials written into server URLs; `distinct` > 1 when the URLs disagree. */
export interface UrlCredentials {
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly distinct: number;
}

/** Splits `nats://user:pass@host` / `nats://token@host` into credentials and bare server URLs. */
export function splitNatsUrls(natsUrl: string): { servers: string[]; credentials: UrlCredentials | undefined } {
  const seen = new Set<string>();
  let credentials: UrlCredentials | undefined;
  const servers = natsUrl.split(',').map((raw) => {
    const url = raw.trim();
    const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(url);
    if (m === null) return url;
    const [, scheme = '', userinfo = '', rest = ''] = m;
    seen.add(userinfo);
    const colon = userinfo.indexOf(':');
    credentials =
      colon >= 0
        ? { user: decode(userinfo.slice(0, colon)), pass: decode(userinfo.slice(colon + 1)), distinct: 0 }
        : { token: decode(userinfo), distinct: 0 };
    return `${scheme}${rest}`;
  });
  return { servers, credentials: credentials === undefined ? undefined : { ...credentials, distinct: seen.size } };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The NKey seed in NATS_NKEY_SEED_FILE (trimmed), or undefined when unreadable. */
export function readSeedFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Cross-field NATS rules: one auth method (credentials inside NATS_URL count as one), user with password, cert with
 * key, a readable seed file, nothing set without a URL. Messages never quote a credential.
 */
export function checkNatsConfig(config: NatsConfig, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
  if ((config.NATS_USER === undefined) !== (config.NATS_PASSWORD === undefined)) {
    issue(config.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD', 'NATS_USER and NATS_PASSWORD go together');
  }
  const inUrl = config.NATS_URL === undefined ? undefined : splitNatsUrls(config.NATS_URL).credentials;
  if (inUrl !== undefined && inUrl.distinct > 1) {
    issue('NATS_URL', 'the server URLs carry different credentials; give them once (or in NATS_USER/NATS_PASSWORD)');
  }
  const methods = [
    inUrl !== undefined && 'credentials in NATS_URL',
    config.NATS_USER !== undefined && 'NATS_USER/NATS_PASSWORD',
    config.NATS_TOKEN !== undefined && 'NATS_TOKEN',
    config.NATS_NKEY_SEED !== undefined && 'NATS_NKEY_SEED',
    config.NATS_NKEY_SEED_FILE !== undefined && 'NATS_NKEY_SEED_FILE',
    config.NATS_CREDS_FILE !== undefined && 'NATS_CREDS_FILE',
  ].filter((m): m is string => m !== false);
  if (methods.length > 1) {
    issue(inUrl === undefined ? 'NATS_TOKEN' : 'NATS_URL', `choose one NATS auth method, got ${methods.join(' + ')}`);
  }
  if (config.NATS_NKEY_SEED_FILE !== undefined) {
    const seed = readSeedFile(config.NATS_NKEY_SEED_FILE);
    if (seed === undefined || !NKEY_SEED_PATTERN.test(seed)) {
      issue('NATS_NKEY_SEED_FILE', 'the file does not hold an NKey user seed (58 characters starting SU)');
    }
  }
  if ((config.NATS_TLS_CERT === undefined) !== (config.NATS_TLS_KEY === undefined)) {
    issue(
      config.NATS_TLS_CERT === undefined ? 'NATS_TLS_CERT' : 'NATS_TLS_KEY',
      'NATS_TLS_CERT and NATS_TLS_KEY go together',
    );
  }
  if (config.NATS_URL === undefined) {
    // BUS_NAMESPACE is no connection setting: an embedded system is a namespace of its own already, so one set for a
    // whole environment (a test file's, a shell's) is harmless there.
    const optionalKeys = Object.keys(natsConfigShape).filter(
      (k) => k !== 'NATS_URL' && k !== 'NATS_MAX_RECONNECTS' && k !== 'NATS_RECONNECT_WAIT_MS' && k !== 'BUS_NAMESPACE',
    ) as Array<keyof NatsConfig>;
    const stray = optionalKeys.filter((k) => config[k] !== undefined);
    for (const key of stray) issue(key, 'is set but NATS_URL is not (embedded mode would ignore it); set NATS_URL');
  }
}

/** The NATS variables alone, checked: for clients (SDK, healthcheck) that read only these. */
export const NatsOnlyConfig = z.object(natsConfigShape).superRefine(checkNatsConfig);

export const databaseConfigShape = {
  DATABASE_URL: optionalEnv(
    z.string().refine(isPostgresUrl, { message: 'expected postgres://user:password@host:port/database' }),
  ).describe('PostgreSQL URL, e.g. postgres://app@127.0.0.1:5432/trading; unset = embedded PGlite'),
  DATABASE_PASSWORD_FILE: optionalEnv(existingFile).describe(
    'path to a file holding the password of the DATABASE_URL user (a Docker secret in compose); the URL then has none',
  ),
  DATABASE_POOL_MAX: defaultedEnv(intEnv(1, 1_000), 10).describe('PostgreSQL pool size per service (default 10)'),
  PGLITE_DATA_DIR: defaultedEnv(z.string(), '.data/pglite').describe(
    'PGlite data directory used when DATABASE_URL is unset (default .data/pglite)',
  ),
};
export type DatabaseConfig = z.output<z.ZodObject<typeof databaseConfigShape>>;

function isPostgresUrl(value: string): boolean {
  if (!/^postgres(ql)?:\/\//.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** DATABASE_PASSWORD_FILE needs a DATABASE_URL without a password of its own. */
export function checkDatabaseConfig(config: DatabaseConfig, ctx: z.RefinementCtx): void {
  if (config.DATABASE_PASSWORD_FILE === undefined) return;
  const issue = (message: string): void => ctx.addIssue({ code: 'custom', path: ['DATABASE_PASSWORD_FILE'], message });
  if (config.DATABASE_URL === undefined) issue('is set but DATABASE_URL is not; set DATABASE_URL (without password)');
  else if (new URL(config.DATABASE_URL).password !== '') issue('DATABASE_URL has a password too; give it in one place');
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logConfigShape = {
  LOG_LEVEL: defaultedEnv(z.enum(LOG_LEVELS), 'info').describe(`one of ${LOG_LEVELS.join(', ')} (default info)`),
  LOG_PRETTY: defaultedEnv(z.stringbool(), false).describe(
    'true for human-readable logs in development (default false: JSON)',
  ),
};
export type LogConfig = z.output<z.ZodObject<typeof logConfigShape>>;
