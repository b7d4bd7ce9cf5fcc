/**
 * Turns validated config into connection settings, so every service wires NATS and storage the same way.
 * The NATS settings use nats.js option names; `@trading-system/bus`'s connectNats takes them.
 */
import type { DatabaseOptions } from '@trading-system/storage';
import type { DatabaseConfig, NatsConfig } from './config-shapes.js';

export interface NatsConnectionSettings {
  readonly servers: readonly string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** NKey user seed (SU...); the bus turns it into an authenticator. */
  readonly nkeySeed?: string;
  /** Path to a .creds file (JWT + seed); the bus turns it into an authenticator. */
  readonly credsFile?: string;
  /** Present when any TLS file is set, or when a server URL uses tls://. Paths, read by the bus. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Bounded: after this many failed attempts the connection closes for good and the service calls fatal(). */
  readonly maxReconnectAttempts: number;
  readonly reconnectTimeWaitMs: number;
}

/** Undefined when NATS_URL is unset: the service runs with the embedded in-process bus. */
export function natsConnectionSettings(config: NatsConfig): NatsConnectionSettings | undefined {
  if (config.NATS_URL === undefined) return undefined;
  const servers = config.NATS_URL.split(',').map((s) => s.trim());
  const wantsTls =
    config.NATS_TLS_CA !== undefined ||
    config.NATS_TLS_CERT !== undefined ||
    servers.some((s) => s.startsWith('tls://'));
  return {
    servers,
    ...(config.NATS_USER === undefined ? {} : { user: config.NATS_USER }),
    ...(config.NATS_PASSWORD === undefined ? {} : { pass: config.NATS_PASSWORD }),
    ...(config.NATS_TOKEN === undefined ? {} : { token: config.NATS_TOKEN }),
    ...(config.NATS_NKEY_SEED === undefined ? {} : { nkeySeed: config.NATS_NKEY_SEED }),
    ...(config.NATS_CREDS_FILE === undefined ? {} : { credsFile: config.NATS_CREDS_FILE }),
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

/** pg when DATABASE_URL is set, else PGlite in PGLITE_DATA_DIR. */
export function databaseOptions(config: DatabaseConfig, applicationName?: string): DatabaseOptions {
  if (config.DATABASE_URL !== undefined) {
    return {
      kind: 'pg',
      url: config.DATABASE_URL,
      poolMax: config.DATABASE_POOL_MAX,
      ...(applicationName === undefined ? {} : { applicationName }),
    };
  }
  return { kind: 'pglite', dataDir: config.PGLITE_DATA_DIR };
}
