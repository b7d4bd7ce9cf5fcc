/**
 * Historical-data pacing of one IB login (every API connection to one TWS / IB Gateway): IB's rules, so IB never
 * answers with a pacing violation (162/366):
 *   1. no identical request within 15 s;
 *   2. fewer than 6 requests for the same contract + exchange + whatToShow within 2 s (BID_ASK counts twice);
 *   3. at most 60 requests within any 10 minutes;
 *   4. at most 50 requests open at once.
 * Like IB, rules 1-3 apply to bar sizes ≤ 30 s only unless `paceAllBarSizes`; rule 4 always applies.
 * Windows are divided by `timeScale` (tests shrink them together with ib-sim's pacing scale) and widened by
 * `marginMs`.
 *
 * IB counts a request when it receives it, which is some time after we send it (network, a busy event loop, a
 * proxy) and before its first answer. A window therefore starts at the request's first answer (the latest moment
 * IB can have counted it) and, while the request is unanswered, at "now": jitter between our send and IB's
 * receipt can never make two requests look further apart to us than to IB.
 *
 * `HistoryPacer` is the pure rule book: `check` says how long a request must still wait and which rule holds it;
 * the scheduler in history-queue.ts asks it before each send, and `forecast` replays the same decisions forward in
 * time to say when queued (and not yet queued) requests will go.
 */

export interface PacingRules {
  readonly identicalMs: number;
  readonly burstWindowMs: number;
  /** Requests per series allowed inside the burst window (IB: "six or more" is a violation → 5). */
  readonly burstMax: number;
  readonly longWindowMs: number;
  readonly longMax: number;
  readonly maxOpen: number;
  /** Only bar sizes up to this many seconds are paced by rules 1-3 (IB: 30). */
  readonly pacedBarSeconds: number;
  readonly paceAllBarSizes: boolean;
  /** Windows are divided by this (1 = IB's real windows). */
  readonly timeScale: number;
  /** Extra wait added to every window, ms (after scaling). */
  readonly marginMs: number;
}

export const IB_PACING_RULES: PacingRules = {
  identicalMs: 15_000,
  burstWindowMs: 2_000,
  burstMax: 5,
  longWindowMs: 600_000,
  longMax: 60,
  maxOpen: 50,
  pacedBarSeconds: 30,
  paceAllBarSizes: false,
  timeScale: 1,
  marginMs: 50,
};

export interface PacedRequest {
  /** Every IB parameter of the request (rule 1). */
  readonly identity: string;
  /** conId + exchange + whatToShow (rule 2). */
  readonly series: string;
  /** Bar size in seconds; undefined for monthly bars (never paced by size). */
  readonly barSeconds: number | undefined;
  readonly bidAsk: boolean;
}

/** The rule that holds a request back (`open`: rule 4, nothing may be sent until a request completes). */
export type PacingRule = 'identical' | 'burst' | 'long' | 'open';

export interface PacingCheck {
  /** Milliseconds still to wait (0 = may be sent now); Infinity while 50 are open. */
  readonly waitMs: number;
  readonly rule: PacingRule | undefined;
}

/** A recorded send. Its window starts at `answeredMs` once known, and at "now" until then. */
export interface SentEntry {
  readonly identity: string;
  readonly series: string;
  readonly weight: number;
  readonly sentMs: number;
  answeredMs: number | undefined;
}

export class HistoryPacer {
  private sent: SentEntry[] = [];
  private open = 0;
  /** Series IB refused for pacing anyway: held until the given time. */
  private readonly heldSeries = new Map<string, number>();
  readonly rules: PacingRules;

  constructor(rules: Partial<PacingRules> = {}) {
    this.rules = { ...IB_PACING_RULES, ...rules };
    if (!(this.rules.timeScale > 0)) throw new RangeError('timeScale must be > 0');
  }

  /** A window's length as applied: scaled, plus the margin. */
  win(ms: number): number {
    return ms / this.rules.timeScale + this.rules.marginMs;
  }

  isPaced(r: PacedRequest): boolean {
    return this.rules.paceAllBarSizes || (r.barSeconds !== undefined && r.barSeconds <= this.rules.pacedBarSeconds);
  }

