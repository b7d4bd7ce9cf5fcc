import type { Bus } from '@trading-system/bus';
import { requestBroker } from '@trading-system/clients';
import type { HistoryBarLimit, HistoryCapabilities, MissingRange } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BarStore } from './bar-store.js';
import { type PlannedChunk, planChunks } from './chunk-plan.js';
import type { Range } from './coverage.js';
import { DownloadEta } from './download-eta.js';
import { errorCode, errorMessage, HistoryError } from './errors.js';
import type { SeriesKey } from './series.js';

export interface BackfillOptions {
  /** Broker fetches in flight at once per download (the gateway's pacing queue orders them). */
  readonly concurrency: number;
  /** Per fetch: time allowed at IB plus waits that are not IB's pacing (the gateway forecasts those), ms. */
  readonly fetchTimeoutMs: number;
  /** Caps each chunk's span below the broker's announced span (tests use it to make many small chunks). */
  readonly maxChunkSpanMs?: number;
}

export interface BackfillProgress {
  readonly done: number;
  readonly total: number;
  readonly etaMs: number | undefined;
  /** A periodic report while requests wait (publish it even when nothing finished since the last one). */
  readonly tick: boolean;
}

/** Progress is reported at least this often while a download runs, ms (the client's stream stays alive). */
const PROGRESS_TICK_MS = 1_000;
/** How long a periodic report waits for a fresh pacing forecast before it goes out with the last one, ms. */
const FORECAST_WAIT_MS = 300;

export interface BackfillResult {
  readonly fetched: number;
  readonly failed: MissingRange[];
  readonly aborted: boolean;
  /** The broker refused the request as such (not one range of it): the download stopped; report this error. */
  readonly refused: HistoryError | undefined;
}

/** Replies that would be the same for every chunk: the download stops at the first one. */
const WHOLE_REQUEST_CODES: ReadonlySet<string> = new Set(['HISTORY_DATA_TYPE_REFUSED', 'CONTRACT_UNKNOWN']);

/**
 * Fetches the missing ranges of one series through the broker's gateway (`fetchHistory`), one chunk per broker
 * request, and stores each chunk with its coverage as soon as it arrives. A failed chunk is reported as missing
 * (never papered over); the others go on. `signal` stops issuing new chunks; a chunk answered after the abort is
 * not stored, so a stopped service never writes behind its own back.
 */
