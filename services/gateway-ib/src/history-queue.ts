/**
 * The historical-data requests of one broker connection (`broker.<name>.cmd.fetchHistory`). Every request waits
 * in the scheduler of its IB login (history-scheduler.ts: shared by all connections to that TWS / IB Gateway)
 * until IB's pacing rules let it go, so IB never sees a pacing violation. Identical requests in flight share one
 * IB request; an identical request completed within IB's 15 s "identical" window is served from that answer (IB
 * would refuse to repeat it). An answer is only ever returned whole: bars are collected until IB's end marker; an
 * IB error, a timeout or a disconnect fails the request (no partial result as ok). Should IB still report a
 * pacing violation (another program on the same login), the request is queued again behind a pause, not failed.
 *
 * Timeouts: `timeoutMs` counts time at IB and waits for anything but pacing (a connection that is down, 50
 * requests open); waiting for IB's pacing rules does not count — it is bounded by the rules and reported by
 * `forecast` (`broker.<name>.cmd.historyForecast`).
 */
import { type BarData, ContractError, type FetchHistoryRequest, supportedWhatToShow } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import type { ContractCache } from './contract-cache.js';
import { HistoryPacer, type PacedRequest, type PacingRules, type SentEntry } from './history-pacing.js';
import { type Forecast, HistoryScheduler, type ScheduledJob } from './history-scheduler.js';
import { isHistoryNoData, isPacingViolation } from './ib-error-classes.js';
import { type IbBarSize, ibDurationCovering, toIbHistoryParams } from './parsing/bar-sizes.js';
import { tradingContract } from './parsing/contracts.js';
import { appendBar, barEndFn, parseFinishedMarker, toBarData, toIbEndDateTime } from './parsing/history.js';

export interface HistoryResult {
  readonly bars: BarData[];
  readonly startMs: number;
  readonly endMs: number;
  readonly queuedMs: number;
}

/** A pacing violation IB reports anyway is retried this often (each after a pause) before it fails the request. */
const MAX_PACING_RETRIES = 3;

/** A fetchHistory request in IB's words (bar size, duration back from endMs), as queued and sent. */
export interface IbHistoryRequest extends Omit<FetchHistoryRequest, 'timeframe'> {
  readonly barSize: IbBarSize;
  readonly duration: string;
  readonly barSeconds: number | undefined;
}

interface Job extends ScheduledJob {
  readonly req: IbHistoryRequest;
  readonly waiters: Array<{ resolve: (r: HistoryResult) => void; reject: (e: ContractError) => void }>;
  reqId: number | undefined;
  entry: SentEntry | undefined;
  sentMs: number | undefined;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  retries: number;
}

export class HistoryQueue {
  readonly scheduler: HistoryScheduler;
  private readonly byIdentity = new Map<string, Job>();
  private readonly recent = new Map<string, { atMs: number; result: HistoryResult }>();
  private readonly atIb = new Set<Job>();
  private readonly mine = new Set<Job>();
  /** Counters for tests and metrics. */
  readonly stats = { sent: 0, deduplicated: 0, servedFromRecent: 0, pacingViolations: 0, failed: 0 };

  /**
   * `scheduler`: the one of this connection's IB login when several connections share it (see gateway app.ts);
   * otherwise one of its own with `rules`.
   */
  constructor(
    private readonly conn: BrokerConnection,
    private readonly contracts: ContractCache,
    private readonly log: Logger,
    rules: Partial<PacingRules> = {},
    scheduler?: HistoryScheduler,
  ) {
    this.scheduler = scheduler ?? new HistoryScheduler(new HistoryPacer(rules));
    conn.on({
      ready: () => this.scheduler.pump(),
      down: () => {
        for (const job of [...this.atIb]) {
          this.fail(
            job,
            new ContractError('BROKER_DISCONNECTED', 'broker disconnected before the answer was complete'),
          );
        }
      },
    });
  }

  get pacer(): HistoryPacer {
    return this.scheduler.pacer;
  }

