/**
 * The request governor: at most `max` REST requests in any window of `windowMs` (Alpaca: 200 per minute per key),
 * and none before a time the broker named (a 429's X-RateLimit-Reset). Pure: it is told the time and answers how
 * long to wait; the caller sleeps. Requests wait their turn in order; none is refused here.
 */
export class RequestGovernor {
  /** Send times of the requests inside the current window, oldest first. */
  private readonly sent: number[] = [];
  private blockedUntilMs = 0;

  constructor(
    readonly max: number,
    readonly windowMs = 60_000,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, not ${max}`);
  }

  /** How long a request asked for at `nowMs` must wait before it may be sent (0: now). */
  delayMs(nowMs: number): number {
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= nowMs - this.windowMs) this.sent.shift();
    const byWindow = this.sent.length < this.max ? 0 : (this.sent[0] ?? nowMs) + this.windowMs - nowMs;
    return Math.max(byWindow, this.blockedUntilMs - nowMs, 0);
  }

  /** Records a request sent at `nowMs` (call only when delayMs(nowMs) is 0). */
  record(nowMs: number): void {
    this.sent.push(nowMs);
  }

  /** The broker refused for its rate limit: nothing goes out before `untilMs`. */
  blockUntil(untilMs: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, untilMs);
  }

  /** Requests counted in the window ending at `nowMs`. */
  inWindow(nowMs: number): number {
    this.delayMs(nowMs);
    return this.sent.length;
  }
}
