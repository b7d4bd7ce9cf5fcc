import { type Bus, NoRespondersError } from '@trading-system/bus';
import { requestBroker } from '@trading-system/clients';
import type { HistoryCapabilities, HistoryForecastReply } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { SeriesKey } from './series.js';

/** How long a forecast request may take before the previous forecast is kept, ms. */
const FORECAST_TIMEOUT_MS = 2_000;

/**
 * The ETA of one download, true while IB's pacing holds its requests back. Two bounds, the larger wins:
 * - pacing: the broker's `historyForecast` (the pacing queue of the IB login, shared with every other client) says
 *   when this download's queued chunks and the ones not submitted yet will be sent; + IB's typical answer time;
 * - work: chunks left ÷ concurrency × the average time a chunk took apart from its wait in the pacing queue.
 * A gateway without `historyForecast` leaves the work bound, the old extrapolation from elapsed time, and the
 * broker's announced request budget (`requestWindow`: n requests need at least ⌊(n-1)/max⌋ windows). History does
 * not pace by that budget itself: the gateway does (its requests wait there), and pacing twice would wait twice.
 * Times are wall-clock (`performance.now()`), independent of the service's injected clock.
 */
export class DownloadEta {
  private forecast: { readonly reply: Extract<HistoryForecastReply, { ok: true }>; readonly atMs: number } | undefined;
  private supported = true;
  private inFlight: Promise<void> | undefined;
  private serviceMsTotal = 0;
  private serviceCount = 0;
  private readonly startedMs = performance.now();

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly series: SeriesKey,
    /** Every chunk's requestId starts with this. */
    private readonly prefix: string,
    private readonly concurrency: number,
    /** The broker's announced request budget, when it announces one. */
    private readonly requestWindow?: HistoryCapabilities['requestWindow'],
  ) {}

  /** Asks the broker for a new forecast (`notSubmitted` chunks not queued yet); at most one at a time. */
  refresh(notSubmitted: number): Promise<void> {
    if (!this.supported) return Promise.resolve();
    this.inFlight ??= this.ask(notSubmitted).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The download is over: withdraw its announced demand, so other downloads' forecasts no longer count it. */
  release(): void {
    if (this.supported) void this.ask(0);
  }

  /** A chunk finished after `tookMs` in total, `queuedMs` of it in the broker's pacing queue. */
  chunkDone(tookMs: number, queuedMs: number): void {
    this.serviceMsTotal += Math.max(0, tookMs - queuedMs);
    this.serviceCount += 1;
  }

  /** Predicted wait in the pacing queue of the next chunk submitted now, ms (0 when unknown). */
  nextChunkWaitMs(): number {
    const f = this.forecast;
    if (f?.reply.more === undefined) return 0;
    return Math.max(0, f.reply.more.firstSendAtMs - f.reply.nowMs - (performance.now() - f.atMs));
  }

  /**
   * Until the last request of this download known to the broker is sent, ms (0 when unknown): a bound for the wait
   * of any chunk submitted now. A chunk's reply deadline uses it rather than nextChunkWaitMs, since a forecast is
   * older than the queue (another download's demand may have pushed this one back since): a deadline that ends
   * while the gateway still holds the chunk in its queue turns a paced chunk into a missing range.
   */
  queueDrainMs(): number {
    const f = this.forecast;
    if (f === undefined) return 0;
    const sends = [...f.reply.waiting.map((w) => w.sendAtMs), f.reply.more?.lastSendAtMs].filter(
      (t): t is number => t !== undefined,
    );
    if (sends.length === 0) return 0;
    return Math.max(0, Math.max(...sends) - f.reply.nowMs - (performance.now() - f.atMs));
  }

  /** Time to completion with `done` of `total` chunks finished, ms; undefined before anything is known. */
  etaMs(done: number, total: number): number | undefined {
    const left = total - done;
    if (left <= 0) return 0;
    let eta: number | undefined;
    if (this.serviceCount > 0) {
      eta = Math.ceil(left / Math.max(1, this.concurrency)) * (this.serviceMsTotal / this.serviceCount);
    }
    const f = this.forecast;
    if (f !== undefined) {
      const sends = [...f.reply.waiting.map((w) => w.sendAtMs), f.reply.more?.lastSendAtMs].filter(
        (t): t is number => t !== undefined,
      );
      if (sends.length > 0) {
        const pacing = Math.max(...sends) - f.reply.nowMs + f.reply.answerMs - (performance.now() - f.atMs);
        eta = Math.max(eta ?? 0, pacing);
      }
    } else if (!this.supported && done > 0) {
      eta = Math.max(eta ?? 0, ((performance.now() - this.startedMs) / done) * left);
    }
    const w = this.requestWindow;
    if (f === undefined && w !== undefined && left > w.max) {
      eta = Math.max(eta ?? 0, Math.floor((left - 1) / w.max) * w.windowMs);
    }
    return eta === undefined ? undefined : Math.max(0, eta);
  }

  private async ask(notSubmitted: number): Promise<void> {
    const s = this.series;
    try {
      const reply = await requestBroker(
        this.bus,
        s.broker,
        'historyForecast',
        {
          v: 1,
          requestIdPrefix: this.prefix,
          more: {
            instrument: { id: s.instrumentId },
            timeframe: s.timeframe,
            whatToShow: s.whatToShow,
            count: notSubmitted,
          },
        },
        { timeoutMs: FORECAST_TIMEOUT_MS },
      );
      if (reply.ok) this.forecast = { reply, atMs: performance.now() };
      else if (reply.code === 'VALIDATION_FAILED' || reply.code === 'INVALID_MESSAGE') this.supported = false;
    } catch (err) {
      // No responder for the verb (a gateway that predates it) or a slow answer: keep the last forecast.
      this.log.debug({ err, broker: s.broker }, 'no pacing forecast from the gateway');
      if (err instanceof NoRespondersError) this.supported = false;
    }
  }
}