export async function backfill(
  deps: { bus: Bus; store: BarStore; log: Logger; now: () => number },
  series: SeriesKey,
  history: HistoryCapabilities,
  missing: readonly Range[],
  requestId: string,
  options: BackfillOptions,
  onProgress: (p: BackfillProgress) => void,
  signal: AbortSignal,
  /** The instrument's time zone: intraday chunks end on its bar grid (chunk-plan.ts gridFloor). */
  timeZone?: string,
): Promise<BackfillResult> {
  const limit = barLimit(series, history);
  if (limit instanceof HistoryError) return { fetched: 0, failed: [], aborted: false, refused: limit };
  const announced = limit.maxSpanMs;
  const chunks = planChunks(
    missing,
    series.timeframe,
    Math.min(announced, options.maxChunkSpanMs ?? announced),
    timeZone,
  );
  const failed: MissingRange[] = [];
  let next = 0;
  let done = 0;
  let fetched = 0;
  let refused: HistoryError | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });

  const prefix = `${requestId.slice(0, 52)}-`;
  // More at once than the broker lets open would only wait in its gateway.
  const concurrency = Math.max(
    1,
    Math.min(options.concurrency, chunks.length, history.maxOpenRequests ?? Number.POSITIVE_INFINITY),
  );
  const eta = new DownloadEta(deps.bus, deps.log, series, prefix, concurrency, history.requestWindow);

  const fetchOne = async (chunk: PlannedChunk, i: number): Promise<void> => {
    const startedMs = performance.now();
    // IB's pacing may hold the chunk for minutes; the gateway does not count that wait against timeoutMs, so
    // neither may we: allow the wait the broker forecasts for it, with room for the forecast to be late.
    const pacingWaitMs = Math.max(eta.nextChunkWaitMs(), eta.queueDrainMs());
    const request = requestBroker(
      deps.bus,
      series.broker,
      'fetchHistory',
      {
        v: 1,
        requestId: `${prefix}${i}`,
        instrument: { id: series.instrumentId },
        timeframe: series.timeframe,
        startMs: chunk.startMs,
        endMs: chunk.endMs,
        whatToShow: series.whatToShow,
        useRth: series.useRth,
        timeoutMs: options.fetchTimeoutMs,
      },
      { timeoutMs: options.fetchTimeoutMs + 5_000 + Math.ceil(pacingWaitMs * 1.5) },
    );
    const fail = (code: MissingRange['code'], message: string): void => {
      failed.push({ startMs: chunk.startMs, endMs: chunk.endMs, code, message });
    };
    try {
      const reply = await Promise.race([request, aborted]);
      if (reply === 'aborted') {
        // Its outcome no longer matters (nothing is stored after an abort), but a rejection must not go unhandled.
        request.catch((err: unknown) => deps.log.debug({ err, requestId, chunk }, 'chunk answered after the stop'));
        return;
      }
      // IB answers a range without a single bar (weekend, holiday, before listing) with 162 "HMDS query returned
      // no data", which the gateway forwards as HISTORY_NO_DATA: a complete answer, stored as known-empty.
      const noData = !reply.ok && reply.code === 'HISTORY_NO_DATA';
      if (!reply.ok && !noData) {
        if (WHOLE_REQUEST_CODES.has(reply.code)) {
          refused ??= new HistoryError(
            reply.code,
            reply.message,
            reply.details === undefined ? {} : { details: reply.details },
          );
          return;
        }
        fail(reply.code, reply.message);
        return;
      }
      if (signal.aborted) return;
      await deps.store.storeChunk(series, chunk, reply.ok ? reply.bars : []);
      fetched += 1;
      eta.chunkDone(performance.now() - startedMs, reply.ok ? reply.queuedMs : 0);
    } catch (err) {
      deps.log.warn({ err, requestId, chunk }, 'history chunk failed');
      fail(errorCode(err), errorMessage(err));
    }
  };

  const worker = async (): Promise<void> => {
    while (!signal.aborted && refused === undefined) {
      const i = next;
      next += 1;
      const chunk = chunks[i];
      if (chunk === undefined) return;
      await fetchOne(chunk, i);
      done += 1;
      onProgress({ done, total: chunks.length, etaMs: eta.etaMs(done, chunks.length), tick: false });
    }
  };

  await eta.refresh(chunks.length);
  onProgress({ done: 0, total: chunks.length, etaMs: eta.etaMs(0, chunks.length), tick: true });
  let finished = false;
  const ticker = setInterval(() => {
    // A fresh forecast when it comes quickly; a slow one must not stall progress (the last one is used then).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FORECAST_WAIT_MS);
    });
    void Promise.race([eta.refresh(chunks.length - next), late]).then(() => {
      clearTimeout(timer);
      if (!finished && done < chunks.length && !signal.aborted && refused === undefined)
        onProgress({ done, total: chunks.length, etaMs: eta.etaMs(done, chunks.length), tick: true });
    });
  }, PROGRESS_TICK_MS);
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    finished = true;
    clearInterval(ticker);
    eta.release();
  }
  return { fetched, failed, aborted: signal.aborted, refused };
}

/** The broker's announced limits for the series' bar size, or why it cannot be fetched (not a size it serves). */
function barLimit(series: SeriesKey, history: HistoryCapabilities): HistoryBarLimit | HistoryError {
  const limit = history.bars.find((b) => b.timeframe === series.timeframe);
  if (limit === undefined)
    return new HistoryError('VALIDATION_FAILED', `broker ${series.broker} does not serve ${series.timeframe} bars`, {
      details: { served: history.bars.map((b) => b.timeframe) },
    });
  return limit;
}
