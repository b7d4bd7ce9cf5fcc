/**
 * A strategy running live or on paper through the SDK: quotes from market-data leases become `onQuote` and, built
 * into bars of the run's bar size (QuoteBarBuilder) and of every timeframe the strategy asks for (TimeframeFanout,
 * as in a backtest), `onBar`; the OMS's order events become `onOrderUpdate` / `onFill`. Every order carries
 * `strategy` = the run's strategy id, so the OMS's per-strategy risk limits and the history's attribution apply.
 *
 * Callbacks never interleave (each runs to its end on the event loop before the next event is handled). A callback
 * that throws ends the run (`failed` resolves with the error), as it ends a backtest. `stop()` calls `onStop`,
 * cancels the run's working orders (unless `keepOrdersOnStop`), waits for the OMS to settle them and returns the
 * summary. Market time (`ctx.now()`) is the run's clock (`clock`: the wall clock by default, as a live broker's
 * market runs on it; an ib-sim's own clock for a run against a time-scaled or stepped sim), and bars and timers
 * follow it; the quotes' own stamps are no clock to build bars on (see quote-bars.ts).
 *
 * Bars come from one of two sources (`bars`): `quotes` (default) builds them from the quotes received in each slot;
 * `broker` asks the broker's history (through the history service) for each completed bar at its end: the
 * exchange's own OHLCV, volume included, one request per bar and symbol, delivered in slot order.
 */
import type { OrderEvent } from '@trading-system/contracts';
import {
  type Contract,
  type MarketDataSubscription,
  OrderDeniedError,
  type Quote,
  type TradingSystem,
} from '@trading-system/sdk';
import { StrategyUsageError } from '../errors.js';
import { resolveParams, strategyName } from '../load.js';
import { createStrategyLogger, type LogLevel, streamSink } from '../logger.js';
import { TimeframeFanout, timeframeMs } from '../timeframes.js';
import type {
  Bar,
  ModifyChanges,
  OrderRequest,
  Params,
  ParamValue,
  PositionInfo,
  QuoteUpdate,
  Strategy,
  StrategyLogger,
  StrategyOrder,
} from '../types.js';
import { type MarketClock, wallClock } from './clock.js';
import { LiveContext } from './context.js';
import { type FillRecord, type LedgerOutput, LiveLedger } from './ledger.js';
import { QuoteBarBuilder, quotePrice } from './quote-bars.js';

export interface LiveRunOptions {
  readonly ts: TradingSystem;
  readonly strategy: Strategy;
  /** The order tag (default: the strategy's name). Letters, digits, `_` and `-`, at most 64. */
  readonly strategyId?: string;
  readonly params?: Readonly<Record<string, ParamValue | string>>;
  /** Broker connection (default: the TradingSystem's default broker). */
  readonly broker?: string;
  /** Broker account, when the connection manages several. */
  readonly account?: string;
  /** The run's instruments: a symbol (US stock on SMART) or a contract; the strategy sees `contract.symbol`. */
  readonly instruments: ReadonlyArray<string | Contract>;
  /** Bar size of `onBar` (`1m`, `5s`, `1h`); the strategy's `timeframes` are built from it. */
  readonly timeframe: string;
  /** `paper` (default) or `live`: what `ctx.mode` says; the broker decides where orders really go. */
  readonly mode?: 'paper' | 'live';
  /** A logger, or a level for lines on stderr (default 'info'). */
  readonly log?: StrategyLogger | LogLevel;
  /** Leave working orders at the broker when the run stops (default: cancel them). */
  readonly keepOrdersOnStop?: boolean;
  /** How long stop() waits for the OMS to settle orders and report commissions (default 10 s). */
  readonly settleMs?: number;
  /** Market time: the wall clock (default) or the clock of the ib-sim the broker connection reaches. */
  readonly clock?: MarketClock;
  /** Where bars come from: `quotes` (default, built from the quotes) or `broker` (the broker's completed bars). */
  readonly bars?: 'quotes' | 'broker';
}

export interface LiveRunSummary {
  readonly strategy: string;
  readonly strategyId: string;
  readonly broker: string;
  readonly params: Params;
  readonly startedAt: number;
  readonly stoppedAt: number;
  readonly quotes: number;
  readonly bars: number;
  readonly orders: readonly StrategyOrder[];
  readonly fills: readonly FillRecord[];
  readonly positions: readonly PositionInfo[];
  /** Commissions reported for the run's fills, and how many fills had none reported by the end. */
  readonly commissions: number;
  readonly commissionsPending: number;
  /** Why the run ended early (a callback threw), if it did. */
  readonly failure: string | undefined;
}

