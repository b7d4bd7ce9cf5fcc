/**
 * Ledger writes that commit without waiting for their WAL flush, and the barrier that makes them durable before
 * anything derived from them leaves the OMS through the outbox.
 *
 * Why: on this kind of VM a commit's WAL flush is most of a write (an autocommit insert 6.7 ms against 0.55 ms with
 * synchronous_commit off, bench/README.md), and a submit paid two: the accepted order (which must be durable before
 * the broker hears of it: the ledger comes first) and the broker's place reply. The place reply need not be: if
 * Postgres crashes before its flush, the order is found `accepted` without the broker's id, which is the state a
 * crash between send and record already leaves, and reconciliation establishes its fate from the broker (orderRef =
 * clientOrderId). What must never happen is an event published on ORDERS and then lost from the ledger, so the relay
 * calls `barrier` before it publishes: one flush for the batch, covering every deferred write visible to it.
 *
 * Any later synchronous commit flushes them too (the WAL is one sequence), so the window of loss is a Postgres crash
 * with nothing committed since.
 */
import { sql } from '@trading-system/storage';
import type { Db } from './ledger.js';

export class DeferredFlush {
  /** Deferred writes started and not finished (their commit may be visible on the server already). */
  private inFlight = 0;
  /** Deferred writes finished (committed, or failed: counted either way, which is only conservative). */
  private finished = 0;
  /** `finished` as it stood when the last barrier began: every one of those is durable. */
  private flushedThrough = 0;

  /** Runs `fn` in a transaction that commits without waiting for its WAL flush. */
  async write<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await db.transaction().execute(async (trx) => {
        await sql`set local synchronous_commit = off`.execute(trx);
        return fn(trx);
      });
    } finally {
      this.inFlight--;
      this.finished++;
    }
  }

  /**
   * Makes every deferred write whose rows a read just made may have seen durable: call it after reading rows and
   * before publishing them. A write visible to that read had committed on the server before it, so either it had
   * finished here before this call (then `finished` > `flushedThrough`, unless a barrier began after it, which
   * flushed it) or it is still in flight now; either way the barrier's synchronous commit, which comes after, flushes
   * the WAL through it.
   */
  async barrier(db: Db): Promise<void> {
    if (!this.pending) return;
    const through = this.finished;
    // A synchronous commit waits for the WAL flush through its commit record only when its transaction wrote WAL
    // (an id alone is not enough): this update is that write.
    await db.updateTable('flush_barrier').set({ n: sql<string>`n + 1` }).where('id', '=', 1).execute();
    this.flushedThrough = Math.max(this.flushedThrough, through);
  }

  /** True while some deferred write may not be durable yet. */
  get pending(): boolean {
    return this.inFlight > 0 || this.finished !== this.flushedThrough;
  }
}
