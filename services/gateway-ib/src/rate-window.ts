/**
 * IB's message-rate window as the sender can prove it (pure: time is passed in).
 *
 * TWS counts each message when it reads it, in a sliding second per connection (more than 50 → error 100). We
 * write at time s; TWS reads at some r ≥ s, and r can be late by any amount: ib-sim's event loop stalls 30-180 ms
 * at load 4-9 (the bench's breach reports), and the socket holds a message back up to ~130 ms when Nagle waits for
 * the previous one's ACK. A window stamped at write time with a fixed guard holds only while every lag stays under
 * the guard; each guard tried (50, 200 ms) was exceeded by some run.
 *
 * So a message leaves this window only once it is *proven read*: an answer that TWS can only have sent after
 * reading it (or a later message — one socket, read in order) arrived at time p, so r ≤ p, and the message is
 * counted until p + 1 000. A message written now at s' is read at r' ≥ s'; every message no longer counted has
 * r ≤ p ≤ s' − 1 000 ≤ r' − 1 000, outside TWS's second at r'. Hence TWS never holds more in its second than this
 * window held when it admitted the message: no breach, whatever the lag, by construction. An unproven message
 * stays counted, so a stalled reader stalls the sender instead of earning error 100.
 *
 * Two limits, because proofs cost: an answerless message (cancelMktData, cancelOrder) is proven only by a later
 * answer or by a probe (reqCurrentTime), which is itself a message, and a message proven late holds its place
 * past its second. So the *configured* rate (`perSecond`, 40 by default) is counted the cheap way, at write time
 * over a plain second and without the probes; the proof guards IB's own *ceiling* (`ceiling`, 50), which the
 * probes count against too. At a configured 40 the ceiling's 10 spare places absorb the probes and the proof
 * delays, so a burst of cancels runs at 40/s; configured at IB's 50, only proofs make room, and no lag can breach.
 *
 * `perTick` (messages per sliding 100 ms, at write time) only smooths bursts.
 */

export interface RateWindowOptions {
  /** Messages we choose to write per sliding second, counted at write time (the gateway's default 40). */
  readonly perSecond: number;
  /** Messages TWS may count in one sliding second, counted until proven read (IB's 50); default `perSecond`. */
  readonly ceiling?: number;
  /** Messages per sliding 100 ms at write time (default ceil(perSecond / 10)). */
  readonly perTick?: number;
}

/** IB's ceiling: more than this many messages in TWS's second draw error 100 (and then a disconnection). */
export const IB_MESSAGES_PER_SECOND = 50;

/** TWS's window. */
export const TWS_WINDOW_MS = 1_000;

interface Written {
  readonly seq: number;
  readonly sentMs: number;
  /** A probe (reqCurrentTime): counted against the ceiling, not against the configured rate. */
  readonly probe: boolean;
  /** When it was proven read (an answer to it or to a later message arrived); undefined until then. */
  readMs: number | undefined;
}

export class RateWindow {
  /**
   * Messages still counted by either limit, in write order (= TWS's read order). Both sentMs and readMs grow
   * along it (a proof covers a prefix), so each limit counts a suffix.
   */
  private readonly written: Written[] = [];
  private nextSeq = 0;
  /** Every message with seq ≤ this is proven read. */
  private provenThrough = -1;
  /** Mean write → proof delay, ms (an exponential average; estimates only). */
  private meanProofMs = 50;
  readonly perSecond: number;
  readonly ceiling: number;
  readonly perTick: number;

  constructor(options: RateWindowOptions) {
    if (!(Number.isInteger(options.perSecond) && options.perSecond >= 2))
      throw new RangeError(`perSecond must be an integer ≥ 2, got ${options.perSecond}`);
    this.perSecond = options.perSecond;
    this.ceiling = options.ceiling ?? options.perSecond;
    if (!(Number.isInteger(this.ceiling) && this.ceiling >= this.perSecond))
      throw new RangeError(`ceiling must be an integer ≥ perSecond (${this.perSecond}), got ${options.ceiling}`);
    this.perTick = options.perTick ?? Math.max(1, Math.ceil(options.perSecond / 10));
    if (!(this.perTick >= 1)) throw new RangeError(`perTick must be ≥ 1, got ${this.perTick}`);
  }

