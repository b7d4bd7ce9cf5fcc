/**
 * Turns validated config into connection settings, so every service wires NATS and storage the same way.
 * The NATS settings use nats.js option names; `@trading-system/bus`'s connectNats takes them.
 */

import { readFileSync } from 'node:fs';
import type { DatabaseOptions } from '@trading-system/storage';
import { type DatabaseConfig, type NatsConfig, readSeedFile, splitNatsUrls } from './config-shapes.js';

export interface NatsConnectionSettings {
  readonly servers: readonly string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** NKey user seed (SU...); the bus turns it into an authenticator. */
  readonly nkeySeed?: string;
  /** Path to a .creds file (JWT + seed); the bus turns it into an authenticator. */
  readonly credsFile?: string;
  /** Reply inbox prefix (NATS_INBOX_PREFIX); undefined = nats.js's _INBOX. */
  readonly inboxPrefix?: string;
  /** Bus namespace (BUS_NAMESPACE); undefined = plain subjects and stream names. */
  readonly namespace?: string;
  /** Present when any TLS file is set, or when a server URL uses tls://. Paths, read by the bus. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Bounded: after this many failed attempts the connection closes for good and the service calls fatal(). */
  readonly maxReconnectAttempts: number;
  readonly reconnectTimeWaitMs: number;
}

/**
 * Undefined when NATS_URL is unset: the service runs with the embedded in-process bus. Credentials written into
 * NATS_URL are taken out of the server URLs and used as user/password (or token); checkNatsConfig has made sure
 * they are the only auth method.
 */
export function natsConnectionSettings(config: NatsConfig): NatsConnectionSettings | undefined {
  if (config.NATS_URL === undefined) return undefined;
  const { servers, credentials: inUrl } = splitNatsUrls(config.NATS_URL);
  const user = config.NATS_USER ?? inUrl?.user;
  const pass = config.NATS_PASSWORD ?? inUrl?.pass;
  const token = config.NATS_TOKEN ?? inUrl?.token;
  const nkeySeed =
    config.NATS_NKEY_SEED ??
    (config.NATS_NKEY_SEED_FILE === undefined ? undefined : readSeedFile(config.NATS_NKEY_SEED_FILE));
  const wantsTls =
    config.NATS_TLS_CA !== undefined ||
    config.NATS_TLS_CERT !== undefined ||
    servers.some((s) => s.startsWith('tls://'));
  return {
    servers,
    ...(user === undefined ? {} : { user }),
    ...(pass === undefined ? {} : { pass }),
    ...(token === undefined ? {} : { token }),
    ...(nkeySeed === undefined ? {} : { nkeySeed }),
    ...(config.NATS_CREDS_FILE === undefined ? {} : { credsFile: config.NATS_CREDS_FILE }),
    ...(config.NATS_INBOX_PREFIX === undefined ? {} : { inboxPrefix: config.NATS_INBOX_PREFIX }),
    ...(config.BUS_NAMESPACE === undefined ? {} : { namespace: config.BUS_NAMESPACE }),
    ...(wantsTls
      ? {
          tls: {
            ...(config.NATS_TLS_CA === undefined ? {} : { caFile: config.NATS_TLS_CA }),
            ...(config.NATS_TLS_CERT === undefined ? {} : { certFile: config.NATS_TLS_CERT }),
            ...(config.NATS_TLS_KEY === undefined ? {} : { keyFile: config.NATS_TLS_KEY }),
          },
        }
      : {}),
    maxReconnectAttempts: config.NATS_MAX_RECONNECTS,
    reconnectTimeWaitMs: config.NATS_RECONNECT_WAIT_MS,
  };
}

/** pg when DATABASE_URL is set (with DATABASE_PASSWORD_FILE's password put in), else PGlite in PGLITE_DATA_DIR. */
export function databaseOptions(
  config: DatabaseConfig,
  applicationName?: string,
  /** pg only: told when a pooled connection loses its server (log it; the next query opens a new one). */
  onConnectionLost?: (err: Error) => void,
): DatabaseOptions {
  if (config.DATABASE_URL !== undefined) {
    let url = config.DATABASE_URL;
    if (config.DATABASE_PASSWORD_FILE !== undefined) {
      const withPassword = new URL(url);
      withPassword.password = encodeURIComponent(readFileSync(config.DATABASE_PASSWORD_FILE, 'utf8').trim());
      url = withPassword.href;
    }
    return {
      kind: 'pg',
      url,
      poolMax: config.DATABASE_POOL_MAX,
      ...(applicationName === undefined ? {} : { applicationName }),
      ...(onConnectionLost === undefined ? {} : { onIdleClientError: onConnectionLost }),
    };
  }
  return { kind: 'pglite', dataDir: config.PGLITE_DATA_DIR };
}