  /** Requests of this connection waiting for their turn. */
  get queued(): number {
    let n = 0;
    for (const j of this.mine) if (!this.atIb.has(j)) n++;
    return n;
  }

  /**
   * Qualifies the instrument (cached: one IB lookup per instrument), then queues the request in IB's words; the answer
   * keeps the bars starting in the range (IB counts D and Y durations in sessions, which may reach further, and
   * takes no duration under 30 S).
   */
  async fetch(req: FetchHistoryRequest): Promise<HistoryResult> {
    // "From startMs up to now" is up to IB's now (its clock may be far from ours: a simulator's, a replay's).
    const spanMs = req.startMs === undefined ? (req.spanMs ?? 0) : (req.endMs ?? this.conn.brokerNowMs()) - req.startMs;
    const ib = toIbHistoryParams(req.timeframe, spanMs);
    if (this.contracts.get(req.instrument.id) === undefined) {
      await this.contracts.qualifyOne({ id: req.instrument.id });
    }
    const { timeframe: _, ...rest } = req;
    const r = await this.enqueue({ ...rest, ...ib });
    // A span back from the broker's now ends where IB says the answer ends (its now, not ours).
    const from = req.startMs ?? (req.endMs ?? r.endMs) - spanMs;
    const to = req.endMs ?? Number.POSITIVE_INFINITY;
    return { ...r, bars: r.bars.filter((b) => b.tsStartMs >= from && b.tsStartMs < to) };
  }

  /** When this login's queued requests (and `more` like `req`, not queued yet) will be sent. */
  forecast(
    requestIdPrefix: string | undefined,
    more?: Pick<FetchHistoryRequest, 'instrument' | 'timeframe' | 'whatToShow'> & { readonly count: number },
  ): Forecast {
    const like =
      more === undefined
        ? undefined
        : pacedOf({
            ...more,
            ...toIbHistoryParams(more.timeframe, 1_000),
            endMs: undefined,
            duration: 'forecast',
            useRth: false,
          });
    return this.scheduler.forecast({
      ...(requestIdPrefix === undefined ? {} : { requestIdPrefix }),
      ...(more === undefined || like === undefined ? {} : { more: { paced: like, count: more.count } }),
    });
  }

  private enqueue(req: IbHistoryRequest): Promise<HistoryResult> {
    const paced = pacedOf(req);
    const now = Date.now();
    const recent = this.recent.get(paced.identity);
    if (recent !== undefined && now - recent.atMs < this.pacer.rules.identicalMs / this.pacer.rules.timeScale) {
      this.stats.servedFromRecent++;
      return Promise.resolve({ ...recent.result, queuedMs: 0 });
    }
    return new Promise<HistoryResult>((resolve, reject) => {
      const running = this.byIdentity.get(paced.identity);
      if (running !== undefined && !running.settled) {
        this.stats.deduplicated++;
        running.waiters.push({ resolve, reject });
        return;
      }
      const job: Job = {
        requestId: req.requestId,
        req,
        paced,
        timeoutMs: req.timeoutMs,
        enqueuedMs: now,
        waiters: [{ resolve, reject }],
        reqId: undefined,
        entry: undefined,
        sentMs: undefined,
        settled: false,
        timer: undefined,
        retries: 0,
        ready: () => this.conn.isReady,
        send: (entry, budgetMs) => this.send(job, entry, budgetMs),
        expire: () =>
          this.fail(job, new ContractError('TIMEOUT', `history request ${req.requestId} timed out in the queue`)),
      };
      this.byIdentity.set(paced.identity, job);
      this.mine.add(job);
      this.scheduler.enqueue(job);
    });
  }

  stop(): void {
    for (const job of [...this.mine]) this.fail(job, new ContractError('SERVICE_UNAVAILABLE', 'gateway stopping'));
  }

