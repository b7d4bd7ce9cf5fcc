/**
 * The outbound governor: every message gateway-ib sends to one IB connection passes here, so IB's limit of
 * 50 messages/second per connection (error 100, then disconnection) is never reached, whoever asks.
 *
 * Policy (pure, `RateWindow`): at most `perSecond` messages in any sliding window of 1 000 ms + `guardMs` and at
 * most `perTick` in any sliding 100 ms window (smooth: a burst is spread instead of spent at once). TWS counts a
 * sliding second at *arrival*; we stamp at *send*. A message delayed on the way (the event loop, the socket, TWS
 * reading late and stamping a batch at once) moves closer to the ones after it, so a window that is exactly one
 * second at the sender can hold 51 at TWS: the guard absorbs that jitter (50 ms costs 5 % of the ceiling).
 * Messages sent outside the governor (the API handshake's START_API) are recorded with `noteUnpaced` so they count.
 * Priorities: cancels first, then orders, then everything else (data, contracts, history), FIFO within one.
 *
 * Nothing leaves the queue silently: an entry is either sent or dropped with a reason (`onDrop`): its deadline
 * passed before its turn came (the order path gives every order message one, so an order never waits longer than
 * the gateway's queue budget), the session went down (`clear`), or the governor stopped. `estimateWaitMs` lets a
 * caller refuse at once instead of queueing behind a backlog that cannot drain within its budget.
 */

export type Priority = 'cancel' | 'order' | 'data';
const PRIORITY_ORDER: readonly Priority[] = ['cancel', 'order', 'data'];

export interface RateWindowOptions {
  /** Messages per sliding second (IB's ceiling is 50; default 40 leaves room for @stoqey/ib's own handshake). */
  readonly perSecond: number;
  /** Messages per sliding 100 ms (default ceil(perSecond / 10)). */
  readonly perTick?: number;
  /** Added to the one-second window to absorb send→arrival jitter (default 50 ms). */
  readonly guardMs?: number;
}

/** Default `guardMs`: covers a TWS (or ib-sim) event loop busy for tens of ms before it reads and stamps. */
export const DEFAULT_GUARD_MS = 50;

/** Sliding-window accounting of sent messages. Pure: time is passed in. */
export class RateWindow {
  private readonly stamps: number[] = [];
  readonly perSecond: number;
  readonly perTick: number;
  /** The sliding window the per-second budget is counted over, ms (1 000 + guard). */
  readonly windowMs: number;

  constructor(options: RateWindowOptions) {
    if (!(options.perSecond >= 1)) throw new RangeError(`perSecond must be ≥ 1, got ${options.perSecond}`);
    const guard = options.guardMs ?? DEFAULT_GUARD_MS;
    if (!(guard >= 0)) throw new RangeError(`guardMs must be ≥ 0, got ${guard}`);
    this.perSecond = options.perSecond;
    this.perTick = options.perTick ?? Math.max(1, Math.ceil(options.perSecond / 10));
    this.windowMs = 1_000 + guard;
  }

  /**
   * Milliseconds to wait before `messages` more (one send that writes that many IB messages, e.g.
   * reqMarketDataType + reqMktData) may go at `nowMs` (0 = now).
   */
  waitMs(nowMs: number, messages = 1): number {
    this.prune(nowMs);
    let wait = 0;
    const secondRoom = this.perSecond - messages;
    if (this.stamps.length > secondRoom) {
      const oldest = this.stamps[this.stamps.length - secondRoom - 1] ?? nowMs;
      wait = Math.max(wait, oldest + this.windowMs - nowMs);
    }
    const tickRoom = Math.max(0, this.perTick - messages);
    const inTick = this.countSince(nowMs - 100);
    if (inTick > tickRoom) {
      const oldestInTick = this.stamps[this.stamps.length - tickRoom - 1] ?? nowMs;
      wait = Math.max(wait, oldestInTick + 100 - nowMs);
    }
    return Math.max(0, wait);
  }

