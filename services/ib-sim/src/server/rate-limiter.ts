/**
 * TWS's 50 messages/second client limit (spec §4.4): a sliding one-second window per connection, every message
 * after the handshake counted (START_API included) when the server reads it. The first message over the limit in
 * a breach earns error 100; if the client keeps breaching for `sustainMs`, the connection is closed, as TWS "will
 * eventually close the connection". Wall-clock time (not the sim clock): the limit protects the real server.
 *
 * The window's own messages are kept (stamp, message id, read) so a breach can be reported with what was in it:
 * whether 51 were sent inside one second, or fewer reads brought them in late and bunched.
 */

export type RateVerdict = 'ok' | 'warn' | 'over' | 'disconnect';

/** One counted message: when the server read it, its message id, and which socket read brought it. */
export interface CountedMessage {
  readonly atMs: number;
  readonly messageId: number;
  readonly read: number;
}

export class RateLimiter {
  private readonly window: CountedMessage[] = [];
  private breachStartMs: number | undefined;
  private lastBreachMs = 0;
  /** Most messages seen in one sliding second on this connection. */
  peak = 0;

  constructor(
    private readonly maxPerSecond: number,
    private readonly sustainMs = 2_000,
  ) {}

  /** Registers one incoming message at `nowMs` (`messageId` and `read` only describe it in `inWindow`). */
  hit(nowMs: number, messageId = -1, read = 0): RateVerdict {
    while (this.window.length > 0 && (this.window[0]?.atMs ?? 0) <= nowMs - 1_000) this.window.shift();
    this.window.push({ atMs: nowMs, messageId, read });
    if (this.window.length > this.peak) this.peak = this.window.length;
    if (this.window.length <= this.maxPerSecond) {
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

  /** The messages of the current sliding second, oldest first. */
  inWindow(): readonly CountedMessage[] {
    return [...this.window];
  }
}
