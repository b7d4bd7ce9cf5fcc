/**
 * IB's clock as this gateway knows it (BrokerStatus.brokerTimeMs): the offset of TWS's time from ours, learned from
 * reqCurrentTime at every session start and again once a minute (a simulated TWS may run at another time or jump),
 * so history counts "the last N days" back from IB's now. Pure but for the clock it is given.
 */
export class IbClock {
  /** IB's time minus ours, ms; undefined until IB answered once. */
  private offsetMs: number | undefined;
  /** When the pending question went out (our clock), undefined when none is pending. */
  private askedAtMs: number | undefined;
  private lastAskMs = Number.NEGATIVE_INFINITY;
  private answeredThisSession = false;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly refreshMs = 60_000,
  ) {}

  /** True when it is time to ask IB again (never asked this session, or a minute since). */
  due(): boolean {
    return this.now() - this.lastAskMs >= this.refreshMs;
  }

  /** A new session: ask at once (the TWS behind it may run another clock). */
  reset(): void {
    this.lastAskMs = Number.NEGATIVE_INFINITY;
    this.askedAtMs = undefined;
    this.answeredThisSession = false;
  }

  /** The question leaves now. */
  asked(): void {
    this.askedAtMs = this.now();
    this.lastAskMs = this.askedAtMs;
  }

  /**
   * IB's answer, whole epoch seconds: taken as the middle of its second (so the error is at most half a second
   * either way) at the middle of the round trip. True for the session's first answer.
   */
  answered(epochSec: number): boolean {
    const at = this.now();
    const sent = this.askedAtMs ?? at;
    this.askedAtMs = undefined;
    this.offsetMs = Math.round(epochSec * 1000 + 500 - (sent + at) / 2);
    const first = !this.answeredThisSession;
    this.answeredThisSession = true;
    return first;
  }

  /** IB's time at our `atMs`, or undefined before IB first answered. */
  brokerTimeAt(atMs: number): number | undefined {
    return this.offsetMs === undefined ? undefined : atMs + this.offsetMs;
  }
}