  record(nowMs: number, messages = 1): void {
    for (let i = 0; i < messages; i++) this.stamps.push(nowMs);
  }

  /** Messages sent in the sliding window (1 000 ms + guard) ending at `nowMs`. */
  countLastSecond(nowMs: number): number {
    this.prune(nowMs);
    return this.stamps.length;
  }

  private countSince(fromMs: number): number {
    let n = 0;
    for (let i = this.stamps.length - 1; i >= 0 && (this.stamps[i] ?? 0) > fromMs; i--) n++;
    return n;
  }

  private prune(nowMs: number): void {
    let drop = 0;
    while (drop < this.stamps.length && (this.stamps[drop] ?? 0) <= nowMs - this.windowMs) drop++;
    if (drop > 0) this.stamps.splice(0, drop);
  }
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

export interface SubmitOptions {
  /** IB messages the send writes (default 1): the window counts each one, as TWS does. */
  readonly messages?: number;
  /** Clock ms after which the entry must not be sent any more: it is dropped with reason `deadline` instead. */
  readonly deadlineMs?: number;
  /** Called once when the entry leaves the queue unsent. */
  readonly onDrop?: (reason: DropReason) => void;
}

interface Entry {
  readonly send: () => void;
  readonly messages: number;
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
  private cancelTimer: (() => void) | undefined;
  private sent = 0;
  private waited = 0;

  constructor(
    options: RateWindowOptions,
    private readonly clock: GovernorClock = systemClock,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.window = new RateWindow(options);
  }

  submit(priority: Priority, send: () => void, options: SubmitOptions = {}): void {
    const messages = options.messages ?? 1;
    if (!(Number.isInteger(messages) && messages >= 1 && messages <= this.window.perSecond))
      throw new RangeError(`a send writes 1..${this.window.perSecond} messages, got ${messages}`);
    this.lanes.push(priority, {
      send,
      messages,
      queuedAtMs: this.clock.now(),
      deadlineMs: options.deadlineMs,
      onDrop: options.onDrop,
    });
    this.pump();
  }

  /**
   * How long an entry submitted now in `priority` would wait for its turn, ms: the entries that go before it at
   * the sustained rate, plus what the window makes the next one wait. An estimate (later cancels may still jump
   * ahead); the deadline given to `submit` is the hard bound.
   */
  estimateWaitMs(priority: Priority): number {
    const ahead = this.lanes.aheadOf(priority);
    return Math.ceil((ahead * this.window.windowMs) / this.window.perSecond) + this.window.waitMs(this.clock.now());
  }

  /** Counts one message that was sent without the governor (START_API in the handshake) against the window. */
  noteUnpaced(): void {
    this.window.record(this.clock.now());
  }

  /** Drops everything queued (on disconnect), telling each entry's owner (reason `cleared`). */
  clear(): number {
    return this.drop(this.lanes.clear(), 'cleared');
  }

  get queued(): number {
    return this.lanes.size;
  }

  get totalSent(): number {
    return this.sent;
  }

  /** Summed time the sent entries waited in the queue, ms (÷ totalSent: the mean wait). */
  get totalWaitMs(): number {
    return this.waited;
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.drop(this.lanes.clear(), 'stopped');
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

  private pump(): void {
    if (this.cancelTimer !== undefined) return;
    for (;;) {
      const next = this.lanes.peek();
      if (next === undefined) return;
      const now = this.clock.now();
      if (next.deadlineMs !== undefined && now > next.deadlineMs) {
        this.lanes.shift();
        this.dropOne(next, 'deadline');
        continue;
      }
      const wait = this.window.waitMs(now, next.messages);
      if (wait > 0) {
        this.cancelTimer = this.clock.setTimeout(() => {
          this.cancelTimer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const entry = this.lanes.shift();
      if (entry === undefined) return;
      this.window.record(now, entry.messages);
      this.sent++;
      this.waited += now - entry.queuedAtMs;
      try {
        entry.send();
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
