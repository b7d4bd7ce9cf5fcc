/**
 * The historical-data scheduler of one IB login (host:port): every broker connection of this gateway to that
 * TWS / IB Gateway queues its requests here, in one arrival order, under one pacer (history-pacing.ts), because IB
 * paces the login, not the API client. It decides which request goes when, keeps each request's timeout from
 * running while IB's pacing rules hold it back, and forecasts when waiting (and not yet queued) requests will go.
 *
 * Order: arrival order, except that a request held by its own series' burst or identical-request rule lets
 * requests of other series pass. Nothing passes a request held by the 10-minute rule (it would take the slot the
 * held one waits for), nor a held request of the same series; so a forecast stays true when more requests arrive.
 */
import type { HistoryPacer, PacedRequest, SentEntry } from './history-pacing.js';

export interface ScheduledJob {
  readonly requestId: string;
  readonly paced: PacedRequest;
  /** Time allowed waiting for anything but IB's pacing rules (a connection, 50 open) plus at IB, ms. */
  readonly timeoutMs: number;
  readonly enqueuedMs: number;
  /** Can its connection send now? */
  ready(): boolean;
  /** It may go now: `entry` is its pacing record; call `answered` at its first answer and `done` at the end. */
  send(entry: SentEntry, budgetMs: number): void;
  /** Its time ran out while waiting (not counting waits for pacing). */
  expire(): void;
}

interface Waiting {
  readonly job: ScheduledJob;
  /** Time held by pacing so far (does not count against timeoutMs). */
  pacedMs: number;
  heldSince: number | undefined;
}

export interface ForecastQuery {
  /** Report the queued requests whose requestId starts with this. */
  readonly requestIdPrefix?: string;
  /**
   * Requests not queued yet: `count` more like `paced`, as if they were queued now (after everything queued).
   * With a prefix this is also remembered as the download's demand for INTENT_TTL_MS, so every other forecast
   * counts it too: downloads running side by side share the rules' budget, and each one's ETA knows it.
   */
  readonly more?: { readonly paced: PacedRequest; readonly count: number };
}

export interface Forecast {
  readonly nowMs: number;
  /** Typical time from a send to the first answer (recent average), ms. */
  readonly answerMs: number;
  readonly queued: number;
  readonly open: number;
  /** Queued requests matching the prefix, with their predicted send time (undefined: not before their connection is back). */
  readonly waiting: ReadonlyArray<{ readonly requestId: string; readonly sendAtMs: number | undefined }>;
  readonly more: { readonly firstSendAtMs: number; readonly lastSendAtMs: number } | undefined;
}

/** How long a download's announced demand (`more`) counts without being announced again, ms. */
const INTENT_TTL_MS = 5_000;
/** Hypothetical requests simulated one by one; beyond, the steady rate of the rules is extrapolated. */
const FORECAST_SIMULATED = 400;
/** Safety bound on the simulation's steps. */
const FORECAST_MAX_STEPS = 20_000;

export class HistoryScheduler {
  private readonly waiting: Waiting[] = [];
  private readonly inFlight = new Set<SentEntry>();
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  private answerAvgMs = 250;
  /** Demand announced by downloads (requestId prefix → requests still to come), see ForecastQuery.more. */
  private readonly intents = new Map<string, { paced: PacedRequest; count: number; expiresMs: number }>();

