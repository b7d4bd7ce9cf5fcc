/**
 * Publishes the committed facts of one paper broker on `broker.<name>.evt.*` (stream BROKER_EVENTS) in commit
 * order, then marks them published. `Nats-Msg-Id` = `<broker>:<eventId>`: a fact published again after a crash
 * between the stream's ack and the mark is dropped by the stream as a duplicate.
 */
import { type Bus, InvalidMessageError } from '@trading-system/bus';
import { Subjects } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { PaperStore } from './store.js';

const BATCH = 200;

export interface OutboxRelay {
  /** Something was committed: publish it soon. */
  kick(): void;
  /** Resolves once everything committed before the call is published (or the relay is stopped). */
  flushed(): Promise<void>;
  stop(): Promise<void>;
}

export function startOutboxRelay(deps: {
  readonly bus: Bus;
  readonly store: PaperStore;
  readonly log: Logger;
  /** Wait after a failed publish or database error before trying again, ms. */
  readonly retryMs: number;
}): OutboxRelay {
  const { bus, store, log } = deps;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const drain = async (): Promise<void> => {
    for (;;) {
      const batch = await store.pendingFacts(BATCH);
      if (batch.length === 0) return;
      for (const f of batch) {
        if (stopped) return;
        const subject = Subjects.brokerEvent.build({ broker: store.broker, kind: f.kind });
        try {
          await bus.jetstream.publish(
            subject,
            { v: 1, eventId: f.eventId, broker: store.broker, ...f.body },
            { msgId: `${store.broker}:${f.eventId}` },
          );
        } catch (err) {
          // A fact its own schema refuses would block every later one: it is logged with its body and skipped.
          if (!(err instanceof InvalidMessageError)) throw err;
          log.error({ err, eventId: f.eventId, kind: f.kind, body: f.body }, 'paper broker fact refused by its schema');
        }
      }
      await store.markPublished(batch.map((f) => f.seq));
    }
  };

  const run = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = drain()
      .catch((err: unknown) => {
        log.warn({ err }, 'publishing paper broker facts failed; retrying');
        retry ??= setTimeout(() => {
          retry = undefined;
          run();
        }, deps.retryMs);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };

  run();
  return {
    kick: run,
    async flushed() {
      while (running !== undefined) await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await running;
    },
  };
}
