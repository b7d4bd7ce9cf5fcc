/**
 * TWS's 50 messages/second client limit (spec §4.4): a sliding one-second window per connection. The first
 * message over the limit in a breach earns error 100; if the client keeps breaching for `sustainMs`, the
 * connection is closed, as TWS "will eventually close the connection". Wall-clock time (not the sim clock):
 * the limit protects the real server.
 */

export type RateVerdict = 'ok' | 'warn' | 'over' | 'disconnect';

export class RateLimiter {
  private readonly stamps: number[] = [];
  private breachStartMs: number | undefined;
  private lastBreachMs = 0;
  /** Most messages seen in one sliding second on this connection. */
  peak = 0;

  constructor(
    private readonly maxPerSecond: number,
    private readonly sustainMs = 2_000,
  ) {}

  /** Registers one incoming message at `nowMs`. */
  hit(nowMs: number): RateVerdict {
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= nowMs - 1_000) this.stamps.shift();
    this.stamps.push(nowMs);
    if (this.stamps.length > this.peak) this.peak = this.stamps.length;
    if (this.stamps.length <= this.maxPerSecond) {
      if (this.breachStartMs !== undefined && nowMs - this.lastBreachMs > 1_000) this.breachStartMs = undefined;
      return 'ok';
    }
    this.lastBreachMs = nowMs;
    if (this.breachStartMs === undefined) {
      this.breachStartMs = nowMs;
      return 'warn';
    }
    return nowMs - this.breachStartMs >= this.sustainMs ? 'disconnect' : 'over';
  }
}
