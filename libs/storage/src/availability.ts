/**
 * "The database cannot be reached" as one typed error, and waiting for the database to come back.
 *
 * Every failure that means the server is unreachable (refused or reset connection, a connection that died inside a
 * transaction, the server shutting down or not yet accepting connections, a connect timeout) surfaces from the pg
 * backend as DatabaseUnavailableError, whose `code` is the registry code SERVICE_UNAVAILABLE: a request handler
 * that lets it propagate answers with a typed, retryable refusal instead of an internal error, and a consumer knows
 * to hold its message rather than spend deliveries on an outage. Errors that retrying cannot fix (bad password,
 * unknown database, constraint violations) are left as they are.
 */
import { ContractError } from '@trading-system/contracts';
import { sql } from 'kysely';
import type { Database } from './create-database.js';

/**
 * A ContractError with the registry code SERVICE_UNAVAILABLE (retryable), so whatever turns typed errors into replies
 * (a handler's catch, the bus) answers with it; the driver's error is kept as `cause`.
 */
export class DatabaseUnavailableError extends ContractError {
  override readonly name = 'DatabaseUnavailableError';

  constructor(options: { cause: unknown }) {
    super('SERVICE_UNAVAILABLE', `database unreachable: ${describe(options.cause)}`, options);
  }
}

/** Node socket errors of an unreachable or vanished server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception), admin/crash shutdown, cannot connect
 * now (starting up or shutting down), too many connections.
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** pg's own texts for a connection that ended or never came up (they carry no code). */
const PG_CONNECTION_TEXTS = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/i,
  /^Connection timeout/i,
  /is not queryable/,
  /^Client was closed/,
  /connection error/i,
];

/** True when `err` (or an error in its cause chain) means the database server cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    if (current instanceof DatabaseUnavailableError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code)) return isUnavailableSqlState(code);
    }
    if (PG_CONNECTION_TEXTS.some((re) => re.test((current as Error).message))) return true;
    if (current instanceof AggregateError && current.errors.some((e) => isDatabaseUnavailable(e))) return true;
    current = current.cause;
  }
  return false;
}

/** `err` as a DatabaseUnavailableError when it means one, else unchanged. */
export function classifyDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isDatabaseUnavailable(err)) return err;
  return new DatabaseUnavailableError({ cause: err });
}

export interface WaitForDatabaseOptions {
  /** Ends the wait (rejecting with the signal's reason), e.g. the service's shutdown signal. */
  readonly signal?: AbortSignal;
  /** Called before each pause, for a progress log line. */
  readonly onRetry?: (progress: { attempt: number; delayMs: number; err: DatabaseUnavailableError }) => void;
  /** First pause, doubled after each failed attempt up to maxDelayMs. Default 250 / 5 000 ms. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Resolves once the database answers a trivial query; while it is unreachable, retries with exponential backoff
 * (calling onRetry each time). Rethrows at once any error that is not unavailability (bad credentials, no such
 * database): waiting would not fix those.
 */
export async function waitForDatabase<DB>(database: Database<DB>, options: WaitForDatabaseOptions = {}): Promise<void> {
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  let delayMs = options.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      await sql`select 1`.execute(database.db);
      return;
    } catch (err) {
      const classified = classifyDatabaseError(err);
      if (!(classified instanceof DatabaseUnavailableError)) throw classified;
      options.onRetry?.({ attempt, delayMs, err: classified });
    }
    await pause(delayMs, options.signal);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describe(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