  private send(job: Job, entry: SentEntry, budgetMs: number): void {
    const req = job.req;
    job.entry = entry;
    // At IB from here on for the scheduler's count of open requests, whatever happens next.
    this.atIb.add(job);
    const instrument = this.contracts.get(req.instrument.id);
    if (instrument === undefined) {
      this.fail(job, new ContractError('INTERNAL_ERROR', `instrument ${req.instrument.id} was not qualified`));
      return;
    }
    const reqId = this.conn.allocReqId();
    job.reqId = reqId;
    job.sentMs = Date.now();
    const bars: BarData[] = [];
    // Bar ends on the exchange's local grid (a session's first bar starts at its open, inside a grid slot).
    const endOf = barEndFn(job.paced.barSeconds, instrument.timeZone);
    const answered = (): void => this.scheduler.answered(entry);
    this.conn.register(reqId, {
      historicalBar: (b) => {
        answered();
        try {
          appendBar(bars, toBarData(b, endOf));
        } catch (err) {
          this.log.error({ err, requestId: req.requestId }, 'unusable historical bar');
          this.fail(job, new ContractError('INTERNAL_ERROR', 'IB sent an unusable bar', { cause: err }));
        }
      },
      historicalEnd: (marker) => {
        answered();
        try {
          const range = parseFinishedMarker(marker) ?? {
            startMs: bars[0]?.tsStartMs ?? 0,
            endMs: req.endMs ?? job.sentMs ?? 0,
          };
          this.succeed(job, {
            bars,
            startMs: range.startMs,
            endMs: range.endMs,
            queuedMs: (job.sentMs ?? job.enqueuedMs) - job.enqueuedMs,
          });
        } catch (err) {
          this.fail(job, new ContractError('INTERNAL_ERROR', 'IB sent an unusable end marker', { cause: err }));
        }
      },
      code: (code, message, info) => {
        if (info.cls === 'warning') return;
        answered();
        if (isPacingViolation(code, message)) {
          this.pacingViolation(job, code, message);
          return;
        }
        if (isHistoryNoData(code, message)) {
          this.fail(job, new ContractError('HISTORY_NO_DATA', message, { details: { brokerCode: code } }));
          return;
        }
        if (isDataTypeRefused(code, message)) {
          const supported = supportedWhatToShow(instrument.secType);
          this.fail(
            job,
            new ContractError(
              'HISTORY_DATA_TYPE_REFUSED',
              `${message} (whatToShow ${req.whatToShow}; ${instrument.secType} has ${supported.join(', ')})`,
              { details: { brokerCode: code, whatToShow: req.whatToShow, supported: [...supported] } },
            ),
          );
          return;
        }
        const err = new ContractError('VALIDATION_FAILED', `IB refused the history request: ${code} ${message}`, {
          details: { brokerCode: code },
        });
        this.fail(
          job,
          code === 200 ? new ContractError('CONTRACT_UNKNOWN', message, { details: { brokerCode: code } }) : err,
        );
      },
    });
    this.stats.sent++;
    job.timer = setTimeout(
      () => this.fail(job, new ContractError('TIMEOUT', `history request ${req.requestId} timed out at IB`)),
      budgetMs,
    );
    const contract = tradingContract(instrument, req.instrument.exchange);
    try {
      this.conn.send(
        'data',
        'reqHistoricalData',
        (p) => {
          p.reqHistoricalData(
            reqId,
            contract,
            toIbEndDateTime(req.endMs),
            // Up to now: the span back from when it is sent (a paced request may have waited since it was queued).
            req.endMs === undefined && req.startMs !== undefined
              ? ibDurationCovering(this.conn.brokerNowMs() - req.startMs)
              : req.duration,
            req.barSize,
            req.whatToShow,
            req.useRth,
          );
        },
        1,
        reqId,
      );
    } catch (err) {
      this.fail(job, asContractError(err));
    }
  }

