/**
 * Start-up of a service that owns a database: wait for the database instead of exiting, and answer meanwhile.
 *
 * While the database is unreachable, every request subject the service serves (its `producer` rows in the catalog)
 * is answered at once with SERVICE_UNAVAILABLE (retryable) by a stand-in, so clients see a typed refusal instead of
 * no-responders, and the wait is logged with its backoff. Once the database answers, the stand-in goes and the
 * service starts (migrations first); if the database vanishes again during start-up, the same wait repeats instead
 * of a crash loop. Anything else that fails start-up is rethrown.
 *
 * The stand-in keeps answering through migrations and recovery until the service calls `handOver()` right before it
 * serves its own subjects: the stand-in's UNSUB and the service's SUB travel in that order on the same connection,
 * so a client never meets a window of no-responders and never gets two replies.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import { errorReply, type MessageCatalog } from '@trading-system/contracts';
import { type Database, isDatabaseUnavailable, waitForDatabase } from '@trading-system/storage';
import type { Logger } from './logger.js';

export interface StartWhenDatabaseReadyOptions<T, DB> {
  /** The catalog `producer` of the request subjects the stand-in answers, e.g. 'orders' or 'history'. */
  readonly service: string;
  readonly bus: Bus;
  readonly catalog: MessageCatalog;
  readonly database: Database<DB>;
  readonly logger: Logger;
  /** The service's shutdown signal: ends the wait. */
  readonly signal: AbortSignal;
  /** Starts the service; it calls `handOver` just before it serves its request subjects (idempotent). */
  readonly start: (handOver: () => void) => Promise<T>;
  /** Backoff of the wait (default 250 ms doubling to 5 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** The request subjects `service` answers according to the catalog. */
export function requestSubjectsOf(catalog: MessageCatalog, service: string): string[] {
  return catalog.entries.filter((e) => e.kind === 'request' && e.producer === service).map((e) => e.pattern);
}

export async function startWhenDatabaseReady<T, DB>(options: StartWhenDatabaseReadyOptions<T, DB>): Promise<T> {
  const { service, bus, logger, signal } = options;
  const log = logger.child({ component: 'database-wait' });
  const subjects = requestSubjectsOf(options.catalog, service);
  for (;;) {
    let standIn = serveUnavailable(bus, subjects, `${service} is starting (waiting for its database); retry shortly`);
    const handOver = () => {
      for (const s of standIn) s.unsubscribe();
      standIn = [];
    };
    try {
      await waitForDatabase(options.database, {
        signal,
        ...(options.initialDelayMs === undefined ? {} : { initialDelayMs: options.initialDelayMs }),
        ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
        onRetry: ({ attempt, delayMs, err }) =>
          log.warn(
            { attempt, retryInMs: delayMs, err },
            'database unreachable; waiting for it before starting (requests are answered SERVICE_UNAVAILABLE)',
          ),
      });
      return await options.start(handOver);
    } catch (err) {
      if (!isDatabaseUnavailable(err) || signal.aborted) throw err;
      log.warn({ err }, 'the database went away during start-up; waiting for it again');
    } finally {
      handOver();
    }
  }
}

function serveUnavailable(bus: Bus, subjects: readonly string[], message: string): Subscription[] {
  return subjects.map((subject) => bus.serve(subject, () => errorReply('SERVICE_UNAVAILABLE', message)));
}