  /**
   * Milliseconds before `messages` more may be written at `nowMs` (0 = now) keeping `reserve` places of the
   * ceiling free; Infinity when only a proof of reading can make room (time alone never will). A probe is not
   * held to the configured rate.
   */
  waitMs(nowMs: number, messages = 1, reserve = 0, probe = false): number {
    this.prune(nowMs);
    let wait = 0;
    const first = this.firstCounted(nowMs);
    const over = this.written.length - first + messages - (this.ceiling - reserve);
    if (over > 0) {
      const mustLeave = this.written[first + over - 1];
      if (mustLeave === undefined || mustLeave.readMs === undefined) return Number.POSITIVE_INFINITY;
      wait = mustLeave.readMs + TWS_WINDOW_MS - nowMs;
    }
    if (!probe) {
      // The configured rate: the messages (not probes) written in the last second, newest first.
      let inSecond = 0;
      let oldest: Written | undefined;
      const room = this.perSecond - messages;
      for (let i = this.written.length - 1; i >= 0; i--) {
        const w = this.written[i] as Written;
        if (w.sentMs <= nowMs - TWS_WINDOW_MS) break;
        if (w.probe) continue;
        inSecond++;
        // The (room + 1)-th newest must leave the second before these messages fit.
        if (inSecond === room + 1) oldest = w;
      }
      if (oldest !== undefined) wait = Math.max(wait, oldest.sentMs + TWS_WINDOW_MS - nowMs);
    }
    const tickRoom = Math.max(0, this.perTick - messages);
    if (this.countSince(nowMs - 100) > tickRoom) {
      const oldestInTick = this.written[this.written.length - tickRoom - 1];
      if (oldestInTick !== undefined) wait = Math.max(wait, oldestInTick.sentMs + 100 - nowMs);
    }
    return Math.max(0, wait);
  }

  /** Records `messages` written at `nowMs`; returns the sequence number of the last of them. */
  record(nowMs: number, messages = 1, probe = false): number {
    for (let i = 0; i < messages; i++)
      this.written.push({ seq: this.nextSeq++, sentMs: nowMs, probe, readMs: undefined });
    return this.nextSeq - 1;
  }

  /** TWS has read every message up to `seq` by `atMs` (an answer to it, or to a later one, arrived then). */
  readThrough(seq: number, atMs: number): void {
    if (seq <= this.provenThrough) return;
    for (const w of this.written) {
      if (w.seq > seq) break;
      if (w.readMs !== undefined) continue;
      w.readMs = atMs;
      this.meanProofMs += (Math.max(0, atMs - w.sentMs) - this.meanProofMs) / 8;
    }
    this.provenThrough = seq;
  }

  /** Every message written so far has been read by `atMs`. */
  allRead(atMs: number): void {
    this.readThrough(this.nextSeq - 1, atMs);
  }

  /** Sequence number of the last message written (−1 before any). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** True when every message with seq ≤ `seq` is proven read. */
  proven(seq: number): boolean {
    return seq <= this.provenThrough;
  }

  /** Messages written and not yet proven read. */
  get unproven(): number {
    return this.nextSeq - 1 - this.provenThrough;
  }

  /** Messages TWS may still be counting at `nowMs`. */
  counted(nowMs: number): number {
    this.prune(nowMs);
    return this.written.length - this.firstCounted(nowMs);
  }

  /**
   * Messages a sustained stream can write per second: the configured rate, unless proofs come so late that the
   * ceiling (one place kept for the probe), held a second plus the mean write → proof delay each, allows fewer.
   */
  get sustainedPerSecond(): number {
    return Math.min(this.perSecond, ((this.ceiling - 1) * TWS_WINDOW_MS) / (TWS_WINDOW_MS + this.meanProofMs));
  }

  /** A new socket: TWS counts per connection, so nothing written on the old one counts any more. */
  reset(): void {
    this.written.length = 0;
    this.provenThrough = this.nextSeq - 1;
  }

  private countSince(fromMs: number): number {
    let n = 0;
    for (let i = this.written.length - 1; i >= 0 && (this.written[i]?.sentMs ?? 0) > fromMs; i--) n++;
    return n;
  }

  /** Index of the first message the ceiling still counts (proven read more than a second ago: not counted). */
  private firstCounted(nowMs: number): number {
    let i = 0;
    for (const w of this.written) {
      if (w.readMs === undefined || w.readMs + TWS_WINDOW_MS > nowMs) break;
      i++;
    }
    return i;
  }

  /** Drops the front messages that neither limit counts any more. */
  private prune(nowMs: number): void {
    let drop = 0;
    for (const w of this.written) {
      if (w.readMs === undefined || w.readMs + TWS_WINDOW_MS > nowMs || w.sentMs > nowMs - TWS_WINDOW_MS) break;
      drop++;
    }
    if (drop > 0) this.written.splice(0, drop);
  }
}
