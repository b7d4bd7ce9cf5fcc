/**
 * `npm run secrets [-- --dir <dir>] [--tls] [--force]`: every credential docker compose uses, generated into a
 * git-ignored directory (default `.secrets/`), never committed, never printed:
 *
 *   nats/<user>.nk          the NKey seed of each NATS user of infra/nats/permissions.ts (a Docker secret)
 *   nats/users.env          their public keys, NATS_NKEY_<USER>=U..., read by the nats container (env_file)
 *   nats/<user>.env         for people: NATS_NKEY_SEED_FILE and NATS_INBOX_PREFIX of client, operator, dashboard,
 *                           e.g. `set -a; . .secrets/nats/operator.env; set +a` before the CLI
 *   postgres/<role>.password  the Postgres superuser's and each service role's password (Docker secrets)
 *   grafana/admin.password    the observability profile's Grafana admin password (a Docker secret)
 *   dashboard/token           the token the dashboard container requires (it listens beyond loopback in its
 *                             container); open http://127.0.0.1:8686/?token=<its content>
 *   alpaca/sim-keys.json      the API keys alpaca-sim accepts and gateway-alpaca presents in the `alpaca` profile
 *                             (JSON {"keyId","secretKey"}, gateway-alpaca's secrets-file format); Alpaca's own keys
 *                             are yours to put in a file of that form (ALPACA_KEYS_FILE in .env), never made here
 *   nats/tls/               with --tls: a CA and a server certificate for nats (needs openssl)
 *
 * Existing files are kept (so a running deployment keeps working); --force replaces them. The directory is 0700,
 * the files 0644 inside it: readable by the non-root users of the containers they are mounted into, by nobody else
 * on this machine.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createUserNkey, publicKeyOfSeed } from '@trading-system/bus';
import { inboxPrefixOf, NATS_USERS, type NatsUser, nkeyVariableOf, SERVICE_USERS } from './nats/permissions.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Postgres roles: the image's superuser (administration only) and one login role per service with a database. */
export const POSTGRES_ROLES = ['superuser', 'orders', 'history', 'gateway-paper'] as const;
export type PostgresRole = (typeof POSTGRES_ROLES)[number];

export interface SecretsOptions {
  /** Where to write (default .secrets under the repository root). */
  readonly dir?: string;
  /** Also a CA and a server certificate for TLS on nats (openssl). */
  readonly tls?: boolean;
  /** Replace existing files (rotates every credential: restart the whole deployment afterwards). */
  readonly force?: boolean;
  /** Host names the server certificate is valid for (default nats, localhost, 127.0.0.1). */
  readonly tlsNames?: readonly string[];
}

export interface SecretsResult {
  readonly dir: string;
  readonly written: string[];
  readonly kept: string[];
}

export const natsSeedFile = (dir: string, user: NatsUser): string => join(dir, 'nats', `${user}.nk`);
export const postgresPasswordFile = (dir: string, role: PostgresRole): string =>
  join(dir, 'postgres', `${role}.password`);

export const grafanaPasswordFile = (dir: string): string => join(dir, 'grafana', 'admin.password');
export const dashboardTokenFile = (dir: string): string => join(dir, 'dashboard', 'token');
export const alpacaSimKeysFile = (dir: string): string => join(dir, 'alpaca', 'sim-keys.json');

