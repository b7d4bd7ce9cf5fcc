import type { MessageCatalog } from '@trading-system/contracts';
import type { BusObserver, BusStats, RejectReason } from './bus.js';
import type { InvalidMessageError } from './errors.js';

/** The logging the bus needs; a pino Logger (or a child of one) satisfies it. */
export interface BusLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface BusOptions {
  readonly catalog: MessageCatalog;
  readonly log: BusLogger;
  /**
   * Largest message accepted, in bytes of JSON, on publish and on receive (default and ceiling: the transport's
   * limit, i.e. NATS max_payload, 1 MiB by default). Larger inbound messages are rejected as `oversize`.
   */
  readonly maxPayloadBytes?: number;
  /** Told about every message in and out and every handler run (metrics); absent = nothing is measured. */
  readonly observer?: BusObserver;
  /**
   * Which system on a shared server this bus belongs to: subjects go out as `<namespace>.<subject>` and streams
   * are named `<namespace>_<NAME>` (namespaced-transport.ts); handlers and callers never see the prefix. Empty or
   * absent: no prefix (production's default).
   */
  readonly namespace?: string;
}

const NO_OBSERVER: BusObserver = {
  sent: () => undefined,
  received: () => undefined,
  handled: () => undefined,
  rejected: () => undefined,
  requested: () => undefined,
};

/** State shared by the core, request/reply and JetStream parts of one bus. */
export class BusContext {
  published = 0;
  received = 0;
  handlerErrors = 0;
  exhausted = 0;
  readonly rejected: Record<RejectReason, number> = { bad_json: 0, oversize: 0, schema: 0, unknown_subject: 0 };
  readonly catalog: MessageCatalog;
  readonly log: BusLogger;
  readonly maxPayloadBytes: number;
  readonly observe: BusObserver;

  constructor(options: BusOptions, transportMaxPayload: number) {
    this.catalog = options.catalog;
    this.log = options.log;
    this.observe = options.observer ?? NO_OBSERVER;
    this.maxPayloadBytes = Math.min(options.maxPayloadBytes ?? transportMaxPayload, transportMaxPayload);
  }

  /** Counts and logs an inbound message refused before any handler saw it. */
  reject(error: InvalidMessageError): void {
    const reason = error.reason === 'unserialisable' ? 'bad_json' : error.reason;
    this.rejected[reason] += 1;
    this.observe.rejected(this.family(error.subject), reason);
    this.log.warn({ subject: error.subject, reason, err: error }, 'message rejected');
  }

  /**
   * Counts a request refused before its handler ran. The caller's mistake, answered with a typed reply: a debug
   * line without a stack, so a client sending garbage cannot flood the service's log with errors.
   */
  refuse(error: InvalidMessageError, code: string): void {
    const reason = error.reason === 'unserialisable' ? 'bad_json' : error.reason;
    this.rejected[reason] += 1;
    this.observe.rejected(this.family(error.subject), reason);
    this.log.debug({ subject: error.subject, reason, code, issues: error.issues.slice(0, 5) }, 'request refused');
  }

  /** The catalog pattern a subject belongs to (`md.tick.*.*`): a bounded label for metrics. */
  family(subject: string): string {
    return this.catalog.lookup(subject)?.pattern ?? UNCATALOGUED;
  }

  handlerFailed(subject: string, err: unknown, extra: object = {}): void {
    this.handlerErrors += 1;
    this.log.error({ subject, err, ...extra }, 'handler failed');
  }

  snapshot(): BusStats {
    return {
      published: this.published,
      received: this.received,
      rejected: { ...this.rejected },
      handlerErrors: this.handlerErrors,
      exhausted: this.exhausted,
    };
  }
}

/** Family of subjects without a catalog entry (raw publishes, malformed traffic). */
export const UNCATALOGUED = 'uncatalogued';

/** Seconds since `start` (a `performance.now()` reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1_000;
}

/**
 * Runs a subscription's tasks one at a time in push order; a task never throws or rejects (callers catch inside).
 * A task pushed while the queue is idle runs at once, inside the transport's delivery call, and so does every task
 * queued behind a task that finished synchronously: messages are handled in the order they were read, also across
 * subscriptions and request handlers (which run at once too) — a request read together with ticks sees the state
 * after them. A task that returns a promise holds the tasks behind it until it settles.
 */
export class SerialQueue {
  private readonly waiting: Array<() => unknown> = [];
  private head = 0;
  private busy = false;
  private drained: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(private readonly onEscape: (err: unknown) => void) {}

  push(task: () => unknown): void {
    if (this.busy) this.waiting.push(task);
    else this.run(task);
  }

  /** Resolves once every task pushed so far has finished. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    if (this.drained === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  private run(first: () => unknown): void {
    this.busy = true;
    for (let task: (() => unknown) | undefined = first; task !== undefined; task = this.next()) {
      let result: unknown;
      try {
        result = task();
      } catch (err) {
        // Tasks catch their own errors; one that escapes anyway is reported and must not leave the queue busy.
        this.onEscape(err);
        continue;
      }
      if (isThenable(result)) {
        const resume = (): void => {
          const following = this.next();
          if (following === undefined) this.settle();
          else this.run(following);
        };
        result.then(resume, resume);
        return;
      }
    }
    this.settle();
  }

  private next(): (() => unknown) | undefined {
    if (this.head === this.waiting.length) return undefined;
    const task = this.waiting[this.head];
    this.head += 1;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    }
    return task;
  }

  private settle(): void {
    this.busy = false;
    const drained = this.drained;
    this.drained = undefined;
    drained?.resolve();
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
