import { readFile } from 'node:fs/promises';
import {
  type Authenticator,
  credsAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
  PermissionViolationError,
} from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { BusLogger } from './bus-context.js';
import { BusConnectionError } from './errors.js';

/**
 * How a service reaches NATS. Parsed from the service's config (see libs/runtime); secrets have no defaults and
 * are never logged (server URLs are logged with any `user:pass@` part redacted).
 */
export interface NatsConnectionConfig {
  /** One or more server URLs, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server's monitoring, e.g. the service name. */
  readonly name: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** NKey seed (`SU...`), for nkey authentication. */
  readonly nkeySeed?: string;
  /** Path of a `.creds` file (JWT + NKey seed), for decentralised auth. */
  readonly credsFile?: string;
  /**
   * Prefix of this connection's reply inboxes (requests and JetStream pulls); default `_INBOX`. The NATS users of
   * infra/nats may only receive on `_INBOX.<user>.>`, so no one reads another's replies.
   */
  readonly inboxPrefix?: string;
  /**
   * The bus namespace of this connection (BUS_NAMESPACE): see BusOptions.namespace. Not a connection option of
   * nats.js; it travels here so that every service's config reaches its bus the same way as the inbox prefix.
   */
  readonly namespace?: string;
  /** TLS; a CA file alone verifies the server, cert + key add client authentication. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Reconnect attempts per server once connected before giving up for good (default 60; -1 forever). */
  readonly maxReconnectAttempts?: number;
  /** Wait between reconnect attempts to one server, ms (default 2000). */
  readonly reconnectTimeWaitMs?: number;
  /** Timeout of the first connection, ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * Keep trying the first connection (maxReconnectAttempts times, reconnectTimeWaitMs apart, each logged) instead of
   * failing at once: a service started while NATS restarts, or on a machine too busy to finish the handshake in
   * time, waits for it. A refused login still fails at once (waiting would not fix it). Default false (clients).
   */
  readonly waitOnFirstConnect?: boolean;
}

export type NatsConnectionEvent =
  | { readonly type: 'disconnected'; readonly server: string }
  | { readonly type: 'reconnecting' }
  | { readonly type: 'reconnected'; readonly server: string }
  | { readonly type: 'error'; readonly error: Error }
  | { readonly type: 'closed'; readonly error: BusConnectionError | undefined };

export interface NatsConnected {
  readonly nc: NatsConnection;
  /**
   * Resolves when the connection is closed for good: `undefined` after an orderly drain/close, a
   * BusConnectionError when it was lost (reconnect attempts exhausted, auth revoked). A service runtime awaits it
   * and exits non-zero on an error instead of running on without a bus.
   */
  readonly closed: Promise<BusConnectionError | undefined>;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

async function authenticators(cfg: NatsConnectionConfig): Promise<Authenticator[]> {
  const out: Authenticator[] = [];
  if (cfg.nkeySeed !== undefined) out.push(nkeyAuthenticator(new TextEncoder().encode(cfg.nkeySeed)));
  if (cfg.credsFile !== undefined) out.push(credsAuthenticator(await readFile(cfg.credsFile)));
  return out;
}

export async function connectNats(
  cfg: NatsConnectionConfig,
  log: BusLogger,
  onEvent: (e: NatsConnectionEvent) => void = () => undefined,
): Promise<NatsConnected> {
  const servers = typeof cfg.servers === 'string' ? [cfg.servers] : [...cfg.servers];
  const where = servers.map(redactUrl).join(',');
  const auth = await authenticators(cfg);
  const options: NodeConnectionOptions = {
    servers,
    name: cfg.name,
    maxReconnectAttempts: cfg.maxReconnectAttempts ?? 60,
    reconnectTimeWait: cfg.reconnectTimeWaitMs ?? 2000,
    timeout: cfg.connectTimeoutMs ?? 5000,
    // Without it every request builds an Error up front for its stack trace (a measurable share of a request's
    // cost in the order round trip); our errors say which subject failed, which is what the trace gave.
    noAsyncTraces: true,
    ...(cfg.user === undefined ? {} : { user: cfg.user }),
    ...(cfg.pass === undefined ? {} : { pass: cfg.pass }),
    ...(cfg.token === undefined ? {} : { token: cfg.token }),
    ...(auth.length === 0 ? {} : { authenticator: auth }),
    ...(cfg.tls === undefined ? {} : { tls: { ...cfg.tls } }),
    ...(cfg.inboxPrefix === undefined ? {} : { inboxPrefix: cfg.inboxPrefix }),
  };
  let nc: NatsConnection;
  const attempts = cfg.waitOnFirstConnect === true ? Math.max(1, (cfg.maxReconnectAttempts ?? 60) + 1) : 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      nc = await connect(options);
      break;
    } catch (err) {
      const refused = /authoriz|authentication|permission/i.test((err as Error).message);
      if (attempt >= attempts || refused)
        throw new BusConnectionError(`cannot connect to NATS at ${where}: ${(err as Error).message}`, { cause: err });
      log.warn({ server: where, attempt, err }, 'NATS not reachable yet; trying again');
      await new Promise((resolve) => setTimeout(resolve, cfg.reconnectTimeWaitMs ?? 2000));
    }
  }
  let lost = false;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        lost = true;
        log.warn({ server: redactUrl(s.server) }, 'NATS disconnected');
        onEvent({ type: 'disconnected', server: redactUrl(s.server) });
      } else if (s.type === 'reconnecting') {
        onEvent({ type: 'reconnecting' });
      } else if (s.type === 'reconnect') {
        lost = false;
        log.warn({ server: redactUrl(s.server) }, 'NATS reconnected');
        onEvent({ type: 'reconnected', server: redactUrl(s.server) });
      } else if (s.type === 'error' && s.error instanceof PermissionViolationError) {
        // A refused publish or subscribe: the user's permissions (infra/nats), not a broken connection.
        log.warn(
          { operation: s.error.operation, subject: s.error.subject, queue: s.error.queue },
          'NATS refused this for our user (permissions)',
        );
        onEvent({ type: 'error', error: s.error });
      } else if (s.type === 'error') {
        log.error({ err: s.error }, 'NATS connection error');
        onEvent({ type: 'error', error: s.error });
      }
    }
  })().catch((err: unknown) => log.error({ err }, 'NATS status monitor failed'));
  const closed = nc.closed().then((err) => {
    const error =
      err instanceof Error
        ? new BusConnectionError(`NATS connection to ${where} closed: ${err.message}`, { cause: err })
        : lost
          ? new BusConnectionError(`NATS connection to ${where} lost: reconnect attempts exhausted`)
          : undefined;
    if (error !== undefined) log.error({ err: error }, 'NATS connection closed for good');
    onEvent({ type: 'closed', error });
    return error;
  });
  return { nc, closed };
}
