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
 *
 * A deferred write is ONE statement, not a transaction: BEGIN, SET LOCAL, the change and COMMIT were four round trips
 * (~4.7 ms of a ~11 ms submit at light load, bench/README.md), a statement is one. The statement turns
 * synchronous_commit off for its own implicit transaction from inside (`DEFER_COMMIT`, a condition of its write):
 * Postgres records the commit before it resets the transaction's settings, so the commit runs with it off.
 */
import { type RawBuilder, type SqlBool, sql } from '@trading-system/storage';
import type { Db } from './ledger.js';

/**
 * A condition to AND into the WHERE of a deferred statement's write: always true, and evaluated for the row it
 * writes, it sets synchronous_commit off for the statement's transaction. When the write matches no row the
 * condition may never be evaluated, and then nothing was written that a flush would be waited for anyway.
 */
export const DEFER_COMMIT: RawBuilder<SqlBool> = sql<SqlBool>`set_config('synchronous_commit', 'off', true) = 'off'`;

export class DeferredFlush {
  /** Deferred writes started and not finished (their commit may be visible on the server already). */
  private inFlight = 0;
  /** Deferred writes finished (committed, or failed: counted either way, which is only conservative). */
  private finished = 0;
  /** `finished` as it stood when the last barrier began: every one of those is durable. */
  private flushedThrough = 0;

  /**
   * Runs `fn`, which writes with ONE statement carrying `DEFER_COMMIT` in the WHERE of its write (outside a
   * transaction: in one, the setting would last until that transaction's own commit), tracked for the barrier.
   */
  async write<T>(fn: (deferCommit: RawBuilder<SqlBool>) => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await fn(DEFER_COMMIT);
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
