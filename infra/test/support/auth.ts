/** Test support for the authorised bus: generated users, a private nats-server running infra/nats/auth.conf. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateNats, type PrivateNatsOptions, startPrivateNats } from '@trading-system/testkit';
import { AUTH_CONF_PATH } from '../../nats/config.js';
import { inboxPrefixOf, type NatsUser } from '../../nats/permissions.js';
import { generateSecrets, natsSeedFile } from '../../secrets.js';

export interface AuthSecrets {
  readonly dir: string;
  /** NATS_NKEY_* public keys, as the nats container gets them. */
  readonly serverEnv: Readonly<Record<string, string>>;
  /** The NATS variables a process connecting as `user` sets (seed file and inbox prefix). */
  natsEnv(user: NatsUser): Record<string, string>;
  seed(user: NatsUser): string;
}

/** Fresh credentials in a temporary directory, made by the same code as `npm run secrets`. */
export function makeSecrets(options: { tls?: boolean } = {}): AuthSecrets {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  generateSecrets({ dir, ...(options.tls === undefined ? {} : { tls: options.tls }) });
  const serverEnv = Object.fromEntries(
    readFileSync(join(dir, 'nats', 'users.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split('=', 2) as [string, string]),
  );
  return {
    dir,
    serverEnv,
    natsEnv: (user) => ({ NATS_NKEY_SEED_FILE: natsSeedFile(dir, user), NATS_INBOX_PREFIX: inboxPrefixOf(user) }),
    seed: (user) => readFileSync(natsSeedFile(dir, user), 'utf8').trim(),
  };
}

/** A private nats-server with the committed infra/nats/auth.conf and these users' public keys. */
export function startAuthNats(secrets: AuthSecrets, extra: Pick<PrivateNatsOptions, 'config' | 'files'> = {}) {
  return startPrivateNats({
    config: `include "auth.conf"\n${extra.config ?? ''}`,
    files: { 'auth.conf': readFileSync(AUTH_CONF_PATH, 'utf8'), ...extra.files },
    env: secrets.serverEnv,
  }) as Promise<PrivateNats>;
}
