/**
 * Market-data lines of one broker connection. Reference counted: N subscribers of one instrumentId and stream cost
 * ONE IB request; the IB line is cancelled when the last one leaves. The account's line budget
 * (`marketDataLines`) is enforced before anything is sent (LINE_BUDGET_EXHAUSTED).
 *
 * Ticks are conflated: each IB callback updates the line's state in place and marks it dirty; one flush per
 * event-loop turn publishes the full state on `md.tick.<broker>.<instrumentId>` (hot path: an array lookup, a string
 * compare, no allocation unless the value changed). Exact trades are not conflated: each RTVolume (generic tick 233)
 * that carries a trade is published on `md.trade.<broker>.<instrumentId>` (market-data builds bars from them), in
 * arrival order, by the same flush just before the ticks, and is merged into the quote state as its last/volume.
 * One flush per turn means one NATS write per turn: publishing each trade from its IB callback made a write per
 * socket read besides the flush's, the largest CPU cost of a wide subscription. 5-second real-time bars go to
 * `md.rtbar.<broker>.<instrumentId>`.
 *
 * After a reconnect, an IB 1101 or a market farm coming back, every live line is re-requested under a new reqId
 * (within the governor's rate: 100 lines take ~2.5 s at 40 msg/s). A line with no tick for `staleAfterMs` is
 * logged stale (and live again when ticks resume); feed health on `md.health.*` is market-data's alone.
 */
import type { Bus } from '@trading-system/bus';
import {
  type BrokerMdSnapshotRequest,
  type BrokerMdSubscribeRequest,
  type BrokerMdUnsubscribeRequest,
  ContractError,
  type Instrument,
  type MdStreamKind,
  Subjects,
  type Tick,
  type Trade,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BrokerConnection, QueuedCall } from './connection.js';
import type { ContractCache } from './contract-cache.js';
import { isLineBudgetExceeded, isMarketDataNotPermitted } from './ib-error-classes.js';
import { tradingContract } from './parsing/contracts.js';
import { toRtBar } from './parsing/rtbars.js';
import {
  applyOptionComputation,
  applyRtVolume,
  applyTickPrice,
  applyTickSize,
  applyTickString,
  isRtVolume,
  newTickState,
  parseRtVolume,
  type RtVolume,
  rtVolumeTrade,
  type TickState,
  toTick,
} from './parsing/ticks.js';

export interface MarketDataOptions {
  /** A line with no tick for this long is reported stale, ms. */
  readonly staleAfterMs?: number;
  /** How often staleness is checked, ms. */
  readonly checkEveryMs?: number;
  /** Give up on a broker snapshot after this long (IB answers within ~11 s), ms. */
  readonly snapshotTimeoutMs?: number;
  /**
   * Clock of the stamps on what is published (tick/trade `tsEventMs` where IB gives no time, `tsInitMs`), epoch ms.
   * Default Date.now; a test running a scaled sim clock passes that clock so every stamp is in market time.
   * Staleness stays on the wall clock (it is about the socket, not the market).
   */
  readonly now?: () => number;
}

export type FeedMark = 'live' | 'stale' | 'down';

interface Line {
  readonly instrumentId: string;
  readonly instrument: Instrument;
  readonly exchange: string | undefined;
  tickRefs: number;
  barRefs: number;
  tickReqId: number | undefined;
  barReqId: number | undefined;
  /** The queued IB requests: a cancel must not overtake them in the governor (cancels go first). */
  tickCall: QueuedCall | undefined;
  barCall: QueuedCall | undefined;
  barWhatToShow: string;
  allowDelayed: boolean;
  readonly tickSubject: string;
  readonly barSubject: string;
  readonly tradeSubject: string;
  readonly state: TickState;
  dirty: boolean;
  lastTickMs: number;
  feed: FeedMark;
  /** Last IB error on the line (permission, budget at the broker); cleared by the next tick. */
  lastError: string | undefined;
}

const GENERIC_TICKS = '233'; // RTVolume: trades with exchange time