  /** How long `r` must still wait at `nowMs`, and the rule that makes it wait (the longest wait wins). */
  check(r: PacedRequest, nowMs: number): PacingCheck {
    if (this.open >= this.rules.maxOpen) return { waitMs: Number.POSITIVE_INFINITY, rule: 'open' };
    if (!this.isPaced(r)) return { waitMs: 0, rule: undefined };
    this.prune(nowMs);
    let waitMs = 0;
    let rule: PacingRule | undefined;
    const consider = (w: number, why: PacingRule): void => {
      if (w > waitMs) {
        waitMs = w;
        rule = why;
      }
    };
    const until = this.heldSeries.get(r.series);
    if (until !== undefined) {
      if (until > nowMs) consider(until - nowMs, 'burst');
      else this.heldSeries.delete(r.series);
    }
    const counted = this.sent.map((e) => ({ e, at: countedAt(e, nowMs) })).sort((a, b) => a.at - b.at);
    const identical = this.win(this.rules.identicalMs);
    for (const { e, at } of counted) if (e.identity === r.identity) consider(at + identical - nowMs, 'identical');
    const weight = r.bidAsk ? 2 : 1;
    const burst = this.win(this.rules.burstWindowMs);
    const ofSeries = counted.filter(({ e }) => e.series === r.series);
    consider(waitUntilRoom(ofSeries, this.rules.burstMax - weight, burst, nowMs), 'burst');
    const long = this.win(this.rules.longWindowMs);
    consider(waitUntilRoom(counted, this.rules.longMax - weight, long, nowMs), 'long');
    return { waitMs: Math.max(0, Math.ceil(waitMs)), rule: waitMs > 0 ? rule : undefined };
  }

  /** Milliseconds `r` must still wait at `nowMs` (0 = may be sent now). Infinity while 50 are open. */
  waitMs(r: PacedRequest, nowMs: number): number {
    return this.check(r, nowMs).waitMs;
  }

  /** Records a request as sent (and open until `done`); mark its first answer with `answered`. */
  recordSend(r: PacedRequest, nowMs: number): SentEntry {
    this.open++;
    const entry: SentEntry = {
      identity: r.identity,
      series: r.series,
      weight: r.bidAsk ? 2 : 1,
      sentMs: nowMs,
      answeredMs: undefined,
    };
    if (this.isPaced(r)) this.sent.push(entry);
    return entry;
  }

  /** The first answer (bar, end or error) of a sent request arrived: IB counted it by then. */
  answered(entry: SentEntry, nowMs: number): void {
    if (entry.answeredMs === undefined) entry.answeredMs = nowMs;
  }

  done(): void {
    this.open = Math.max(0, this.open - 1);
  }

  get openRequests(): number {
    return this.open;
  }

  /** Holds every request of `series` until `untilMs` (IB reported a pacing violation for it). */
  holdSeries(series: string, untilMs: number): void {
    this.heldSeries.set(series, Math.max(untilMs, this.heldSeries.get(series) ?? 0));
  }

  /** For a forecast: every request still unanswered is taken to be answered `answerMs` after its send (not before now). */
  assumeAnswered(nowMs: number, answerMs: number): void {
    for (const e of this.sent) if (e.answeredMs === undefined) e.answeredMs = Math.max(nowMs, e.sentMs + answerMs);
  }

  /** A copy with the same history and open count, for a forecast that must not touch the real one. */
  clone(): HistoryPacer {
    const c = new HistoryPacer(this.rules);
    c.sent = this.sent.map((e) => ({ ...e }));
    c.open = this.open;
    for (const [k, v] of this.heldSeries) c.heldSeries.set(k, v);
    return c;
  }

  private prune(nowMs: number): void {
    const keep = this.win(Math.max(this.rules.longWindowMs, this.rules.identicalMs));
    if (this.sent.some((e) => nowMs - countedAt(e, nowMs) >= keep)) {
      this.sent = this.sent.filter((e) => nowMs - countedAt(e, nowMs) < keep);
    }
  }
}

/** When IB may have counted `e`, as late as we can know: its first answer, or now while it has none. */
function countedAt(e: SentEntry, nowMs: number): number {
  return e.answeredMs ?? Math.max(e.sentMs, nowMs);
}

/**
 * Entries in counting order. Total weight must be ≤ `allowed` after the oldest ones leave the window: returns how
 * long until enough weight has aged out.
 */
function waitUntilRoom(
  entries: ReadonlyArray<{ readonly e: SentEntry; readonly at: number }>,
  allowed: number,
  windowMs: number,
  nowMs: number,
): number {
  let total = 0;
  for (const { e, at } of entries) if (nowMs - at < windowMs) total += e.weight;
  if (total <= allowed) return 0;
  let excess = total - allowed;
  for (const { e, at } of entries) {
    if (nowMs - at >= windowMs) continue;
    excess -= e.weight;
    if (excess <= 0) return at + windowMs - nowMs;
  }
  return windowMs;
}
