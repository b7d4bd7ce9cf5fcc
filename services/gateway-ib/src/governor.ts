/**
 * The outbound governor: every message gateway-ib writes to one IB connection passes here — START_API included
 * (`noteUnpaced`), every request, order and cancel, and the probes it sends itself — so IB's limit of 50
 * messages/second per connection (error 100, then disconnection) is never reached, whoever asks.
 *
 * The window (rate-window.ts) holds two limits: the configured rate, counted at write time, and IB's ceiling,
 * counted until one second after a message is *proven read* by TWS, which is what makes a breach impossible
 * however late TWS reads. Proofs: the first answer to a request that names it
 * (`answeredBy`: a fresh reqId, or the order id of a new order), the session's first nextValidId (START_API), and
 * reqCurrentTime's answer — which the governor sends itself as a probe when messages stay unproven (every
 * `probeEvery` of them, when the queue goes idle, and whenever only a proof can make room; one place in the
 * window is kept for it). Answers to a probe or to a request prove every message written before it too: one
 * socket, read in order.
 *
 * Priorities: cancels first, then orders, then everything else (data, contracts, history), FIFO within one.
 *
 * The queue never drops an entry silently: each is either sent or dropped with a reason (`onDrop`): its deadline
 * passed before its turn came (the order path gives every order message one, so an order is never sent after its
 * client was told it failed), the session went down (`clear`), or the governor stopped. `estimateWaitMs` lets a
 * caller refuse at once instead of queueing behind a backlog that cannot drain within its budget.
 */
import { RateWindow, type RateWindowOptions, TWS_WINDOW_MS as TWS_SECOND_MS } from './rate-window.js';

export { RateWindow, type RateWindowOptions } from './rate-window.js';

export type Priority = 'cancel' | 'order' | 'data';
const PRIORITY_ORDER: readonly Priority[] = ['cancel', 'order', 'data'];

export interface GovernorOptions extends RateWindowOptions {
  /** Writes one reqCurrentTime (the probe: TWS answers it in order, proving everything before it read). */
  readonly probe: () => void;
  /** Unproven messages after which a probe goes (default 10). */
  readonly probeEvery?: number;
  /** A probe goes this long after the queue went idle with messages still unproven, ms (default 250). */
  readonly idleProbeMs?: number;
}

/** Three FIFO lanes, drained highest priority first. Pure. */
export class PriorityLanes<T> {
  private readonly lanes: Record<Priority, T[]> = { cancel: [], order: [], data: [] };

  push(priority: Priority, item: T): void {
    this.lanes[priority].push(item);
  }

  /** The item `shift` would return, left in place. */
  peek(): T | undefined {
    for (const p of PRIORITY_ORDER) {
      const item = this.lanes[p][0];
      if (item !== undefined) return item;
    }
    return undefined;
  }

  shift(): T | undefined {
    for (const p of PRIORITY_ORDER) {
      const item = this.lanes[p].shift();
      if (item !== undefined) return item;
    }
    return undefined;
  }

  get size(): number {
    return this.lanes.cancel.length + this.lanes.order.length + this.lanes.data.length;
  }

  /** Items queued in `priority`'s lane and every lane before it (what must go out first). */
  aheadOf(priority: Priority): number {
    let n = 0;
    for (const p of PRIORITY_ORDER) {
      n += this.lanes[p].length;
      if (p === priority) break;
    }
    return n;
  }

  /** Removes every queued item (returned so callers can fail them). */
  clear(): T[] {
    const all = [...this.lanes.cancel, ...this.lanes.order, ...this.lanes.data];
    this.lanes.cancel = [];
    this.lanes.order = [];
    this.lanes.data = [];
    return all;
  }
}

export interface GovernorClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: GovernorClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    return () => clearTimeout(h);
  },
};

/** Why a queued entry left the queue unsent. */
export type DropReason = 'deadline' | 'cleared' | 'stopped';

/**
 * What an answer names: a request id or an order id. IB numbers the two apart (reqIds are ours, order ids come from
 * nextValidId), so the same number can be both at once: a tick for reqId 1005 says nothing about order 1005.
 */
export type AnswerKey = `req:${number}` | `order:${number}`;
export const reqAnswer = (reqId: number): AnswerKey => `req:${reqId}`;
export const orderAnswer = (orderId: number): AnswerKey => `order:${orderId}`;

