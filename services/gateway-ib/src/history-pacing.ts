/**
 * Historical-data pacing for one IB connection: ONE queue for every consumer, honouring IB's rules so IB never
 * answers with a pacing violation (162/366):
 *   1. no identical request within 15 s;
 *   2. fewer than 6 requests for the same contract + exchange + whatToShow within 2 s (BID_ASK counts twice);
 *   3. at most 60 requests within any 10 minutes;
 *   4. at most 50 requests open at once.
 * Like IB, rules 1-3 apply to bar sizes ≤ 30 s only unless `paceAllBarSizes`; rule 4 always applies.
 * Windows are divided by `timeScale` (tests shrink them together with ib-sim's pacing scale) and widened by
 * `marginMs` against clock skew between our send and IB's receipt.
 *
 * `HistoryPacer` is the pure rule book: it says how long a request must still wait; the queue in history.ts
 * asks it before each send.
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

/** A recorded send; `atMs` is moved to the real send time once the governor lets the request out. */
export interface SentEntry {
  atMs: number;
  readonly identity: string;
  readonly series: string;
  readonly weight: number;
}

export class HistoryPacer {
  private sent: SentEntry[] = [];
  private open = 0;
  readonly rules: PacingRules;

  constructor(rules: Partial<PacingRules> = {}) {
    this.rules = { ...IB_PACING_RULES, ...rules };
    if (!(this.rules.timeScale > 0)) throw new RangeError('timeScale must be > 0');
  }

  private win(ms: number): number {
    return ms / this.rules.timeScale + this.rules.marginMs;
  }

  isPaced(r: PacedRequest): boolean {
    return this.rules.paceAllBarSizes || (r.barSeconds !== undefined && r.barSeconds <= this.rules.pacedBarSeconds);
  }

  /** Milliseconds `r` must still wait at `nowMs` (0 = may be sent now). Infinity while 50 are open. */
  waitMs(r: PacedRequest, nowMs: number): number {
    if (this.open >= this.rules.maxOpen) return Number.POSITIVE_INFINITY;
    if (!this.isPaced(r)) return 0;
    this.prune(nowMs);
    let wait = 0;
    const identical = this.win(this.rules.identicalMs);
    for (const e of this.sent) {
      if (e.identity === r.identity) wait = Math.max(wait, e.atMs + identical - nowMs);
    }
    const weight = r.bidAsk ? 2 : 1;
    const burst = this.win(this.rules.burstWindowMs);
    const inBurst = this.sent.filter((e) => e.series === r.series && nowMs - e.atMs < burst);
    wait = Math.max(wait, waitUntilRoom(inBurst, this.rules.burstMax - weight, burst, nowMs));
    const long = this.win(this.rules.longWindowMs);
    wait = Math.max(wait, waitUntilRoom(this.sent, this.rules.longMax - weight, long, nowMs));
    return Math.max(0, Math.ceil(wait));
  }

  /**
   * Records a request as sent (and open until `done`). The returned entry's `atMs` should be updated to the
   * moment the request really leaves (it may wait in the outbound governor).
   */
  recordSend(r: PacedRequest, nowMs: number): SentEntry {
    this.open++;
    const entry: SentEntry = { atMs: nowMs, identity: r.identity, series: r.series, weight: r.bidAsk ? 2 : 1 };
    if (this.isPaced(r)) this.sent.push(entry);
    return entry;
  }

  done(): void {
    this.open = Math.max(0, this.open - 1);
  }

  get openRequests(): number {
    return this.open;
  }

  private prune(nowMs: number): void {
    const keep = this.win(Math.max(this.rules.longWindowMs, this.rules.identicalMs));
    if (this.sent.length > 0 && nowMs - (this.sent[0]?.atMs ?? nowMs) >= keep) {
      this.sent = this.sent.filter((e) => nowMs - e.atMs < keep);
    }
  }
}

/**
 * Entries are in send order. Total weight must be ≤ `allowed` after the oldest ones leave the window: returns how
 * long until enough weight has aged out.
 */
function waitUntilRoom(entries: readonly SentEntry[], allowed: number, windowMs: number, nowMs: number): number {
  let total = 0;
  for (const e of entries) if (nowMs - e.atMs < windowMs) total += e.weight;
  if (total <= allowed) return 0;
  let excess = total - allowed;
  for (const e of entries) {
    if (nowMs - e.atMs >= windowMs) continue;
    excess -= e.weight;
    if (excess <= 0) return e.atMs + windowMs - nowMs;
  }
  return windowMs;
}
