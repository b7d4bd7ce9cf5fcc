/**
 * The historical-data queue of one broker connection (`broker.<name>.cmd.fetchHistory`). Every request waits
 * here until the pacer (history-pacing.ts) lets it go, so IB never sees a pacing violation. Identical requests
 * in flight share one IB request; an identical request completed within IB's 15 s "identical" window is served
 * from that answer (IB would refuse to repeat it). An answer is only ever returned whole: bars are collected
 * until IB's end marker; an IB error, a timeout or a disconnect fails the request (no partial result as ok).
 */
import {
  type BarData,
  ContractError,
  type FetchHistoryRequest,
  parseIbBarSize,
  parseTimeframe,
  supportedWhatToShow,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection } from './connection.js';
import type { ContractCache } from './contract-cache.js';
import { HistoryPacer, type PacedRequest, type PacingRules } from './history-pacing.js';
import { isHistoryNoData, isPacingViolation } from './ib-error-classes.js';
import { tradingContract } from './parsing/contracts.js';
import { barEndFn, parseFinishedMarker, toBarData, toIbEndDateTime } from './parsing/history.js';

export interface HistoryResult {
  readonly bars: BarData[];
  readonly startMs: number;
  readonly endMs: number;
  readonly queuedMs: number;
}

interface Job {
  readonly req: FetchHistoryRequest;
  readonly paced: PacedRequest;
  readonly enqueuedMs: number;
  readonly deadlineMs: number;
  readonly waiters: Array<{ resolve: (r: HistoryResult) => void; reject: (e: ContractError) => void }>;
  reqId: number | undefined;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class HistoryQueue {
  readonly pacer: HistoryPacer;
  private readonly queue: Job[] = [];
  private readonly byIdentity = new Map<string, Job>();
  private readonly recent = new Map<string, { atMs: number; result: HistoryResult }>();
  private readonly atIb = new Set<Job>();
  private pumpTimer: NodeJS.Timeout | undefined;
  /** Counters for tests and metrics. */
  readonly stats = { sent: 0, deduplicated: 0, servedFromRecent: 0, pacingViolations: 0, failed: 0 };

  constructor(
    private readonly conn: BrokerConnection,
    private readonly contracts: ContractCache,
    private readonly log: Logger,
    rules: Partial<PacingRules> = {},
  ) {
    this.pacer = new HistoryPacer(rules);
    conn.on({
      ready: () => this.pump(),
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

  get queued(): number {
    return this.queue.length;
  }

  /** Qualifies the conId (cached: one IB lookup per instrument), then queues the request. */
  async fetch(req: FetchHistoryRequest): Promise<HistoryResult> {
    if (this.contracts.get(req.instrument.conId) === undefined) {
      await this.contracts.qualifyOne({ conId: req.instrument.conId });
    }
    return this.enqueue(req);
  }

  private enqueue(req: FetchHistoryRequest): Promise<HistoryResult> {
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
        req,
        paced,
        enqueuedMs: now,
        deadlineMs: now + req.timeoutMs,
        waiters: [{ resolve, reject }],
        reqId: undefined,
        settled: false,
        timer: undefined,
      };
      job.timer = setTimeout(
        () => this.fail(job, new ContractError('TIMEOUT', `history request ${req.requestId} timed out`)),
        req.timeoutMs,
      );
      this.byIdentity.set(paced.identity, job);
      this.queue.push(job);
      this.pump();
    });
  }

  stop(): void {
    clearTimeout(this.pumpTimer);
    for (const job of [...this.queue, ...this.atIb]) {
      this.fail(job, new ContractError('SERVICE_UNAVAILABLE', 'gateway stopping'));
    }
  }

  private pump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (!this.conn.isReady) return;
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    // In arrival order; a request held by its own series' burst does not block other series.
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i] as Job;
      const wait = this.pacer.waitMs(job.paced, now);
      if (wait > 0) {
        soonest = Math.min(soonest, wait);
        if (wait === Number.POSITIVE_INFINITY) break; // 50 open: nothing can go
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.send(job, now);
    }
    if (Number.isFinite(soonest)) this.pumpTimer = setTimeout(() => this.pump(), soonest);
  }

  private send(job: Job, now: number): void {
    const req = job.req;
    const instrument = this.contracts.get(req.instrument.conId);
    if (instrument === undefined) {
      this.fail(job, new ContractError('INTERNAL_ERROR', `conId ${req.instrument.conId} was not qualified`));
      return;
    }
    const reqId = this.conn.allocReqId();
    job.reqId = reqId;
    const bars: BarData[] = [];
    const endOf = barEndFn(job.paced.barSeconds);
    this.conn.register(reqId, {
      historicalBar: (b) => {
        try {
          bars.push(toBarData(b, endOf));
        } catch (err) {
          this.log.error({ err, requestId: req.requestId }, 'unusable historical bar');
          this.fail(job, new ContractError('INTERNAL_ERROR', 'IB sent an unusable bar', { cause: err }));
        }
      },
      historicalEnd: (marker) => {
        try {
          const range = parseFinishedMarker(marker) ?? { startMs: bars[0]?.tsStartMs ?? 0, endMs: req.endMs ?? now };
          this.succeed(job, { bars, startMs: range.startMs, endMs: range.endMs, queuedMs: now - job.enqueuedMs });
        } catch (err) {
          this.fail(job, new ContractError('INTERNAL_ERROR', 'IB sent an unusable end marker', { cause: err }));
        }
      },
      code: (code, message, info) => {
        if (info.cls === 'warning') return;
        if (isPacingViolation(code, message)) {
          this.stats.pacingViolations++;
          this.log.error({ code, message, requestId: req.requestId }, 'IB pacing violation despite the queue');
          this.fail(
            job,
            new ContractError('PACING_VIOLATION', message, {
              details: { brokerCode: code, retryAfterMs: Math.ceil(15_000 / this.pacer.rules.timeScale) },
            }),
          );
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
    const entry = this.pacer.recordSend(job.paced, now);
    this.atIb.add(job);
    this.stats.sent++;
    const contract = tradingContract(instrument, req.instrument.exchange);
    try {
      this.conn.send('data', 'reqHistoricalData', (p) => {
        entry.atMs = Date.now();
        p.reqHistoricalData(
          reqId,
          contract,
          toIbEndDateTime(req.endMs),
          req.duration,
          req.barSize,
          req.whatToShow,
          req.useRth,
        );
      });
    } catch (err) {
      this.fail(job, asContractError(err));
    }
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
    this.settle(job);
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    if (wasAtIb && job.reqId !== undefined && err.code === 'TIMEOUT' && this.conn.isReady) {
      const reqId = job.reqId;
      this.conn.send('cancel', 'cancelHistoricalData', (p) => p.cancelHistoricalData(reqId));
    }
    this.stats.failed++;
    for (const w of job.waiters) w.reject(err);
  }

  private settle(job: Job): void {
    job.settled = true;
    clearTimeout(job.timer);
    if (job.reqId !== undefined) this.conn.unregister(job.reqId);
    if (this.atIb.delete(job)) this.pacer.done();
    if (this.byIdentity.get(job.paced.identity) === job) this.byIdentity.delete(job.paced.identity);
    queueMicrotask(() => this.pump());
  }

  private pruneRecent(): void {
    const now = Date.now();
    const keep = this.pacer.rules.identicalMs / this.pacer.rules.timeScale;
    for (const [k, v] of this.recent) if (now - v.atMs >= keep) this.recent.delete(k);
  }
}

function pacedOf(req: FetchHistoryRequest): PacedRequest {
  const exchange = req.instrument.exchange ?? '';
  const identity = [
    req.instrument.conId,
    exchange,
    req.endMs ?? 'now',
    req.duration,
    req.barSize,
    req.whatToShow,
    req.useRth ? 1 : 0,
  ].join('|');
  return {
    identity,
    series: `${req.instrument.conId}|${exchange}|${req.whatToShow}`,
    barSeconds: parseTimeframe(parseIbBarSize(req.barSize)).seconds,
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
