import type { Bus } from '@trading-system/bus';
import {
  type BarData,
  type BarEncoding,
  calendarForInstrument,
  chunkBySize,
  DEFAULT_CHUNK_BYTES,
  defaultWhatToShow,
  type ErrorCode,
  type HistBarsQuery,
  type HistoryCapabilities,
  type Instrument,
  instrumentLabel,
  type MissingRange,
  PACKED_MAX_INT,
  packable,
  packBars,
  supportedWhatToShow,
  type WhatToShow,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type BackfillOptions, backfill } from './backfill.js';
import { absoluteTimes } from './bar-blocks.js';
import { type BarPlan, planBarRange } from './bar-range.js';
import type { BarStore } from './bar-store.js';
import type { BrokerHistory } from './broker-history.js';
import { barSizeMs } from './chunk-plan.js';
import { type Range, subtract } from './coverage.js';
import { HistoryError } from './errors.js';
import type { InstrumentResolver } from './instruments.js';
import type { HistoryObserver } from './observer.js';
import { resample } from './resample.js';
import { type SeriesKey, seriesId } from './series.js';
import type { StreamPublisher } from './stream-publisher.js';

/** Bars per chunk on the warm path: ≤ ~350 bytes per bar worst case keeps a chunk far below 1 MiB. */
const BARS_PER_CHUNK = 1_000;
/**
 * Bars per packed chunk: ~62 kB at a typical ~77 bytes per absolute row, ~40 kB at ~50 in the delta form (≤ ~210
 * kB worst case, six 32-character decimals). Kept well under 128 kB on purpose: a larger string or buffer is a
 * large object (V8's large-object space, a fresh mmap from malloc) on every hop — the service's message bytes,
 * NATS's frame, the client's decoded text and parsed `rows` — and paying for fresh pages four times per chunk cost
 * about twice the CPU of the same bytes in 800-bar chunks (client decode + check of a year: best ~100 ms at 3,000
 * bars per chunk, ~45 ms at 800, same process).
 */
const PACKED_BARS_PER_CHUNK = 800;
/** Packed integers have at most 15 digits: ranges ending later (with a year to spare for tsEndMs) go as objects. */
const PACKED_LAST_END_MS = PACKED_MAX_INT - 366 * 86_400_000;

export interface BarsServiceDeps {
  readonly bus: Bus;
  readonly brokers: BrokerHistory;
  readonly store: BarStore;
  readonly instruments: InstrumentResolver;
  readonly log: Logger;
  readonly now: () => number;
  readonly backfill: BackfillOptions;
  readonly observer: HistoryObserver;
}

export interface PreparedBars {
  readonly instrument: Instrument;
  /** The broker's announcement the plan was made from. */
  readonly history: HistoryCapabilities;
  readonly plan: BarPlan;
  readonly series: SeriesKey;
}

/**
 * hist.bars behind the handler: make the cache cover the range (fetching only what coverage lacks), then stream
 * the bars. Downloads of one series are serialised in this process, so two overlapping requests never fetch the
 * same chunk twice.
 */
