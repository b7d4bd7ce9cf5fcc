/**
 * One writer, many callers: items handed in while a batch is being written go together into the next one, so a
 * burst pays one transaction (BEGIN, COMMIT, one WAL flush, bulk statements) for many items instead of one each.
 * An item alone is written at once (no waiting for company), so light load keeps its latency.
 *
 * Why: each broker event was one transaction of ~5 round trips. On a loaded 2-core box every round trip is a socket
 * write plus a scheduler turn for Postgres and back (writev was 58% of the OMS's CPU samples while it applied a
 * global cancel's ~1,750 events at ~12 a second); in batches the fixed part is paid once per batch.
 *
 * When a batch fails, its items are written again one by one, so an item that cannot be written fails alone and the
 * others land (a batch is all or nothing: one transaction).
 */
export class BatchWriter<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];
  private running = false;

  constructor(
    /** Writes the items in one go (one transaction), in order; results in the same order. */
    private readonly writeBatch: (items: readonly T[]) => Promise<readonly R[]>,
    /** Items per batch at most. */
    private readonly maxBatch: number,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be ≥ 1, not ${maxBatch}`);
  }

  /** Resolves with the item's result once the batch holding it is written; rejects with its own failure only. */
  write(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.writeBatch(batch.map((b) => b.item));
          for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
          continue;
        } catch (err) {
          if (batch.length === 1) {
            batch[0]?.reject(err);
            continue;
          }
        }
        // The batch failed as a whole: each item alone, so only the one that cannot be written fails.
        for (const b of batch) {
          try {
            const [r] = await this.writeBatch([b.item]);
            b.resolve(r as R);
          } catch (err) {
            b.reject(err);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