  constructor(
    readonly pacer: HistoryPacer,
    private readonly clock: () => number = Date.now,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  enqueue(job: ScheduledJob): void {
    this.waiting.push({ job, pacedMs: 0, heldSince: undefined });
    this.pump();
  }

  /** Puts a job back at the head of the queue (IB refused it for pacing after all). */
  requeue(job: ScheduledJob): void {
    this.waiting.unshift({ job, pacedMs: 0, heldSince: undefined });
    queueMicrotask(() => this.pump());
  }

  /** Takes a job out of the queue (failed or stopped elsewhere); false when it was not waiting. */
  remove(job: ScheduledJob): boolean {
    const i = this.waiting.findIndex((w) => w.job === job);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** The first answer of a sent request arrived. */
  answered(entry: SentEntry): void {
    if (entry.answeredMs !== undefined) return;
    const now = this.clock();
    this.pacer.answered(entry, now);
    this.answerAvgMs = 0.8 * this.answerAvgMs + 0.2 * Math.max(0, now - entry.sentMs);
    this.pump();
  }

  /** A sent request is finished (answered whole, failed, cancelled, or its connection dropped). */
  done(entry: SentEntry): void {
    if (!this.inFlight.delete(entry)) return;
    if (entry.answeredMs === undefined) this.pacer.answered(entry, this.clock());
    this.pacer.done();
    queueMicrotask(() => this.pump());
  }

  /** Sends what the rules allow now and sleeps until the next request may go or the next deadline. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      clearTimeout(this.timer);
      this.timer = undefined;
      const now = this.clock();
      const d = decide(this.pacer, this.waiting, now, (w) => w.job.ready());
      let wake = d.soonestMs;
      for (const w of this.waiting) {
        if (d.held.has(w)) {
          w.heldSince ??= now;
          continue;
        }
        if (w.heldSince !== undefined) {
          w.pacedMs += now - w.heldSince;
          w.heldSince = undefined;
        }
      }
      for (const w of d.send) {
        this.remove(w.job);
        const budget = w.job.timeoutMs - (now - w.job.enqueuedMs - w.pacedMs);
        const entry = d.entries.get(w) as SentEntry;
        this.inFlight.add(entry);
        w.job.send(entry, Math.max(1, budget));
      }
      for (const w of [...this.waiting]) {
        if (d.held.has(w)) continue;
        const left = w.job.timeoutMs - (now - w.job.enqueuedMs - w.pacedMs);
        if (left <= 0) {
          this.remove(w.job);
          w.job.expire();
        } else wake = Math.min(wake, left);
      }
      if (Number.isFinite(wake) && this.waiting.length > 0) this.timer = setTimeout(() => this.pump(), wake);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * When the queued requests (and `more` not yet queued) will be sent, by replaying the scheduler's decisions on
   * a copy of the pacer: requests at IB and simulated ones are taken to be answered and finished `answerMs` after
   * their send. Requests of a connection that is down are not expected to go.
   */
  forecast(q: ForecastQuery = {}): Forecast {
    const now = this.clock();
    const answerMs = Math.max(1, Math.round(this.answerAvgMs));
    const pacer = this.pacer.clone();
    const finishes: number[] = [];
    for (const e of this.inFlight) finishes.push(Math.max(now, e.sentMs + answerMs));
    pacer.assumeAnswered(now, answerMs);
    const prefix = q.requestIdPrefix;
    const more = q.more;
    const demand = this.demand(now, prefix, more);
    type Sim = { readonly w: Waiting; readonly mine: boolean; readonly hypothetical: boolean; sendAtMs?: number };
    const sims: Sim[] = this.waiting
      .filter((w) => w.job.ready())
      .map((w) => ({ w: { job: w.job, pacedMs: 0, heldSince: undefined }, mine: false, hypothetical: false }));
    // Demand still to come, interleaved as downloads running side by side submit it; the first ones simulated.
    const left = demand.map((d) => ({ ...d, next: 0 }));
    let simulated = 0;
    while (simulated < FORECAST_SIMULATED && left.some((d) => d.next < d.count)) {
      for (const d of left) {
        if (d.next >= d.count || simulated >= FORECAST_SIMULATED) continue;
        const paced = { ...d.paced, identity: `${d.paced.identity}#forecast-${d.key}-${d.next}` };
        d.next++;
        simulated++;
        const job = { paced } as ScheduledJob;
        sims.push({ w: { job, pacedMs: 0, heldSince: undefined }, mine: d.mine, hypothetical: true });
      }
    }
    const bySim = new Map(sims.map((s) => [s.w, s]));
    let pending = sims.map((s) => s.w);
    let t = now;
    for (let step = 0; pending.length > 0 && step < FORECAST_MAX_STEPS; step++) {
      finishes.sort((a, b) => a - b);
      while (finishes.length > 0 && (finishes[0] as number) <= t) {
        finishes.shift();
        pacer.done();
      }
      const d = decide(pacer, pending, t, () => true);
      for (const w of d.send) {
        const s = bySim.get(w) as Sim;
        s.sendAtMs = t;
        (d.entries.get(w) as SentEntry).answeredMs = t + answerMs;
        finishes.push(t + answerMs);
      }
      if (d.send.length > 0) pending = pending.filter((w) => bySim.get(w)?.sendAtMs === undefined);
      const next = Math.min(t + d.soonestMs, finishes.length > 0 ? Math.min(...finishes) : Number.POSITIVE_INFINITY);
      if (!Number.isFinite(next)) break;
      t = Math.max(next, t + 1);
    }
    const waiting = this.waiting
      .filter((w) => prefix !== undefined && w.job.requestId.startsWith(prefix))
      .map((w) => {
        const s = sims.find((x) => x.w.job === w.job);
        return { requestId: w.job.requestId, sendAtMs: s?.sendAtMs };
      });
    let moreOut: Forecast['more'];
    if (more !== undefined && more.count > 0) {
      const hyp = sims.filter((s) => s.hypothetical);
      const mine = hyp.filter((s) => s.mine);
      const first = mine[0]?.sendAtMs ?? t;
      let last = mine.at(-1)?.sendAtMs ?? t;
      const own = left.find((d) => d.mine);
      if (own !== undefined && own.count > own.next) {
        // Beyond the simulation: the rules' steady rate, shared round-robin with the other downloads' rest.
        const rest = own.count - own.next;
        const shared = left.reduce((n, d) => n + Math.min(rest, d.count - d.next), 0);
        last = Math.max(last, hyp.at(-1)?.sendAtMs ?? t) + shared * this.steadyIntervalMs(more.paced);
      }
      moreOut = { firstSendAtMs: first, lastSendAtMs: last };
    }
    return { nowMs: now, answerMs, queued: this.waiting.length, open: this.pacer.openRequests, waiting, more: moreOut };
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The asker's own `more` first, then every other download's demand announced within INTENT_TTL_MS. */
  private demand(
    now: number,
    prefix: string | undefined,
    more: ForecastQuery['more'],
  ): Array<{ key: string; paced: PacedRequest; count: number; mine: boolean }> {
    for (const [k, v] of this.intents) if (v.expiresMs <= now) this.intents.delete(k);
    if (prefix !== undefined) {
      if (more === undefined || more.count === 0) this.intents.delete(prefix);
      else this.intents.set(prefix, { paced: more.paced, count: more.count, expiresMs: now + INTENT_TTL_MS });
    }
    const out: Array<{ key: string; paced: PacedRequest; count: number; mine: boolean }> = [];
    if (more !== undefined && more.count > 0)
      out.push({ key: 'own', paced: more.paced, count: more.count, mine: true });
    let i = 0;
    for (const [k, v] of this.intents) {
      if (k !== prefix) out.push({ key: `i${i++}`, paced: v.paced, count: v.count, mine: false });
    }
    return out;
  }

  /** Long-run spacing of requests of one series under rules 2 and 3 (0 for unpaced bar sizes). */
  private steadyIntervalMs(paced: PacedRequest): number {
    if (!this.pacer.isPaced(paced)) return 0;
    const r = this.pacer.rules;
    const weight = paced.bidAsk ? 2 : 1;
    return Math.max(
      (this.pacer.win(r.longWindowMs) * weight) / r.longMax,
      (this.pacer.win(r.burstWindowMs) * weight) / r.burstMax,
    );
  }
}

interface Decision {
  readonly send: Waiting[];
  readonly entries: Map<Waiting, SentEntry>;
  /** Held back by a pacing rule (directly or behind a held request it may not pass). */
  readonly held: Set<Waiting>;
  readonly soonestMs: number;
}

/** One pass over the queue at `now`: which requests go (recorded in `pacer`) and which pacing holds back. */
function decide(pacer: HistoryPacer, queue: readonly Waiting[], now: number, ready: (w: Waiting) => boolean): Decision {
  const send: Waiting[] = [];
  const entries = new Map<Waiting, SentEntry>();
  const held = new Set<Waiting>();
  const blockedSeries = new Set<string>();
  let longBlocked = false;
  let soonestMs = Number.POSITIVE_INFINITY;
  for (const w of queue) {
    if (!ready(w)) continue;
    const r = w.job.paced;
    const paced = pacer.isPaced(r);
    if (paced && (longBlocked || blockedSeries.has(r.series))) {
      held.add(w);
      continue;
    }
    const c = pacer.check(r, now);
    if (c.waitMs === 0) {
      send.push(w);
      entries.set(w, pacer.recordSend(r, now));
      continue;
    }
    if (c.rule === 'open') break;
    held.add(w);
    soonestMs = Math.min(soonestMs, c.waitMs);
    if (paced) {
      blockedSeries.add(r.series);
      if (c.rule === 'long') longBlocked = true;
    }
  }
  return { send, entries, held, soonestMs };
}