export class BarsService {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: BarsServiceDeps) {}

  async prepare(q: HistBarsQuery): Promise<PreparedBars> {
    const instrument = await this.deps.instruments.resolve(q.broker, q.instrument);
    const whatToShow = q.whatToShow ?? defaultWhatToShow(instrument.secType);
    const supported = supportedWhatToShow(instrument.secType);
    if (!supported.includes(whatToShow)) throw whatToShowRefused(instrument, whatToShow, supported);
    const history = await this.deps.brokers.of(q.broker);
    const served = history.bars.map((b) => b.timeframe);
    const ours = this.deps.now();
    // "The last N days" end at the broker's now (its announced clock), not ours.
    const brokerNow = this.deps.brokers.nowOf(q.broker, ours);
    const plan = planBarRange(
      q,
      brokerNow,
      served,
      instrument.timeZone ?? 'UTC',
      calendarForInstrument(instrument),
      Math.max(brokerNow, ours),
    );
    const series: SeriesKey = {
      broker: q.broker,
      instrumentId: instrument.id,
      timeframe: plan.baseTimeframe,
      whatToShow,
      useRth: q.useRth,
    };
    return { instrument, history, plan, series };
  }

  /**
   * Fills the cache for `p` (unless cachedOnly) and returns the ranges still missing, with the reason of each. A
   * hole older than the broker keeps bars of the series' size (its announced `maxLookbackMs` back from the broker's
   * now: its announced clock, else this service's) is reported as HISTORY_BEYOND_LOOKBACK. It is still asked for:
   * the broker's now is known only to a second or so (and not at all from older gateways), so only the broker's
   * answer is final.
   */
  async fill(
    p: PreparedBars,
    q: HistBarsQuery,
    requestId: string,
    out: StreamPublisher,
    signal: AbortSignal,
  ): Promise<MissingRange[]> {
    return this.withLock(seriesId(p.series), async () => {
      const range = p.plan.base;
      const oldest = oldestServedMs(p, this.deps.brokers.nowOf(p.series.broker, this.deps.now()));
      const beyond = (m: Range): MissingRange =>
        hole(
          m,
          'HISTORY_BEYOND_LOOKBACK',
          `broker ${p.series.broker} keeps ${p.series.timeframe} bars back to ${new Date(oldest ?? 0).toISOString()} only`,
        );
      const explain = (holes: readonly Range[], why: (m: Range) => MissingRange): MissingRange[] =>
        holes.flatMap((m) => {
          const [old, recent] = splitAt(m, oldest);
          return [...(old === undefined ? [] : [beyond(old)]), ...(recent === undefined ? [] : [why(recent)])];
        });
      const missing = subtract(range, await this.deps.store.coverage(p.series, range));
      this.deps.observer.lookup(missing.length === 0 ? 'hit' : q.cachedOnly ? 'cachedOnlyPartial' : 'miss');
      if (missing.length === 0) return [];
      if (q.cachedOnly) return explain(missing, (m) => hole(m, 'HISTORY_PARTIAL', 'not in the cache (cachedOnly)'));
      const result = await backfill(
        this.deps,
        p.series,
        p.history,
        missing,
        requestId,
        this.deps.backfill,
        (pr) => out.progress(pr.done, pr.total, pr.etaMs, pr.tick || pr.done === pr.total),
        signal,
        p.instrument.timeZone ?? 'UTC',
      );
      if (result.refused !== undefined) throw result.refused;
      const still = subtract(range, await this.deps.store.coverage(p.series, range));
      return explain(still, (m) => {
        const why = result.failed.find((f) => f.startMs < m.endMs && f.endMs > m.startMs);
        if (why !== undefined) return hole(m, why.code, why.message);
        return hole(m, 'SERVICE_UNAVAILABLE', 'download stopped before this range was fetched; request again');
      });
    });
  }

  /**
   * Streams the cached bars of `p` as chunks, packed when asked (and representable; in the delta form when the
   * requester reads it); each chunk waits for the requester's flow-control window (StreamPublisher.ready) when it
   * asked for one.
   */
  async stream(p: PreparedBars, out: StreamPublisher, encoding: BarEncoding = 'objects', delta = false): Promise<void> {
    const range = servedRange(p);
    const packed = encoding === 'packed' && range.endMs <= PACKED_LAST_END_MS;
    const type = delta ? 'bars-delta' : 'bars-packed';
    if (packed && !p.plan.resample) {
      // Counted beside the first page's read; told on the first chunk so the requester sizes its arrays once.
      const atMost = this.deps.store.blockBarsAtMost(p.series, range);
      atMost.catch(() => undefined);
      // Blocks hold the delta form; a requester that does not read it gets every time spelled out.
      for await (const c of this.deps.store.packedChunks(p.series, range, PACKED_BARS_PER_CHUNK)) {
        await out.ready();
        const hint = out.chunks === 0 ? await atMost : undefined;
        const parts = delta ? c.parts : [absoluteTimes(c.parts.join(';'))];
        out.publishPackedBars(type, p.instrument, p.plan.timeframe, parts, c.n, hint);
      }
      return;
    }
    if (packed) {
      const bars = await this.barObjects(p);
      if (bars.every(packable)) {
        for (let i = 0; i < bars.length; i += PACKED_BARS_PER_CHUNK) {
          const chunk = bars.slice(i, i + PACKED_BARS_PER_CHUNK);
          await out.ready();
          out.publishPackedBars(type, p.instrument, p.plan.timeframe, [packBars(chunk, delta)], chunk.length);
        }
        return;
      }
    }
    if (!p.plan.resample) {
      for (const g of await this.deps.store.barsJsonGroups(p.series, range, BARS_PER_CHUNK)) {
        await out.ready();
        out.publishBarsJson(p.instrument, p.plan.timeframe, g.json, g.n);
      }
      return;
    }
    const bars = await this.barObjects(p);
    for (const chunk of chunkBySize(bars, DEFAULT_CHUNK_BYTES)) {
      await out.ready();
      out.publishBars(p.instrument, p.plan.timeframe, chunk);
    }
  }

  /** The bars of `p` as objects (resampled when the timeframe is not an IB size), in time order. */
  async barObjects(p: PreparedBars): Promise<BarData[]> {
    const base = await this.deps.store.bars(p.series, servedRange(p));
    if (!p.plan.resample) return base;
    const { startMs, endMs } = p.plan.requested;
    return resample(base, p.plan.timeframe, p.plan.grid).filter((b) => b.tsEndMs > startMs && b.tsStartMs < endMs);
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    // The next holder waits for this one to finish, not to succeed; `run`'s error goes to this caller.
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}

