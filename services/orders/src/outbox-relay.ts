/**
 * Outbox relay: publishes stored order events to the ORDERS stream with `Nats-Msg-Id` = `<broker>:<eventId>`
 * (orderEventMsgId), in id order, and marks each row `published_at` only after JetStream acknowledged it. It
 * selects rows that are still
 * unpublished rather than "id > last published", so a row committed late with a smaller id (concurrent
 * transactions) is picked up on the next pass instead of being skipped. A crash between publish and mark
 * republishes the row on restart; the stream's duplicate window drops the copy.
 */
import type { Bus } from '@trading-system/bus';
import { type OrderEvent, orderEventMsgId } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { sql } from '@trading-system/storage';
import type { DeferredFlush } from './deferred-flush.js';
import type { Db } from './ledger.js';

export interface OutboxRelay {
  /** Asks for a pass soon (after a commit); passes never overlap. */
  kick(): void;
  /** Runs passes until nothing is left unpublished; resolves with the number of events published. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  readonly db: Db;
  readonly bus: Bus;
  /** Deferred-flush ledger writes: made durable before a batch that may hold their events is published. */
  readonly deferred: DeferredFlush;
  readonly logger: Logger;
  /** Safety-net poll interval, ms (a missed kick or a failed publish is retried after it). */
  readonly pollMs: number;
  readonly batchSize?: number;
  /**
   * Fault injection for crash tests: the relay publishes nothing (the ledger keeps every event unpublished), so a
   * process killed while paused has committed ledger rows that were never published.
   */
  readonly paused?: boolean;
}

export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { db, bus, logger } = opts;
  const batchSize = opts.batchSize ?? 200;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;

  async function pass(): Promise<number> {
    const rows = await db
      .selectFrom('order_events')
      .select(['id', 'event_id', 'subject', 'payload'])
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0 || stopped) return 0;
    // Never publish an event the ledger could still lose: a row written without waiting for its flush is made
    // durable first (deferred-flush.ts).
    await opts.deferred.barrier(db);
    // Published back to back (one connection keeps their order) and acknowledged together; the rows of the acked
    // prefix are marked in one statement. A failed publish leaves it and every later row unmarked for the next pass
    // (an acked later row published again is dropped by the stream's duplicate window).
    const acks = await Promise.allSettled(
      rows.map((row) => {
        const event = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as OrderEvent;
        return bus.jetstream.publish(row.subject, event, { msgId: orderEventMsgId(event.broker, row.event_id) });
      }),
    );
    const failed = acks.findIndex((a) => a.status === 'rejected');
    const acked = failed === -1 ? rows : rows.slice(0, failed);
    if (acked.length > 0)
      await db
        .updateTable('order_events')
        .set({ published_at: sql<Date>`now()` })
        .where(
          'id',
          'in',
          acked.map((r) => r.id),
        )
        .execute();
    if (failed !== -1) throw (acks[failed] as PromiseRejectedResult).reason;
    return rows.length === batchSize && !stopped ? acked.length + (await pass()) : acked.length;
  }

  function run(): Promise<number> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        total += await pass();
      } while (again && !stopped);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const kick = (): void => {
    if (stopped || opts.paused) return;
    run().catch((err: unknown) => logger.warn({ err }, 'outbox relay pass failed; retrying on the next poll'));
  };
  const timer = setInterval(kick, opts.pollMs);
  timer.unref();

  return {
    kick,
    async flush() {
      let total = 0;
      for (;;) {
        const n = await run();
        total += n;
        const left = await db
          .selectFrom('order_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('published_at', 'is', null)
          .executeTakeFirstOrThrow();
        if (left.n === '0') return total;
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running !== undefined)
        await running.catch((err: unknown) => logger.debug({ err }, 'outbox pass failed while stopping'));
    },
  };
}