export class MarketData {
  private readonly lines = new Map<string, Line>();
  private readonly dirty: Line[] = [];
  /** Trades of this turn, in arrival order, with their lines (published by `flush`). */
  private readonly trades: Trade[] = [];
  private readonly tradeLines: Line[] = [];
  private flushScheduled = false;
  /** Set by `stop`: the socket still delivers until it closes, but nothing more is published. */
  private stopped = false;
  private readonly staleAfterMs: number;
  private readonly checkTimer: NodeJS.Timeout;
  /** IB market-data requests sent (reqMktData + reqRealTimeBars), for tests and metrics. */
  ibRequests = 0;
  resubscriptions = 0;
  published = 0;
  /** Exact trades published on `md.trade.*`. */
  tradesPublished = 0;
  /** IB tick callbacks handled (price, size, string). */
  ticksIn = 0;
  private snapshotsRunning = 0;
  private readonly snapshotTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly conn: BrokerConnection,
    private readonly contracts: ContractCache,
    private readonly bus: Bus,
    private readonly log: Logger,
    options: MarketDataOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 12_000;
    this.now = options.now ?? Date.now;
    this.checkTimer = setInterval(() => this.checkStale(), options.checkEveryMs ?? 1_000);
    this.checkTimer.unref();
    conn.on({
      dataLost: (reason, sameSession) => this.resubscribeAll(reason, sameSession),
      down: () => {
        for (const line of this.lines.values()) {
          if (line.tickReqId !== undefined) this.conn.unregister(line.tickReqId);
          if (line.barReqId !== undefined) this.conn.unregister(line.barReqId);
          line.tickReqId = undefined;
          line.barReqId = undefined;
          this.mark(line, 'down');
        }
      },
    });
  }

  /** Lines currently open at IB (ticks), i.e. budget in use. */
  get linesInUse(): number {
    let n = 0;
    for (const l of this.lines.values()) if (l.tickRefs > 0) n++;
    return n;
  }

  refs(instrumentId: string): { ticks: number; rtbars: number } {
    const l = this.lines.get(instrumentId);
    return { ticks: l?.tickRefs ?? 0, rtbars: l?.barRefs ?? 0 };
  }

  async subscribe(req: BrokerMdSubscribeRequest): Promise<{ subjects: string[]; delayed: boolean }> {
    this.conn.requireReady();
    const instrumentId = req.instrument.id;
    let line = this.lines.get(instrumentId);
    if (line === undefined) {
      const instrument = await this.contracts.qualifyOne({ id: instrumentId });
      line = this.lines.get(instrumentId) ?? this.newLine(instrument, req.instrument.exchange);
    }
    const wantsTicks = req.streams.includes('ticks');
    const wantsBars = req.streams.includes('rtbars');
    if (wantsTicks && line.tickRefs === 0 && this.linesInUse >= this.conn.config.marketDataLines) {
      throw new ContractError(
        'LINE_BUDGET_EXHAUSTED',
        `all ${this.conn.config.marketDataLines} market-data lines of ${this.conn.name} are in use`,
        { details: { lines: this.conn.config.marketDataLines } },
      );
    }
    const subjects: string[] = [];
    if (wantsTicks) {
      line.allowDelayed ||= req.allowDelayed;
      line.tickRefs++;
      if (line.tickReqId === undefined) this.requestTicks(line);
      subjects.push(line.tickSubject);
      // An index has values, not trades: announcing none leaves market-data to build its bars from `last`.
      if (line.instrument.secType !== 'IND') subjects.push(line.tradeSubject);
    }
    if (wantsBars) {
      line.barWhatToShow = req.rtBarsWhatToShow;
      line.barRefs++;
      if (line.barReqId === undefined) this.requestBars(line);
      subjects.push(line.barSubject);
    }
    const mdType = this.conn.config.marketDataType;
    return { subjects, delayed: line.state.delayed || mdType === 'delayed' || mdType === 'delayedFrozen' };
  }

  /**
   * One L1 snapshot from IB (reqMktData snapshot) for an instrument; it holds a line while it runs, so it counts
   * against the budget. Resolves at IB's tickSnapshotEnd with whatever IB sent (absent fields stay absent).
   */
  async snapshot(req: BrokerMdSnapshotRequest): Promise<Tick> {
    this.conn.requireReady();
    const instrumentId = req.instrument.id;
    const instrument = await this.contracts.qualifyOne({ id: instrumentId });
    if (this.linesInUse + this.snapshotsRunning >= this.conn.config.marketDataLines) {
      throw new ContractError('LINE_BUDGET_EXHAUSTED', `no market-data line free on ${this.conn.name} for a snapshot`);
    }
    this.snapshotsRunning++;
    const reqId = this.conn.allocReqId();
    const state = newTickState(this.now());
    const broker = this.conn.name;
    return new Promise<Tick>((resolve, reject) => {
      let settled = false;
      const finish = (err: ContractError | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        offDown();
        this.conn.unregister(reqId);
        this.snapshotsRunning--;
        if (err === undefined) resolve(toTick(broker, instrumentId, state, this.now()));
        else reject(err);
      };
      const timer = setTimeout(
        () => finish(new ContractError('TIMEOUT', `no snapshot end from IB within ${this.snapshotTimeoutMs} ms`)),
        this.snapshotTimeoutMs,
      );
      const offDown = this.conn.on({
        down: () => finish(new ContractError('BROKER_DISCONNECTED', 'broker disconnected during the snapshot')),
      });
      this.conn.register(reqId, {
        tickPrice: (field, value) => void applyTickPrice(state, field, value, this.now()),
        tickSize: (field, value) => void applyTickSize(state, field, value, this.now()),
        tickString: (field, value) => void applyTickString(state, field, value),
        optionComputation: (c) => void applyOptionComputation(state, c, this.now()),
        marketDataType: (type) => {
          state.delayed = type === 3 || type === 4;
        },
        snapshotEnd: () => finish(undefined),
        code: (code, message, info) => {
          if (info.cls === 'warning') {
            if (code === 10167) state.delayed = true;
            return;
          }
          const details = { brokerCode: code };
          if (isMarketDataNotPermitted(code))
            finish(new ContractError('MARKET_DATA_NOT_PERMITTED', message, { details }));
          else if (isLineBudgetExceeded(code, message))
            finish(new ContractError('LINE_BUDGET_EXHAUSTED', message, { details }));
          else finish(new ContractError('INTERNAL_ERROR', `IB refused the snapshot: ${code} ${message}`, { details }));
        },
      });
      const contract = tradingContract(instrument, req.instrument.exchange);
      const allowDelayed = req.allowDelayed && this.conn.config.marketDataType === 'live';
      try {
        this.conn.send(
          'data',
          'reqMktData snapshot',
          (p) => {
            if (allowDelayed) p.reqMarketDataType(3);
            p.reqMktData(reqId, contract, '', true);
          },
          allowDelayed ? 2 : 1,
          reqId,
        );
      } catch (err) {
        finish(err instanceof ContractError ? err : new ContractError('INTERNAL_ERROR', String(err), { cause: err }));
      }
    });
  }

  unsubscribe(req: BrokerMdUnsubscribeRequest): void {
    const line = this.lines.get(req.instrument.id);
    if (line === undefined) return;
    if (req.streams.includes('ticks') && line.tickRefs > 0) {
      line.tickRefs--;
      if (line.tickRefs === 0) this.cancel(line, 'ticks');
    }
    if (req.streams.includes('rtbars') && line.barRefs > 0) {
      line.barRefs--;
      if (line.barRefs === 0) this.cancel(line, 'rtbars');
    }
    if (line.tickRefs === 0 && line.barRefs === 0) this.lines.delete(line.instrumentId);
  }

  /**
   * Ends publishing: the broker stops the connection and then the bus drains, while IB data already read keeps
   * arriving; flushing it onto a closed bus logged one error per trade (1,891 lines in one bench shutdown).
   */
  stop(): void {
    this.stopped = true;
    clearInterval(this.checkTimer);
  }

  private newLine(instrument: Instrument, exchange: string | undefined): Line {
    const broker = this.conn.name;
    const line: Line = {
      instrumentId: instrument.id,
      instrument,
      exchange,
      tickRefs: 0,
      barRefs: 0,
      tickReqId: undefined,
      barReqId: undefined,
      tickCall: undefined,
      barCall: undefined,
      barWhatToShow: 'TRADES',
      allowDelayed: false,
      tickSubject: Subjects.mdTick.build({ broker, instrument: instrument.id }),
      barSubject: Subjects.mdRtBar.build({ broker, instrument: instrument.id }),
      tradeSubject: Subjects.mdTrade.build({ broker, instrument: instrument.id }),
      state: newTickState(this.now()),
      dirty: false,
      lastTickMs: Date.now(),
      feed: 'live',
      lastError: undefined,
    };
    this.lines.set(line.instrumentId, line);
    return line;
  }

  private requestTicks(line: Line): void {
    const reqId = this.conn.allocReqId();
    line.tickReqId = reqId;
    line.lastTickMs = Date.now();
    const state = line.state;
    this.conn.register(reqId, {
      tickPrice: (field, value) => {
        this.ticksIn++;
        if (applyTickPrice(state, field, value, this.now())) this.touch(line);
      },
      tickSize: (field, value) => {
        this.ticksIn++;
        if (applyTickSize(state, field, value, this.now())) this.touch(line);
      },
      tickString: (field, value) => {
        this.ticksIn++;
        if (!isRtVolume(field)) {
          if (applyTickString(state, field, value)) this.touch(line);
          return;
        }
        const rt = parseRtVolume(value);
        this.publishTrade(line, rt);
        if (applyRtVolume(state, rt)) this.touch(line);
      },
      optionComputation: (c) => {
        this.ticksIn++;
        if (applyOptionComputation(state, c, this.now())) this.touch(line);
      },
      marketDataType: (type) => {
        state.delayed = type === 3 || type === 4;
      },
      code: (code, message, info) => {
        if (info.cls === 'warning') {
          if (code === 10167) state.delayed = true;
          return;
        }
        line.lastError = `${code} ${message}`;
        const kind = isMarketDataNotPermitted(code)
          ? 'not permitted'
          : isLineBudgetExceeded(code, message)
            ? 'line budget exhausted at IB'
            : 'failed';
        this.log.warn({ instrumentId: line.instrumentId, code, message, kind }, 'market-data line refused by IB');
        this.conn.unregister(reqId);
        if (line.tickReqId === reqId) line.tickReqId = undefined;
        this.mark(line, 'down');
      },
    });
    const contract = tradingContract(line.instrument, line.exchange);
    const allowDelayed = line.allowDelayed && this.conn.config.marketDataType === 'live';
    this.ibRequests++;
    line.tickCall = this.conn.send(
      'data',
      'reqMktData',
      (p) => {
        if (allowDelayed) p.reqMarketDataType(3);
        p.reqMktData(reqId, contract, GENERIC_TICKS, false);
      },
      allowDelayed ? 2 : 1,
      reqId,
    );
  }

  private requestBars(line: Line): void {
    const reqId = this.conn.allocReqId();
    line.barReqId = reqId;
    const broker = this.conn.name;
    this.conn.register(reqId, {
      realtimeBar: (timeSec, ohlc, volume, wap, count) => {
        const bar = toRtBar(broker, line.instrumentId, timeSec, ohlc, volume, wap, count, this.now());
        if (bar === undefined) return;
        try {
          this.bus.publish(line.barSubject, bar);
        } catch (err) {
          this.log.error({ err, instrumentId: line.instrumentId }, 'publishing a real-time bar failed');
        }
      },
      code: (code, message, info) => {
        if (info.cls === 'warning') return;
        this.log.warn({ instrumentId: line.instrumentId, code, message }, 'real-time bars refused by IB');
        this.conn.unregister(reqId);
        if (line.barReqId === reqId) line.barReqId = undefined;
      },
    });
    const contract = tradingContract(line.instrument, line.exchange);
    this.ibRequests++;
    line.barCall = this.conn.send('data', 'reqRealTimeBars', (p) =>
      p.reqRealTimeBars(reqId, contract, line.barWhatToShow),
    );
  }

  private cancel(line: Line, stream: MdStreamKind): void {
    const reqId = stream === 'ticks' ? line.tickReqId : line.barReqId;
    if (reqId === undefined) return;
    this.conn.unregister(reqId);
    const call = stream === 'ticks' ? line.tickCall : line.barCall;
    if (stream === 'ticks') line.tickReqId = undefined;
    else line.barReqId = undefined;
    if (!this.conn.isReady) return;
    // Still queued: withdraw it, or the cancel (higher priority) would reach IB before the request.
    if (call?.drop() === true) return;
    // Cancels ride the highest priority lane: they free lines and never wait behind data requests.
    if (stream === 'ticks') this.conn.send('cancel', 'cancelMktData', (p) => p.cancelMktData(reqId));
    else this.conn.send('cancel', 'cancelRealTimeBars', (p) => p.cancelRealTimeBars(reqId));
  }

  private resubscribeAll(reason: string, sameSession: boolean): void {
    if (!this.conn.isReady) return;
    let n = 0;
    for (const line of this.lines.values()) {
      if (line.tickRefs > 0) {
        if (sameSession) this.cancel(line, 'ticks');
        else if (line.tickReqId !== undefined) this.conn.unregister(line.tickReqId);
        this.requestTicks(line);
        n++;
      }
      if (line.barRefs > 0) {
        if (sameSession) this.cancel(line, 'rtbars');
        else if (line.barReqId !== undefined) this.conn.unregister(line.barReqId);
        this.requestBars(line);
        n++;
      }
    }
    this.resubscriptions += n;
    if (n > 0) this.log.info({ reason, requests: n }, 'market data re-requested');
  }

  private touch(line: Line): void {
    line.lastTickMs = Date.now();
    if (line.feed !== 'live') this.mark(line, 'live');
    if (line.dirty) return;
    line.dirty = true;
    this.dirty.push(line);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private publishTrade(line: Line, rt: RtVolume): void {
    if (line.tickRefs === 0) return;
    const trade = rtVolumeTrade(this.conn.name, line.instrumentId, rt, line.state.delayed, this.now());
    if (trade === undefined) return;
    this.trades.push(trade);
    this.tradeLines.push(line);
    this.scheduleFlush();
  }

  private flush(): void {
    this.flushScheduled = false;
    const { trades, tradeLines } = this;
    for (let i = 0; i < trades.length && !this.stopped; i++) {
      const line = tradeLines[i] as Line;
      // Closed since the trade arrived: as for ticks below, nothing goes out for a line already answered closed.
      if (line.tickRefs === 0) continue;
      try {
        this.bus.publish(line.tradeSubject, trades[i]);
        this.tradesPublished++;
      } catch (err) {
        this.log.error({ err, instrumentId: line.instrumentId }, 'publishing a trade failed');
      }
    }
    trades.length = 0;
    tradeLines.length = 0;
    const now = this.now();
    const broker = this.conn.name;
    for (const line of this.dirty) {
      line.dirty = false;
      // Unsubscribed since the tick arrived (the same event-loop turn): its unsubscribe was answered ok already,
      // and nothing may be published for a closed line (found by the broker conformance suite).
      if (line.tickRefs === 0 || this.stopped) continue;
      try {
        this.bus.publish(line.tickSubject, toTick(broker, line.instrumentId, line.state, now));
        this.published++;
      } catch (err) {
        this.log.error({ err, instrumentId: line.instrumentId }, 'publishing a tick failed');
      }
    }
    this.dirty.length = 0;
  }

  private checkStale(): void {
    const now = Date.now();
    for (const line of this.lines.values()) {
      if (line.tickRefs === 0 || line.feed !== 'live' || line.tickReqId === undefined) continue;
      if (now - line.lastTickMs > this.staleAfterMs) {
        this.log.warn({ instrumentId: line.instrumentId, silentMs: now - line.lastTickMs }, 'market-data line stale');
        this.mark(line, 'stale');
      }
    }
  }

  /**
   * The gateway's own view of a line (live / stale / down), for its logs and `feedOf`. Not published: feed health
   * on `md.health.*` has one producer, market-data, whose lines carry the leases and tick rate consumers read.
   */
  private mark(line: Line, feed: FeedMark): void {
    if (line.feed === feed) return;
    const from = line.feed;
    line.feed = feed;
    if (feed === 'live' && from !== 'live')
      this.log.info({ instrumentId: line.instrumentId, from }, 'market-data line live again');
  }

  /** The gateway's view of an open line's feed (tests, diagnostics); undefined when no line is open. */
  feedOf(instrumentId: string): FeedMark | undefined {
    return this.lines.get(instrumentId)?.feed;
  }
}