/** A strategy callback threw: the run stops there. */
export class LiveStrategyFailedError extends Error {
  override readonly name = 'LiveStrategyFailedError';
}

interface Line {
  readonly symbol: string;
  readonly minTick: number;
  readonly bars: QuoteBarBuilder;
  /** The qualified contract (by instrumentId) the run's orders and bar requests name. */
  readonly contract: Contract;
  /** The timer completing the slot in progress, and that slot's end. */
  cancelClose: (() => void) | undefined;
  closeDue: number;
  /** Broker bars: the requests of this symbol, one after the other. */
  barChain: Promise<void>;
}

let runCounter = 0;

export class LiveRun {
  readonly ledger = new LiveLedger();
  readonly lastPrices = new Map<string, number>();
  /** Resolves when a strategy callback threw (the run has then stopped delivering events). */
  readonly failed: Promise<LiveStrategyFailedError>;
  private fail: (err: LiveStrategyFailedError) => void = () => undefined;
  private failure: LiveStrategyFailedError | undefined;
  private readonly ts: TradingSystem;
  private readonly strategy: Strategy;
  private readonly name: string;
  private readonly strategyId: string;
  private readonly broker: string;
  private readonly lines = new Map<string, Line>();
  private readonly subscriptions: MarketDataSubscription[] = [];
  private readonly timers = new Map<string, () => void>();
  private readonly clock: MarketClock;
  private readonly brokerBars: boolean;
  private readonly spanMs: number;
  private barsPending = 0;
  private readonly quietWaiters: Array<() => void> = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly idPrefix: string;
  private ctx: LiveContext | undefined;
  private fanout: TimeframeFanout | undefined;
  private stopEvents: () => void = () => undefined;
  private settled: (() => void) | undefined;
  private nextId = 0;
  private accountCash = Number.NaN;
  private accountEquity = Number.NaN;
  /** An account read is under way; a fill came since the last read began (see accountAfterFill). */
  private accountReading = false;
  private accountStale = false;
  private started = false;
  private quoteCount = 0;
  private barCount = 0;
  private startedAt = 0;
  private stopping: Promise<LiveRunSummary> | undefined;
  private params: Params = {};

