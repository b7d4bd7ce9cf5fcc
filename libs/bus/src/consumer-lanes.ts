/**
 * Lanes of a JetStream consumer: messages with the same key are handled one at a time in delivery order, messages
 * with different keys side by side (up to `max` in flight), and a message without a key alone — after everything
 * delivered before it and before anything delivered after it. A consumer whose handler writes to a database spends
 * most of each message waiting for its commit; lanes let those commits overlap (Postgres flushes concurrent commits
 * together) while the order that matters — per key — is kept.
 */
export interface ConsumerLanesConfig {
  /** Messages in flight at most, waiting behind their key included (≥ 1; 1 = one at a time, as without lanes). */
  readonly max: number;
  /** The message's lane; undefined = handled alone. Given the decoded message. */
  keyOf(subject: string, data: unknown): string | undefined;
}

export class ConsumerLanes {
  /** The last admitted task per key: the next one of that key starts after it. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly max: number,
    /** What a task that threw is reported to (the bus's handle() settles the message itself and does not throw). */
    private readonly onError: (err: unknown) => void,
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`consumer lanes: max must be an integer ≥ 1, not ${max}`);
  }

  /**
   * Admits `task` under `key`. Resolves once it is admitted — the caller (the consumer's delivery loop) then takes
   * the next message — not when it is done: a keyed task runs on beside the loop, a task without a key has run by
   * then (the loop waits for it, so nothing is admitted meanwhile).
   */
  async admit(key: string | undefined, task: () => Promise<void>): Promise<void> {
    if (key === undefined) {
      await this.drain();
      await task().catch(this.onError);
      return;
    }
    while (this.inFlight.size >= this.max) await Promise.race(this.inFlight);
    const before = this.tails.get(key);
    const run = before === undefined ? task() : before.then(task);
    const done: Promise<void> = run.catch(this.onError).finally(() => {
      this.inFlight.delete(done);
      if (this.tails.get(key) === done) this.tails.delete(key);
    });
    this.inFlight.add(done);
    this.tails.set(key, done);
  }

  /** Resolves when every admitted task is done. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