export interface SubmitOptions {
  /** IB messages the send writes (default 1): the window counts each one, as TWS does. */
  readonly messages?: number;
  /**
   * The id (a fresh reqId, or the order id of a new order) whose first answer proves this send read: `answered`
   * with it. Only ids TWS cannot answer before reading this send (not a modified order's id).
   */
  readonly answeredBy?: AnswerKey;
  /** The send writes one reqCurrentTime: its answer (`currentTimeAnswered`) proves it read. */
  readonly isProbe?: boolean;
  /** Clock ms after which the entry must not be sent any more: it is dropped with reason `deadline` instead. */
  readonly deadlineMs?: number;
  /** Called once when the entry leaves the queue unsent. */
  readonly onDrop?: (reason: DropReason) => void;
}

interface Entry {
  readonly send: () => void;
  readonly messages: number;
  readonly answeredBy: AnswerKey | undefined;
  readonly isProbe: boolean;
  /** Clock ms when it was queued (its wait is counted when it goes). */
  readonly queuedAtMs: number;
  readonly deadlineMs: number | undefined;
  readonly onDrop: ((reason: DropReason) => void) | undefined;
}

/**
 * Runs send functions in priority order within the rate window. A send that throws is reported to `onError`
 * (the caller of `submit` learns of failures through its own request tracking, not through the governor).
 */
export class OutboundGovernor {
  private readonly window: RateWindow;
  private readonly lanes = new PriorityLanes<Entry>();
  private readonly probe: () => void;
  private readonly probeEvery: number;
  private readonly idleProbeMs: number;
  /** Ids whose first answer proves a send read → the sequence number of that send's last message. */
  private readonly awaiting = new Map<AnswerKey, number>();
  /** Sequence numbers of the reqCurrentTime messages not answered yet, oldest first (TWS answers in order). */
  private readonly probesOut: number[] = [];
  private cancelTimer: (() => void) | undefined;
  private cancelIdleProbe: (() => void) | undefined;
  private sent = 0;
  private waited = 0;
  private probes = 0;

  constructor(
    options: GovernorOptions,
    private readonly clock: GovernorClock = systemClock,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.window = new RateWindow(options);
    this.probe = options.probe;
    this.probeEvery = options.probeEvery ?? 10;
    this.idleProbeMs = options.idleProbeMs ?? 250;
  }

  submit(priority: Priority, send: () => void, options: SubmitOptions = {}): void {
    const messages = options.messages ?? 1;
    // One place of the window is the probe's: a send may fill the others.
    // One place of the ceiling is the probe's: a send may fill the others, within the configured rate.
    const most = Math.min(this.window.perSecond, this.window.ceiling - 1);
    if (!(Number.isInteger(messages) && messages >= 1 && messages <= most))
      throw new RangeError(`a send writes 1..${most} messages, got ${messages}`);
    this.lanes.push(priority, {
      send,
      messages,
      answeredBy: options.answeredBy,
      isProbe: options.isProbe ?? false,
      queuedAtMs: this.clock.now(),
      deadlineMs: options.deadlineMs,
      onDrop: options.onDrop,
    });
    this.pump();
  }

  /** An answer naming `key` arrived: the send registered with it (and everything before it) is read. */
  answered(key: AnswerKey): void {
    const seq = this.awaiting.get(key);
    if (seq === undefined) return;
    this.awaiting.delete(key);
    this.proveThrough(seq);
  }

  /** IB answered a reqCurrentTime: the oldest one outstanding (and everything before it) is read. */
  currentTimeAnswered(): void {
    const seq = this.probesOut.shift();
    if (seq !== undefined) this.proveThrough(seq);
  }

  /** The session's first nextValidId: START_API, the only message before it, is read. */
  sessionStarted(): void {
    this.window.allRead(this.clock.now());
    this.pump();
  }

  /**
   * How long an entry submitted now in `priority` would wait for its turn, ms: the entries that go before it at
   * the sustained rate (the configured one, or less while proofs come late), plus what the window makes
   * the next one wait. An estimate (later cancels may still jump ahead); the deadline given to `submit` is the
   * hard bound.
   */
  estimateWaitMs(priority: Priority): number {
    const ahead = this.lanes.aheadOf(priority);
    const now = this.clock.now();
    const next = this.window.waitMs(now, 1, 1);
    const perSecond = this.window.sustainedPerSecond;
    const nextWait = Number.isFinite(next) ? next : TWS_SECOND_MS;
    return Math.ceil((ahead * TWS_SECOND_MS) / perSecond) + nextWait;
  }