  private constructor(private readonly o: LiveRunOptions) {
    this.ts = o.ts;
    this.strategy = o.strategy;
    this.name = strategyName(o.strategy, 'strategy');
    this.strategyId = o.strategyId ?? this.name;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.strategyId))
      throw new StrategyUsageError(
        `strategy id '${this.strategyId}' must be letters, digits, _ and - (at most 64): the OMS tags orders with it`,
      );
    this.broker = o.broker ?? o.ts.defaultBroker;
    this.clock = o.clock ?? wallClock;
    this.brokerBars = o.bars === 'broker';
    this.spanMs = timeframeMs(o.timeframe);
    // Order ids unique across runs of the same strategy (the OMS refuses a reused clientOrderId with other fields).
    this.idPrefix = `${this.strategyId.slice(0, 36)}-${Date.now().toString(36)}${(runCounter++).toString(36)}`;
    this.failed = new Promise((resolve) => {
      this.fail = resolve;
    });
  }

  /** Subscribes, calls `onStart`, and delivers events until `stop()`. */
  static async start(o: LiveRunOptions): Promise<LiveRun> {
    const run = new LiveRun(o);
    await run.begin();
    return run;
  }

  private async begin(): Promise<void> {
    const o = this.o;
    if (o.instruments.length === 0) throw new StrategyUsageError('a live run needs at least one symbol');
    this.params = resolveParams(this.strategy, o.params ?? {});
    const symbols = o.instruments.map((i) => (typeof i === 'string' ? i : 'symbol' in i ? i.symbol : i.id));
    if (new Set(symbols).size !== symbols.length)
      throw new StrategyUsageError(`a symbol appears twice: ${symbols.join(', ')}`);
    this.fanout = new TimeframeFanout(symbols, o.timeframe, this.strategy.timeframes ?? []);
    const log: StrategyLogger =
      typeof o.log === 'object' ? o.log : createStrategyLogger(() => this.now(), streamSink(process.stderr), o.log);
    this.ctx = new LiveContext(this, o.mode ?? 'paper', this.params, this.strategyId, symbols, log);
    // Order events first: nothing the strategy sends from onStart may be missed.
    this.stopEvents = this.ts.onOrderUpdate((e) => this.onOrderEvent(e), { broker: this.broker });
    await this.refreshAccount();
    for (const [i, instrument] of o.instruments.entries()) {
      const symbol = symbols[i] as string;
      const sub = await this.ts.subscribeMarketData(instrument, undefined, (q) => this.onQuote(symbol, q), {
        broker: this.broker,
      });
      this.subscriptions.push(sub);
      const line: Line = {
        symbol,
        minTick: Number(sub.instrument.minTick),
        bars: new QuoteBarBuilder(symbol, o.timeframe),
        contract: { id: sub.instrument.id },
        cancelClose: undefined,
        closeDue: Number.NaN,
        barChain: Promise.resolve(),
      };
      this.lines.set(symbol, line);
    }
    this.startedAt = Date.now();
    // onStart sees every line (tick sizes, orders); quotes reach the strategy only after it.
    if (!this.call('onStart', () => this.strategy.onStart?.(this.ctx as LiveContext))) return;
    this.started = true;
    if (this.brokerBars) for (const line of this.lines.values()) this.scheduleBrokerBar(line);
  }

  // The port the context uses.

  now(): number {
    return this.clock.now();
  }

  minTick(symbol: string): number {
    const line = this.lines.get(symbol);
    if (line === undefined) throw new StrategyUsageError(`${symbol}: no quote line yet (the run is starting)`);
    return line.minTick;
  }

  cash(): number {
    return this.accountCash;
  }

  equity(): number {
    return this.accountEquity;
  }

  submit(order: OrderRequest): string {
    if (!(Number.isInteger(order.quantity) && order.quantity > 0))
      throw new StrategyUsageError(`order quantity must be a whole number > 0, got ${order.quantity}`);
    const type = order.type ?? 'MKT';
    if ((type === 'LMT' || type === 'STP LMT') && order.limitPrice === undefined)
      throw new StrategyUsageError(`${type} order needs limitPrice`);
    if ((type === 'STP' || type === 'STP LMT') && order.stopPrice === undefined)
      throw new StrategyUsageError(`${type} order needs stopPrice`);
    const line = this.lines.get(order.symbol);
    if (line === undefined) throw new StrategyUsageError(`${order.symbol}: no quote line yet (the run is starting)`);
    const id = `${this.idPrefix}-${++this.nextId}`;
    // The ledger fills in the defaults (type, tif, outsideRth); the OMS gets the order exactly as the strategy sees it.
    const placed = this.ledger.add(id, order, this.now());
    const contract = line.contract;
    const options = {
      broker: this.broker,
      tif: placed.tif,
      outsideRth: placed.outsideRth,
      strategy: this.strategyId,
      orderId: id,
      ...(this.o.account === undefined ? {} : { account: this.o.account }),
    };
    const ts = this.ts;
    const sent =
      type === 'MKT'
        ? ts.submitMarketOrder(contract, undefined, order.side, order.quantity, options)
        : type === 'LMT'
          ? ts.submitLimitOrder(contract, undefined, order.side, order.quantity, order.limitPrice as number, options)
          : type === 'STP'
            ? ts.submitStopOrder(contract, undefined, order.side, order.quantity, order.stopPrice as number, options)
            : ts.submitStopLimitOrder(
                contract,
                undefined,
                order.side,
                order.quantity,
                order.stopPrice as number,
                order.limitPrice as number,
                options,
              );
    this.track(sent, id, 'submit');
    return id;
  }

  cancel(orderId: string): void {
    if (!this.ledger.has(orderId)) throw new StrategyUsageError(`order ${orderId} is not this run's`);
    this.track(this.ts.cancelOrder(orderId), orderId, 'cancel');
  }

  modify(orderId: string, changes: ModifyChanges): void {
    if (!this.ledger.has(orderId)) throw new StrategyUsageError(`order ${orderId} is not this run's`);
    this.track(this.ts.modifyOrder(orderId, changes), orderId, 'modify');
  }

  setTimer(name: string, ms: number, repeat: boolean): void {
    this.clearTimer(name);
    const fire = (): void => {
      if (repeat) this.timers.set(name, this.clock.setTimer(fire, ms));
      else this.timers.delete(name);
      this.call('onTimer', () => this.strategy.onTimer?.(name, this.ctx as LiveContext));
    };
    this.timers.set(name, this.clock.setTimer(fire, ms));
  }

  clearTimer(name: string): void {
    this.timers.get(name)?.();
    this.timers.delete(name);
  }

  // Events.

  private onQuote(symbol: string, q: Quote): void {
    if (!this.started || this.failure !== undefined || this.stopping !== undefined) return;
    this.quoteCount++;
    const update: QuoteUpdate = { symbol, time: q.time.getTime(), bid: q.bid, ask: q.ask, last: q.last };
    const price = quotePrice(update);
    const line = this.lines.get(symbol);
    if (price !== undefined && line !== undefined) {
      this.lastPrices.set(symbol, price);
      // A bar completed before this quote (its timer is late) reaches the strategy first.
      if (!this.brokerBars) {
        const bar = line.bars.add(this.clock.now(), price, q.volume);
        if (bar !== undefined) this.deliverBar(bar);
        this.scheduleClose(line);
      }
    }
    this.call('onQuote', () => this.strategy.onQuote?.(update, this.ctx as LiveContext));
  }

  private scheduleClose(line: Line): void {
    const end = line.bars.slotEnd;
    if (Number.isNaN(end) || line.closeDue === end) return;
    line.cancelClose?.();
    line.closeDue = end;
    line.cancelClose = this.clock.setTimer(() => this.closeSlot(line), end - this.clock.now());
  }

  private closeSlot(line: Line): void {
    line.closeDue = Number.NaN;
    if (this.failure !== undefined || this.stopping !== undefined) return;
    const now = this.clock.now();
    // Timers may fire a millisecond early: the slot is not over yet.
    if (now < line.bars.slotEnd) {
      this.scheduleClose(line);
      return;
    }
    const bar = line.bars.closeAt(now);
    if (bar !== undefined) this.deliverBar(bar);
  }

  /** Broker bars: a timer at the end of the slot in progress requests its bar, then the next slot's is set. */
  private scheduleBrokerBar(line: Line): void {
    const now = this.clock.now();
    const end = (Math.floor(now / this.spanMs) + 1) * this.spanMs;
    line.closeDue = end;
    line.cancelClose = this.clock.setTimer(() => {
      if (this.failure !== undefined || this.stopping !== undefined) return;
      if (this.clock.now() < end) {
        this.scheduleBrokerBar(line);
        return;
      }
      this.requestBar(line, end - this.spanMs);
      this.scheduleBrokerBar(line);
    }, end - now);
  }

  private requestBar(line: Line, start: number): void {
    this.barsPending++;
    line.barChain = line.barChain.then(async () => {
      try {
        const bars = await this.ts.getHistoricalData(
          line.contract,
          undefined,
          { start: new Date(start), end: new Date(start + this.spanMs) },
          this.o.timeframe,
          { broker: this.broker, useRTH: false },
        );
        const b = bars.find((x) => x.time.getTime() === start);
        // No bar: nothing traded in the slot (or outside the instrument's hours); a quote-built bar would be empty too.
        if (b !== undefined && this.failure === undefined && this.stopping === undefined)
          this.deliverBar({
            symbol: line.symbol,
            timeframe: this.o.timeframe,
            time: start,
            endTime: start + this.spanMs,
            open: b.open,
            high: b.high,
            low: b.low,
            close: b.close,
            volume: b.volume,
          });
      } catch (err) {
        this.ctx?.log.warn(`bar ${new Date(start).toISOString()} of ${line.symbol}: ${(err as Error).message}`);
      } finally {
        this.barsPending--;
        this.checkSettled();
      }
    });
  }

  private deliverBar(bar: Bar): void {
    this.barCount++;
    for (const b of (this.fanout as TimeframeFanout).push(bar))
      if (!this.call('onBar', () => this.strategy.onBar?.(b, this.ctx as LiveContext))) return;
  }

  private onOrderEvent(e: OrderEvent): void {
    if (!this.ledger.has(e.clientOrderId)) return;
    const out: LedgerOutput = { updates: [], fills: [] };
    this.ledger.apply(e, out);
    this.dispatch(out);
    if (out.fills.length > 0) this.accountAfterFill();
    this.checkSettled();
  }

  private dispatch(out: LedgerOutput): void {
    if (this.failure !== undefined) return;
    const ctx = this.ctx as LiveContext;
    for (const u of out.updates) if (!this.call('onOrderUpdate', () => this.strategy.onOrderUpdate?.(u, ctx))) return;
    for (const f of out.fills) if (!this.call('onFill', () => this.strategy.onFill?.(f, ctx))) return;
  }

  /** Runs a callback; a throw ends the run (false). */
  private call(phase: string, fn: () => void): boolean {
    if (this.failure !== undefined) return false;
    try {
      fn();
      return true;
    } catch (err) {
      this.failure = new LiveStrategyFailedError(
        `${phase} threw at ${new Date(this.now()).toISOString()}: ${(err as Error).message}`,
        { cause: err },
      );
      this.fail(this.failure);
      return false;
    }
  }

  /** Follows an SDK command; a refusal becomes the order's update (the OMS's reply says why). */
  private track(p: Promise<unknown>, orderId: string | undefined, what: string): void {
    const tracked = p.then(
      () => undefined,
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (orderId === undefined) {
          this.ctx?.log.warn(`${what} failed: ${message}`);
          return;
        }
        if (what === 'submit') {
          const update = this.ledger.refuse(
            orderId,
            err instanceof OrderDeniedError ? 'denied' : 'rejected',
            message,
            this.now(),
          );
          if (update !== undefined) this.dispatch({ updates: [update], fills: [] });
        } else this.ctx?.log.warn(`${what} of ${orderId} refused: ${message}`);
        this.checkSettled();
      },
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => {
      this.inFlight.delete(tracked);
      this.checkSettled();
    });
  }

  /**
   * Reads the account again after a new execution. Each read is a broker round trip (IB's account summary, of which
   * a gateway runs only a few at a time): fills arriving while one is under way ask for a single read after it,
   * which sees them all, instead of one each.
   */
  private accountAfterFill(): void {
    this.accountStale = true;
    if (this.accountReading) return;
    this.accountReading = true;
    const read = async (): Promise<void> => {
      while (this.accountStale) {
        this.accountStale = false;
        await this.refreshAccount();
      }
      this.accountReading = false;
    };
    this.track(read(), undefined, 'account');
  }

  private async refreshAccount(): Promise<void> {
    try {
      const a = await this.ts.getAccountInfo({
        broker: this.broker,
        ...(this.o.account === undefined ? {} : { account: this.o.account }),
      });
      if (a.totalCashValue !== undefined) this.accountCash = Number(a.totalCashValue);
      if (a.netLiquidation !== undefined) this.accountEquity = Number(a.netLiquidation);
    } catch (err) {
      // The strategy still runs: cash() and equity() say NaN until the account answers.
      this.ctx?.log.warn(`account of ${this.broker} unavailable: ${(err as Error).message}`);
    }
  }

  private checkSettled(): void {
    const settled = this.ledger.open().length === 0 && this.ledger.commissions().pending === 0;
    if (settled && this.barsPending === 0 && this.inFlight.size === 0)
      for (const resolve of this.quietWaiters.splice(0)) resolve();
    if (this.settled !== undefined && settled) this.settled();
  }

  /**
   * Resolves once nothing of the run is under way: no bar request pending, no SDK command unanswered, every order
   * final with its commissions reported. A run against a stepped sim clock waits for it before the next step.
   */
  whenQuiet(): Promise<void> {
    return new Promise((resolve) => {
      this.quietWaiters.push(resolve);
      this.checkSettled();
    });
  }

  /** Calls `onStop`, cancels what still works (unless kept), waits for the OMS, and returns the summary. */
  stop(): Promise<LiveRunSummary> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<LiveRunSummary> {
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    for (const line of this.lines.values()) line.cancelClose?.();
    await Promise.allSettled(this.subscriptions.map((s) => s.unsubscribe()));
    // Orders the strategy sends from onStop (closing a position) are left to fill; the ones working before it are
    // cancelled, unless kept or cancelled by onStop itself.
    const workingBefore = new Set(this.ledger.open().map((o) => o.id));
    if (this.failure === undefined) this.call('onStop', () => this.strategy.onStop?.(this.ctx as LiveContext));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.o.keepOrdersOnStop !== true)
      for (const order of this.ledger.open())
        if (workingBefore.has(order.id) && order.status !== 'pendingCancel')
          this.track(this.ts.cancelOrder(order.id), order.id, 'cancel');
    const settleMs = this.o.settleMs ?? 10_000;
    await new Promise<void>((resolve) => {
      // A deadline, not a synchronisation: the OMS normally settles in milliseconds; a broker that went away
      // must not keep Ctrl-C from ending the run. The summary then shows what was still open.
      const deadline = setTimeout(resolve, settleMs);
      this.settled = () => {
        clearTimeout(deadline);
        resolve();
      };
      this.checkSettled();
    });
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.stopEvents();
    const { total, pending } = this.ledger.commissions();
    return {
      strategy: this.name,
      strategyId: this.strategyId,
      broker: this.broker,
      params: this.params,
      startedAt: this.startedAt,
      stoppedAt: Date.now(),
      quotes: this.quoteCount,
      bars: this.barCount,
      orders: this.ledger.orderIds.map((id) => this.ledger.order(id) as StrategyOrder),
      fills: this.ledger.fillList.map((f) => ({ ...f })),
      positions: this.ledger.positions(),
      commissions: total,
      commissionsPending: pending,
      failure: this.failure?.message,
    };
  }
}