/**
 * The base bars to read for `p`: its base range, whose start is floored to a bar boundary for the cache (whole bars
 * fetched and covered) — without resampling, from the requested start on, so a range starting inside a bar starts
 * with the next bar (bars by tsStartMs in [start, end), as the gateway answers), not the one it started in.
 */
function servedRange(p: PreparedBars): Range {
  if (p.plan.resample) return p.plan.base;
  return { startMs: Math.max(p.plan.base.startMs, p.plan.requested.startMs), endMs: p.plan.base.endMs };
}

/** The typed refusal of a whatToShow the instrument has no data of, naming the ones it has. */
export function whatToShowRefused(
  instrument: Instrument,
  whatToShow: WhatToShow,
  supported: readonly WhatToShow[],
): HistoryError {
  return new HistoryError(
    'HISTORY_DATA_TYPE_REFUSED',
    `${instrumentLabel(instrument)} has no ${whatToShow} history; use one of ${supported.join(', ')} ` +
      `(or leave whatToShow out: ${defaultWhatToShow(instrument.secType)} for ${instrument.secType})`,
    { details: { whatToShow, supported: [...supported] } },
  );
}

function hole(r: Range, code: ErrorCode, message: string): MissingRange {
  return { startMs: r.startMs, endMs: r.endMs, code, message };
}

/**
 * The oldest bar start the broker serves for the series' bar size now (its announced maxLookbackMs back from now,
 * rounded up to a bar boundary so chunks stay aligned), or undefined when it announces no limit.
 */
function oldestServedMs(p: PreparedBars, nowMs: number): number | undefined {
  const lookback = p.history.bars.find((b) => b.timeframe === p.series.timeframe)?.maxLookbackMs;
  if (lookback === undefined) return undefined;
  const barMs = barSizeMs(p.series.timeframe);
  return Math.ceil((nowMs - lookback) / barMs) * barMs;
}

/** `r` cut at `t`: the part before it and the part from it on (either absent when empty). */
function splitAt(r: Range, t: number | undefined): [Range | undefined, Range | undefined] {
  if (t === undefined || t <= r.startMs) return [undefined, r];
  if (t >= r.endMs) return [r, undefined];
  return [
    { startMs: r.startMs, endMs: t },
    { startMs: t, endMs: r.endMs },
  ];
}