  /**
   * IB refused for pacing although the scheduler kept its rules: another program uses the same login, or the
   * gateway restarted within IB's windows. The series pauses for IB's identical-request window and the request
   * goes back to the head of the queue; after MAX_PACING_RETRIES it fails.
   */
  private pacingViolation(job: Job, code: number, message: string): void {
    this.stats.pacingViolations++;
    const pauseMs = Math.ceil(this.pacer.rules.identicalMs / this.pacer.rules.timeScale);
    if (job.retries >= MAX_PACING_RETRIES) {
      this.log.error({ code, message, requestId: job.req.requestId }, 'IB pacing violation despite the queue');
      this.fail(
        job,
        new ContractError('PACING_VIOLATION', message, { details: { brokerCode: code, retryAfterMs: pauseMs } }),
      );
      return;
    }
    this.log.warn(
      { code, message, requestId: job.req.requestId, retry: job.retries + 1, pauseMs },
      'IB reported a pacing violation (another client on this login?); the request waits and goes again',
    );
    job.retries++;
    this.leaveIb(job);
    this.pacer.holdSeries(job.paced.series, Date.now() + pauseMs);
    this.scheduler.requeue(job);
  }

  private succeed(job: Job, result: HistoryResult): void {
    if (job.settled) return;
    this.settle(job);
    this.recent.set(job.paced.identity, { atMs: Date.now(), result });
    this.pruneRecent();
    for (const w of job.waiters) w.resolve(result);
  }

  private fail(job: Job, err: ContractError): void {
    if (job.settled) return;
    const wasAtIb = this.atIb.has(job);
    const reqId = job.reqId;
    this.settle(job);
    if (wasAtIb && reqId !== undefined && err.code === 'TIMEOUT' && this.conn.isReady) {
      this.conn.send('cancel', 'cancelHistoricalData', (p) => p.cancelHistoricalData(reqId));
    }
    this.stats.failed++;
    for (const w of job.waiters) w.reject(err);
  }

  /** The request is no longer at IB (answered, refused, cancelled or its session dropped). */
  private leaveIb(job: Job): void {
    clearTimeout(job.timer);
    job.timer = undefined;
    if (job.reqId !== undefined) this.conn.unregister(job.reqId);
    job.reqId = undefined;
    if (this.atIb.delete(job) && job.entry !== undefined) this.scheduler.done(job.entry);
    job.entry = undefined;
  }

  private settle(job: Job): void {
    job.settled = true;
    this.leaveIb(job);
    this.scheduler.remove(job);
    this.mine.delete(job);
    if (this.byIdentity.get(job.paced.identity) === job) this.byIdentity.delete(job.paced.identity);
  }

  private pruneRecent(): void {
    const now = Date.now();
    const keep = this.pacer.rules.identicalMs / this.pacer.rules.timeScale;
    for (const [k, v] of this.recent) if (now - v.atMs >= keep) this.recent.delete(k);
  }
}

function pacedOf(
  req: Pick<IbHistoryRequest, 'instrument' | 'endMs' | 'duration' | 'barSize' | 'barSeconds' | 'whatToShow' | 'useRth'>,
): PacedRequest {
  const exchange = req.instrument.exchange ?? '';
  const identity = [
    req.instrument.id,
    exchange,
    req.endMs ?? 'now',
    req.duration,
    req.barSize,
    req.whatToShow,
    req.useRth ? 1 : 0,
  ].join('|');
  return {
    identity,
    // By conId and whatToShow only: IB counts a contract's requests together whatever route a client names.
    series: `${req.instrument.id}|${req.whatToShow}`,
    barSeconds: req.barSeconds,
    bidAsk: req.whatToShow === 'BID_ASK',
  };
}

/** IB 162 "No historical market data for EUR/CASH@IDEALPRO Last 1 day": no data of this whatToShow at all. */
function isDataTypeRefused(code: number, message: string): boolean {
  return code === 162 && /no historical market data for/i.test(message);
}

function asContractError(err: unknown): ContractError {
  if (err instanceof ContractError) return err;
  return new ContractError('INTERNAL_ERROR', err instanceof Error ? err.message : String(err), { cause: err });
}