export function generateSecrets(options: SecretsOptions = {}): SecretsResult {
  const dir = resolve(options.dir ?? join(ROOT, '.secrets'));
  const written: string[] = [];
  const kept: string[] = [];
  const write = (path: string, content: string): void => {
    writeFileSync(path, content, { mode: 0o644 });
    chmodSync(path, 0o644);
    written.push(path);
  };
  const ensure = (path: string, make: () => string): string => {
    if (existsSync(path) && options.force !== true) {
      kept.push(path);
      return readFileSync(path, 'utf8');
    }
    const content = make();
    write(path, content);
    return content;
  };
  for (const sub of ['', 'nats', 'postgres', 'grafana', 'dashboard', 'alpaca']) {
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
  }
  chmodSync(dir, 0o700);

  const publicKeys = NATS_USERS.map((user) => {
    const seed = ensure(natsSeedFile(dir, user), () => `${createUserNkey().seed}\n`);
    return `${nkeyVariableOf(user)}=${publicKeyOfSeed(seed)}`;
  });
  // Derived from the seeds every time: never out of step with them.
  write(join(dir, 'nats', 'users.env'), `${publicKeys.join('\n')}\n`);
  for (const user of NATS_USERS) {
    if ((SERVICE_USERS as readonly string[]).includes(user)) continue;
    write(
      join(dir, 'nats', `${user}.env`),
      `NATS_NKEY_SEED_FILE=${natsSeedFile(dir, user)}\nNATS_INBOX_PREFIX=${inboxPrefixOf(user)}\n`,
    );
  }
  for (const role of POSTGRES_ROLES) {
    // URL-safe: it may end up in a connection string.
    ensure(postgresPasswordFile(dir, role), () => `${randomBytes(24).toString('base64url')}\n`);
  }
  // No trailing newline: Grafana takes a __FILE variable's content as it is.
  ensure(grafanaPasswordFile(dir), () => randomBytes(24).toString('base64url'));
  // URL-safe: the operator opens the dashboard with it in the address (?token=).
  ensure(dashboardTokenFile(dir), () => `${randomBytes(24).toString('base64url')}\n`);
  // Shaped like Alpaca's keys (an id of capitals and digits, a longer secret): the sim's, not Alpaca's.
  ensure(alpacaSimKeysFile(dir), () => {
    const keyId = `PKSIM${randomBytes(10).toString('hex').toUpperCase()}`.slice(0, 20);
    return `${JSON.stringify({ keyId, secretKey: randomBytes(30).toString('base64url') })}\n`;
  });
  if (options.tls === true) {
    const tls = join(dir, 'nats', 'tls');
    mkdirSync(tls, { recursive: true, mode: 0o700 });
    if (!existsSync(join(tls, 'server.pem')) || options.force === true) {
      written.push(...makeCertificates(tls, options.tlsNames ?? ['nats', 'localhost', '127.0.0.1']));
    } else kept.push(join(tls, 'server.pem'));
  }
  return { dir, written, kept };
}

/** A self-signed CA and a server certificate it signs (SANs = names), with openssl. */
function makeCertificates(dir: string, names: readonly string[]): string[] {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const f = (name: string) => join(dir, name);
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-days',
    '825',
    '-subj',
    '/CN=trading-system NATS CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  openssl('req', ...key, '-subj', `/CN=${names[0] ?? 'nats'}`, '-keyout', f('server.key'), '-out', f('server.csr'));
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(f('server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '825',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.pem'),
  );
  const files = ['ca.pem', 'ca.key', 'server.pem', 'server.key'].map(f);
  for (const file of files) chmodSync(file, 0o644);
  // The CA key signs certificates; it is mounted nowhere.
  chmodSync(f('ca.key'), 0o600);
  return files;
}

function main(argv: readonly string[]): void {
  const flag = (name: string) => argv.includes(name);
  const dirAt = argv.indexOf('--dir');
  const dir = dirAt >= 0 ? argv[dirAt + 1] : undefined;
  const result = generateSecrets({
    ...(dir === undefined ? {} : { dir }),
    tls: flag('--tls'),
    force: flag('--force'),
  });
  const shown = (p: string) => p.replace(`${result.dir}/`, '');
  process.stdout.write(
    `secrets in ${result.dir} (git-ignored; values are never printed)\n` +
      `  written: ${result.written.map(shown).join(', ') || 'none'}\n` +
      `  kept:    ${result.kept.map(shown).join(', ') || 'none'} (--force replaces them)\n` +
      'next: docker compose --profile sim up -d (add --profile paper, --profile alpaca for those brokers);\n' +
      'for the CLI or SDK on this machine:\n' +
      `  set -a; . ${join(result.dir, 'nats', 'client.env')}; set +a   (or operator.env, dashboard.env)\n` +
      `the dashboard: http://127.0.0.1:8686/?token=<content of ${dashboardTokenFile(result.dir)}>\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