  /** Counts one message written without the governor (@stoqey/ib's START_API, as it is written) against the window. */
  noteUnpaced(): void {
    this.window.record(this.clock.now());
  }

  /**
   * The session went down: drops everything queued, telling each entry's owner (reason `cleared`), and starts a
   * new window (TWS counts per connection; nothing answers the old socket's messages any more).
   */
  clear(): number {
    this.newWindow();
    return this.drop(this.lanes.clear(), 'cleared');
  }

  get queued(): number {
    return this.lanes.size;
  }

  get totalSent(): number {
    return this.sent;
  }

  /** Probes the governor sent itself (reqCurrentTime, to prove messages read). */
  get probesSent(): number {
    return this.probes;
  }

  /** Summed time the sent entries waited in the queue, ms (÷ totalSent: the mean wait). */
  get totalWaitMs(): number {
    return this.waited;
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.newWindow();
    this.drop(this.lanes.clear(), 'stopped');
  }

  private newWindow(): void {
    this.window.reset();
    this.awaiting.clear();
    this.probesOut.length = 0;
    this.cancelIdleProbe?.();
    this.cancelIdleProbe = undefined;
  }

  private proveThrough(seq: number): void {
    this.window.readThrough(seq, this.clock.now());
    for (const [id, s] of this.awaiting) if (s <= seq) this.awaiting.delete(id);
    // A reqCurrentTime already proven read still gets its answer: keep it queued so the answers stay paired.
    this.pump();
  }

  private drop(entries: readonly Entry[], reason: DropReason): number {
    for (const e of entries) this.dropOne(e, reason);
    return entries.length;
  }

  private dropOne(e: Entry, reason: DropReason): void {
    try {
      e.onDrop?.(reason);
    } catch (err) {
      this.onError(err);
    }
  }

  /** A probe is wanted when enough messages wait for a proof and none is on its way. */
  private probeWanted(blocked: boolean): boolean {
    if (this.probesOut.length > 0 || this.window.unproven === 0) return false;
    return blocked || this.window.unproven >= this.probeEvery;
  }

  private sendProbe(now: number): void {
    this.probesOut.push(this.window.record(now, 1, true));
    this.probes++;
    try {
      this.probe();
    } catch (err) {
      this.onError(err);
    }
  }

  private pump(): void {
    if (this.cancelTimer !== undefined) return;
    for (;;) {
      const now = this.clock.now();
      const next = this.lanes.peek();
      if (next !== undefined && next.deadlineMs !== undefined && now > next.deadlineMs) {
        this.lanes.shift();
        this.dropOne(next, 'deadline');
        continue;
      }
      const wait = next === undefined ? 0 : this.window.waitMs(now, next.messages, 1, next.isProbe);
      if (this.probeWanted(wait === Number.POSITIVE_INFINITY)) {
        // The probe may take the kept place; only our own 100 ms smoothing can make it wait.
        const probeWait = this.window.waitMs(now, 1, 0, true);
        if (probeWait === 0) {
          this.sendProbe(now);
          continue;
        }
        if (Number.isFinite(probeWait)) {
          this.schedule(probeWait);
          return;
        }
      }
      if (next === undefined) {
        this.scheduleIdleProbe();
        return;
      }
      // Infinity: only a proof makes room; it is on its way (answered / currentTimeAnswered pump again).
      if (wait === Number.POSITIVE_INFINITY) return;
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
      const entry = this.lanes.shift();
      if (entry === undefined) return;
      const seq = this.window.record(now, entry.messages, entry.isProbe);
      if (entry.answeredBy !== undefined) this.awaiting.set(entry.answeredBy, seq);
      if (entry.isProbe) this.probesOut.push(seq);
      this.sent++;
      this.waited += now - entry.queuedAtMs;
      try {
        entry.send();
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private schedule(ms: number): void {
    this.cancelTimer = this.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      this.pump();
    }, ms);
  }

  /** The queue is empty but messages are unproven: probe once it stays so for `idleProbeMs`. */
  private scheduleIdleProbe(): void {
    if (this.cancelIdleProbe !== undefined || this.window.unproven === 0 || this.probesOut.length > 0) return;
    this.cancelIdleProbe = this.clock.setTimeout(() => {
      this.cancelIdleProbe = undefined;
      if (this.lanes.size > 0 || this.probesOut.length > 0 || this.window.unproven === 0) return;
      const now = this.clock.now();
      if (this.window.waitMs(now, 1, 0, true) === 0) this.sendProbe(now);
      else this.pump();
    }, this.idleProbeMs);
  }
}
