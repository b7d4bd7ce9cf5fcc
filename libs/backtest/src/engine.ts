/**
 * The backtest engine: bars in time order (several symbols merged), a market built from them for the exchange
 * core, the strategy's callbacks, and the statistics, curves and records of the run. Synchronous and
 * deterministic: the same inputs give byte-identical results (no wall clock, no randomness, stable orderings).
 *
 * Timeline of one bar [time, endTime) (bar-driven fills, the default):
 *   1. The market walks the bar: open at `time`, then the extreme nearer the open, then the other one, then the
 *      close at `endTime − 1 ms` (open → low → high → close when close ≥ open, open → high → low → close
 *      otherwise), at `time + span/3` and `time + 2·span/3` for the extremes. Between two points the price
 *      passes through every level in between, so a resting limit fills at its limit and a stop triggers at its
 *      stop when a leg crosses them; a gap (previous close → open) jumps, and orders it crosses fill at the open.
 *   2. Orders the strategy sent reach the exchange `latencyMs` later, at the first point at or after their
 *      arrival: an order sent on a bar's close reaches, with no latency, the next bar's open.
 *   3. Timers due by `endTime` fire, then `onBar` receives the bar (and bars of longer timeframes completed by it).
 *   4. Equity (cash + positions at the close) is sampled for the statistics and the curve.
 * Quotes at a point: bid = price − spread/2 − slippage, ask = price + spread/2 + slippage, last = price, sizes
 * unlimited (no partial fills from bars). At a level a leg crosses, a limit sees the level itself (it fills at its
 * price) and a stop sees the level with spread and slippage (it fills as a market order there).
 *
 * Quote-driven fills (`fills: { mode: 'quotes', source }`): the exchange core reads `source.quoteAt(instrumentId, t)`
 * (the series' instrument id), e.g. ib-sim's own price model of the same data; orders act at exactly their arrival
 * time and resting orders are matched every `stepMs` (250 ms, as ib-sim does). Bars still drive `onBar`.
 */
import {
  type CommissionSchedule,
  Exchange,
  type InstrumentSpec,
  type Quote,
  type QuoteSource,
} from '@trading-system/exchange';
import {
  type Bar,
  createStrategyLogger,
  type LogLevel,
  type ParamValue,
  resolveParams,
  type Strategy,
  type StrategyLogger,
  streamSink,
  TimeframeFanout,
  timeframeMs,
} from '@trading-system/strategy';
import { BacktestContext } from './context.js';
import { type Candle, CandleSeries, type CurvePoint, EquityCurve } from './curve.js';
import { type InstrumentOptions, instrumentSpec } from './instruments.js';
import type { FillRecord, MutableOrder, PositionChange, TradeRecord } from './records.js';
import { ACCOUNT, CLIENT_ID, type PositionState, SimBroker } from './sim-broker.js';
import { type ReturnPeriod, type Statistics, StatsAccumulator } from './stats.js';
import { ColumnBars } from './sweep/columns.js';

/** One bar of input; `volume` may be absent. */
export interface InputBar {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume?: number | undefined;
}

export interface BarSeriesInput {
  readonly instrument: InstrumentOptions;
  /** Bars in time order, all of the run's timeframe. */
  readonly bars: Iterable<InputBar>;
  /** Number of bars, when known (progress). */
  readonly length?: number;
}

export type FillModel =
  | { readonly mode: 'bars'; readonly spreadTicks?: number; readonly slippageTicks?: number }
  | { readonly mode: 'quotes'; readonly source: QuoteSource; readonly stepMs?: number };

export interface BacktestOptions {
  readonly strategy: Strategy;
  /** Order tag and id prefix (default: the strategy's name). */
  readonly strategyId?: string;
  readonly params?: Readonly<Record<string, ParamValue | string>>;
  readonly data: readonly BarSeriesInput[];
  /** Timeframe of the input bars (`1m`, `1d`, ...). */
  readonly timeframe: string;
  /** Only bars starting in [from, to) (epoch ms). */
  readonly from?: number;
  readonly to?: number;
  /** Starting cash in `currency` (default 100,000). */
  readonly cash?: number;
  readonly currency?: string;
  readonly fills?: FillModel;
  /** Market-time delay between an order call and its arrival at the exchange (default 0). */
  readonly latencyMs?: number;
  readonly commissions?: CommissionSchedule;
  /** Reject orders beyond the margin of the account, as ib-sim does (default true). */
  readonly marginCheck?: boolean;
  readonly returnPeriod?: ReturnPeriod;
  readonly periodsPerYear?: number;
  readonly riskFreeRate?: number;
  /** A logger, or a level for lines on stderr (default 'warn'). */
  readonly log?: StrategyLogger | LogLevel;
  readonly onProgress?: (barsDone: number, barsTotal: number | undefined) => void;
  /** Points kept for the equity curve and candles per symbol (default 4096). */
  readonly maxCurvePoints?: number;
}

export interface BacktestResult {
  readonly strategy: string;
  readonly strategyId: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly symbols: readonly string[];
  readonly timeframe: string;
  readonly firstBarTime: number | null;
  readonly lastBarEnd: number | null;
  readonly bars: number;
  readonly cash: number;
  readonly currency: string;
  readonly fillModel: string;
  readonly latencyMs: number;
  readonly statistics: Statistics;
  readonly orders: readonly Omit<MutableOrder, 'coreId'>[];
  readonly fills: readonly FillRecord[];
  readonly trades: readonly TradeRecord[];
  readonly openTrades: number;
  readonly positions: readonly PositionChange[];
  readonly equity: readonly CurvePoint[];
  readonly candles: Readonly<Record<string, { readonly candles: readonly Candle[]; readonly barsPerCandle: number }>>;
}

/** A strategy callback threw: the run stops there. */
export class StrategyFailedError extends Error {
  override readonly name = 'StrategyFailedError';
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

interface MutableQuote {
  bid: number;
  ask: number;
  last: number;
  bidSize: number;
  askSize: number;
  lastSize: number;
  volume: number;
}

export function runBacktest(o: BacktestOptions): BacktestResult {
  return new BacktestRun(o).run();
}

/** One run. A class, not closures: the per-bar loop reads fields of one object, which V8 keeps fast. */
class BacktestRun {
  private readonly spanMs: number;
  private readonly currency: string;
  private readonly startCash: number;
  private readonly latencyMs: number;
  private readonly fills: FillModel;
  private readonly strategy: Strategy;
  private readonly strategyName: string;
  private readonly strategyId: string;
  private readonly symbols: string[];
  private readonly specList: InstrumentSpec[];
  private readonly multipliers: number[];
  private readonly quotes = new Map<string, MutableQuote>();
  private readonly clock = { t: 0 };
  private readonly exchange: Exchange;
  private readonly stats: StatsAccumulator;
  private readonly broker: SimBroker;
  private readonly ctx: BacktestContext;
  private readonly firstTime: number;
  private readonly spread: number;
  private readonly slippage: number;
  private readonly stepMs: number;
  private lastStep = Number.NEGATIVE_INFINITY;
  /** What runs now, for the error message when a strategy callback throws. */
  private phase = 'onStart';

  constructor(private readonly o: BacktestOptions) {
    if (o.data.length === 0) throw new RangeError('a backtest needs at least one bar series');
    this.spanMs = timeframeMs(o.timeframe);
    this.currency = o.currency ?? 'USD';
    this.startCash = o.cash ?? 100_000;
    this.latencyMs = o.latencyMs ?? 0;
    this.fills = o.fills ?? { mode: 'bars' };
    this.strategy = o.strategy;
    this.strategyName = o.strategy.name ?? o.strategy.constructor?.name ?? 'strategy';
    this.strategyId = o.strategyId ?? this.strategyName;
    this.symbols = o.data.map((d) => d.instrument.symbol);
    if (new Set(this.symbols).size !== this.symbols.length)
      throw new RangeError(`a symbol appears twice: ${this.symbols.join(', ')}`);
    const specs = new Map<string, InstrumentSpec>();
    for (const d of o.data) specs.set(d.instrument.symbol, instrumentSpec(d.instrument));
    this.specList = this.symbols.map((s) => specs.get(s) as InstrumentSpec);
    this.multipliers = this.specList.map((s) => s.multiplier);
    const byId = new Map<string, InstrumentSpec>();
    for (const s of this.specList) {
      if (s.currency !== this.currency)
        throw new RangeError(
          `${s.symbol} trades in ${s.currency}; this backtester values the account in one currency (${this.currency})`,
        );
      const other = byId.get(s.instrumentId);
      if (other !== undefined)
        throw new RangeError(`${other.symbol} and ${s.symbol} have one instrument id (${s.instrumentId})`);
      byId.set(s.instrumentId, s);
    }
    const barQuotes: QuoteSource = { quoteAt: (id) => this.quotes.get(id) as Quote | undefined };
    this.exchange = Exchange.open({
      quotes: this.fills.mode === 'quotes' ? this.fills.source : barQuotes,
      instruments: (id) => byId.get(id),
      clock: { nowMs: () => this.clock.t },
      accounts: [{ id: ACCOUNT, baseCurrency: this.currency, startingCash: { [this.currency]: this.startCash } }],
      ...(o.commissions === undefined ? {} : { commissions: o.commissions }),
      marginCheck: o.marginCheck ?? true,
      accountEvents: false,
      openOrderEvents: false,
      // The run keeps its own records: the core may forget finished orders and executions (pruned hourly).
      retentionMs: 0,
    });
    this.firstTime = o.from ?? Number.NEGATIVE_INFINITY;
    this.stats = new StatsAccumulator({
      startEquity: this.startCash,
      startTime: Number.isFinite(this.firstTime) ? this.firstTime : 0,
      returnPeriod: o.returnPeriod ?? (this.spanMs >= 86_400_000 ? 'bar' : 'day'),
      ...(o.periodsPerYear === undefined ? {} : { periodsPerYear: o.periodsPerYear }),
      ...(o.riskFreeRate === undefined ? {} : { riskFreeRate: o.riskFreeRate }),
    });
    this.broker = new SimBroker(this.exchange, specs, this.strategyId, this.latencyMs, this.currency, this.stats);
    const log: StrategyLogger =
      typeof o.log === 'object'
        ? o.log
        : createStrategyLogger(() => this.broker.now, streamSink(process.stderr), o.log ?? 'warn');
    const params = resolveParams(this.strategy, o.params ?? {});
    const multipliers = new Map(this.specList.map((s) => [s.symbol, s.multiplier]));
    this.ctx = new BacktestContext(this.broker, params, this.strategyId, this.symbols, log, multipliers);
    const strategy = this.strategy;
    const ctx = this.ctx;
    this.broker.hooks = {
      fill: (f) => {
        if (strategy.onFill === undefined) return;
        const outer = this.phase;
        this.phase = 'onFill';
        strategy.onFill(f, ctx);
        this.phase = outer;
      },
      update: (order, previousStatus, time) => {
        if (strategy.onOrderUpdate === undefined) return;
        const outer = this.phase;
        this.phase = 'onOrderUpdate';
        strategy.onOrderUpdate({ order: { ...order }, previousStatus, time }, ctx);
        this.phase = outer;
      },
    };
    this.spread = this.fills.mode === 'bars' ? (this.fills.spreadTicks ?? 0) : 0;
    this.slippage = this.fills.mode === 'bars' ? (this.fills.slippageTicks ?? 0) : 0;
    this.stepMs = this.fills.mode === 'quotes' ? (this.fills.stepMs ?? 250) : 0;
  }

  private setNow(t: number): void {
    this.broker.now = t;
    this.clock.t = t;
  }

  private setQuote(spec: InstrumentSpec, price: number, exact: boolean): void {
    const off = exact ? 0 : (this.spread / 2 + this.slippage) * spec.minTick;
    let q = this.quotes.get(spec.instrumentId);
    if (q === undefined) {
      q = { bid: 0, ask: 0, last: 0, bidSize: UNLIMITED, askSize: UNLIMITED, lastSize: 0, volume: 0 };
      this.quotes.set(spec.instrumentId, q);
    }
    q.bid = price - off;
    q.ask = price + off;
    q.last = price;
  }

  private step(t: number): void {
    if (this.exchange.hasOpenOrders()) this.broker.process(this.exchange.step(t));
  }

  /** Steps the exchange at every resting order's level between `from` (excluded) and `to`, in travel order. */
  private crossLevels(spec: InstrumentSpec, from: number, to: number, t: number): void {
    const up = to > from;
    const levels: Array<{ price: number; exact: boolean }> = [];
    const inLeg = (p: number): boolean => (up ? p > from && p <= to : p < from && p >= to);
    for (const ord of this.exchange.openOrders(CLIENT_ID)) {
      if (ord.instrumentId !== spec.instrumentId) continue;
      const buy = ord.action === 'BUY';
      const stopPending = (ord.orderType === 'STP' || ord.orderType === 'STP LMT') && !ord.triggered;
      const limited = ord.orderType === 'LMT' || (ord.orderType === 'STP LMT' && ord.triggered);
      if (stopPending && ord.auxPrice !== undefined && buy === up && inLeg(ord.auxPrice))
        levels.push({ price: ord.auxPrice, exact: false });
      if (limited && ord.lmtPrice !== undefined && buy !== up && inLeg(ord.lmtPrice))
        levels.push({ price: ord.lmtPrice, exact: true });
    }
    if (levels.length === 0) return;
    levels.sort((a, b) => (up ? a.price - b.price : b.price - a.price) || (a.exact === b.exact ? 0 : a.exact ? -1 : 1));
    for (const l of levels) {
      this.setQuote(spec, l.price, l.exact);
      this.step(t);
    }
  }

  /** The bar's four points in order (see the timeline above). */
  private walkBar(spec: InstrumentSpec, time: number, open: number, high: number, low: number, close: number): void {
    const span = this.spanMs;
    const up = close >= open;
    const first = up ? low : high;
    const second = up ? high : low;
    // The open is reached by a jump (a gap), not a leg: orders it crosses fill at the open itself.
    this.walkPoint(spec, time, open, Number.NaN);
    this.walkPoint(spec, time + Math.floor(span / 3), first, open);
    this.walkPoint(spec, time + Math.floor((2 * span) / 3), second, first);
    this.walkPoint(spec, time + span - 1, close, second);
  }

  /** One point of a bar at `t`; `prev`: where the leg to it starts (NaN: no leg). */
  private walkPoint(spec: InstrumentSpec, t: number, p: number, prev: number): void {
    this.setNow(t);
    if (!Number.isNaN(prev) && this.exchange.hasOpenOrders()) this.crossLevels(spec, prev, p, t);
    this.setQuote(spec, p, false);
    this.step(t);
    if (this.broker.nextArrival() <= t) this.broker.applyArrived(t);
  }

  /** Quote-driven fills: arrivals at their instant, resting orders on the `stepMs` grid, up to `end`. */
  private advanceTo(end: number): void {
    const stepMs = this.stepMs;
    for (;;) {
      const arrival = this.broker.nextArrival();
      const gridNext = this.exchange.hasOpenOrders()
        ? Math.max(Math.floor(this.lastStep / stepMs) + 1, Math.ceil(this.broker.now / stepMs)) * stepMs
        : Number.POSITIVE_INFINITY;
      const t = Math.min(arrival, gridNext);
      if (t > end || !Number.isFinite(t)) return;
      this.setNow(Math.max(t, this.broker.now));
      if (gridNext <= arrival) {
        this.lastStep = t;
        this.broker.process(this.exchange.step(t));
      } else this.broker.applyArrived(t);
    }
  }

  private fireTimers(upTo: number): void {
    for (;;) {
      const timer = this.ctx.takeDueTimer(upTo);
      if (timer === undefined) return;
      this.setNow(timer.due);
      if (timer.everyMs === undefined) this.ctx.timers.delete(timer.name);
      else timer.due += timer.everyMs;
      this.ctx.refreshTimers();
      this.phase = 'onTimer';
      this.strategy.onTimer?.(timer.name, this.ctx);
    }
  }

  run(): BacktestResult {
    try {
      return this.loop();
    } catch (err) {
      if (this.phase === 'engine') throw err;
      throw new StrategyFailedError(
        `${this.phase} threw at ${new Date(this.broker.now).toISOString()}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  private loop(): BacktestResult {
    const { o, strategy, ctx, broker, exchange, stats, symbols, specList, spanMs } = this;
    const n = symbols.length;
    const firstTime = this.firstTime;
    const heads = new Heads(o.data, firstTime, o.to ?? Number.POSITIVE_INFINITY);
    const { live, time: hTime, open: hOpen, high: hHigh, low: hLow, close: hClose, volume: hVolume } = heads;
    // The context reads the same array (lastPrice, equity): one write per bar.
    const lastClose = ctx.lastCloses;
    let nextPrune = Number.NEGATIVE_INFINITY;
    const fanout = new TimeframeFanout(symbols, o.timeframe, strategy.timeframes ?? []);
    const passthrough = fanout.passthroughOnly;
    const curve = new EquityCurve(o.maxCurvePoints);
    const candleSeries = symbols.map(() => new CandleSeries(o.maxCurvePoints));
    const total = o.data.every((d) => d.length !== undefined)
      ? o.data.reduce((k, d) => k + (d.length ?? 0), 0)
      : undefined;
    const positions = broker.positionList;
    const multipliers = this.multipliers;
    const barMode = this.fills.mode === 'bars';
    const onBar = strategy.onBar?.bind(strategy);
    const onProgress = o.onProgress;
    // The bars of one instant (one per symbol at most); `grouped` of them are this instant's.
    const groupBars: Bar[] = new Array(n);
    let grouped = 0;
    let barsDone = 0;
    let firstBarTime: number | null = null;
    let lastBarEnd: number | null = null;

    this.setNow(Number.isFinite(firstTime) ? firstTime : 0);
    strategy.onStart?.(ctx);
    for (;;) {
      this.phase = 'engine';
      let t = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) if (live[i] === 1 && (hTime[i] as number) < t) t = hTime[i] as number;
      if (t === Number.POSITIVE_INFINITY) break;
      if (firstBarTime === null) {
        firstBarTime = t;
        if (!Number.isFinite(firstTime)) stats.setStartTime(t);
      }
      const end = t + spanMs;
      if (!barMode) this.advanceTo(end - 1);
      grouped = 0;
      for (let i = 0; i < n; i++) {
        if (live[i] !== 1 || hTime[i] !== t) continue;
        const open = hOpen[i] as number;
        const high = hHigh[i] as number;
        const low = hLow[i] as number;
        const close = hClose[i] as number;
        const volume = hVolume[i] as number;
        if (barMode && (broker.open.size > 0 || broker.nextArrival() <= end))
          this.walkBar(specList[i] as InstrumentSpec, t, open, high, low, close);
        lastClose[i] = close;
        (candleSeries[i] as CandleSeries).add(t, open, high, low, close, volume);
        // A fresh object per bar: a strategy may keep the bars it is given.
        groupBars[grouped++] = {
          symbol: symbols[i] as string,
          timeframe: o.timeframe,
          time: t,
          endTime: end,
          open,
          high,
          low,
          close,
          volume,
        };
        heads.advance(i);
      }
      if (ctx.nextTimerDue <= end) this.fireTimers(end);
      this.setNow(end);
      if (onBar !== undefined) {
        this.phase = 'onBar';
        for (let k = 0; k < grouped; k++) {
          const b = groupBars[k] as Bar;
          if (passthrough) onBar(b, ctx);
          else {
            const out = fanout.push(b);
            for (let j = 0; j < out.length; j++) onBar(out[j] as Bar, ctx);
          }
        }
        this.phase = 'engine';
      }
      let equity = broker.cash;
      let exposed = false;
      for (let i = 0; i < n; i++) {
        const qty = (positions[i] as PositionState).qty;
        if (qty !== 0) {
          exposed = true;
          equity += qty * (lastClose[i] as number) * (multipliers[i] as number);
        }
      }
      if (end >= nextPrune && !exchange.hasOpenOrders()) {
        // A step with nothing working only prunes the core's finished orders (memory stays flat).
        exchange.step(end);
        nextPrune = end + 3_600_000;
      }
      stats.addSample(end, equity, exposed);
      curve.add(end, equity, stats.drawdownOf(equity));
      lastBarEnd = end;
      barsDone += grouped;
      if (onProgress !== undefined && (barsDone & 0xffff) < grouped) onProgress(barsDone, total);
    }
    if (onBar !== undefined) {
      this.phase = 'onBar';
      for (const b of fanout.flush()) onBar(b, ctx);
    }
    this.phase = 'engine';
    if (!barMode && lastBarEnd !== null) this.advanceTo(lastBarEnd + this.latencyMs);
    this.phase = 'onStop';
    strategy.onStop?.(ctx);
    this.phase = 'engine';
    onProgress?.(barsDone, total);

    const candles: Record<string, { candles: Candle[]; barsPerCandle: number }> = {};
    symbols.forEach((s, i) => {
      candles[s] = (candleSeries[i] as CandleSeries).finish();
    });
    return {
      strategy: this.strategyName,
      strategyId: this.strategyId,
      params: ctx.params,
      symbols,
      timeframe: o.timeframe,
      firstBarTime,
      lastBarEnd,
      bars: barsDone,
      cash: this.startCash,
      currency: this.currency,
      fillModel:
        this.fills.mode === 'bars'
          ? `bars (spread ${this.spread} ticks, slippage ${this.slippage} ticks)`
          : `quotes (step ${this.stepMs} ms)`,
      latencyMs: this.latencyMs,
      statistics: stats.result(),
      orders: broker.orderList.map(({ coreId: _coreId, ...rest }) => rest),
      fills: broker.fills,
      trades: broker.trades,
      openTrades: broker.openTradeCount(),
      positions: broker.positionChanges,
      equity: curve.finish(lastBarEnd ?? 0, ctx.equity()),
      candles,
    };
  }
}

/**
 * The next bar of every series as numbers, so the loop allocates no object per input bar: columns (ColumnBars,
 * what sweeps and the benchmark use) are read in place, any other iterable is iterated and its bars copied.
 * Bars before `from` are skipped; a series ends at its first bar at or after `to`.
 */
class Heads {
  /** 1 while the series has a bar to give. */
  readonly live: Uint8Array;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  private readonly columns: Array<ColumnBars['columns'] | undefined>;
  private readonly iterators: Array<Iterator<InputBar> | undefined>;
  /** Next row of each column series. */
  private readonly row: Float64Array;

  constructor(
    data: readonly BarSeriesInput[],
    private readonly from: number,
    private readonly to: number,
  ) {
    const n = data.length;
    this.live = new Uint8Array(n);
    this.time = new Float64Array(n);
    this.open = new Float64Array(n);
    this.high = new Float64Array(n);
    this.low = new Float64Array(n);
    this.close = new Float64Array(n);
    this.volume = new Float64Array(n);
    this.row = new Float64Array(n);
    this.columns = data.map((d) => (d.bars instanceof ColumnBars ? d.bars.columns : undefined));
    this.iterators = data.map((d) => (d.bars instanceof ColumnBars ? undefined : d.bars[Symbol.iterator]()));
    for (let i = 0; i < n; i++) this.advance(i);
  }

  advance(i: number): void {
    const c = this.columns[i];
    if (c !== undefined) {
      let k = this.row[i] as number;
      while (k < c.length && (c.time[k] as number) < this.from) k++;
      if (k >= c.length || (c.time[k] as number) >= this.to) {
        this.live[i] = 0;
        this.row[i] = c.length;
        return;
      }
      this.set(
        i,
        c.time[k] as number,
        c.open[k] as number,
        c.high[k] as number,
        c.low[k] as number,
        c.close[k] as number,
        c.volume[k] as number,
      );
      this.row[i] = k + 1;
      return;
    }
    const it = this.iterators[i] as Iterator<InputBar>;
    for (;;) {
      const r = it.next();
      if (r.done === true) {
        this.live[i] = 0;
        return;
      }
      const b = r.value;
      if (b.time < this.from) continue;
      if (b.time >= this.to) {
        this.live[i] = 0;
        return;
      }
      this.set(i, b.time, b.open, b.high, b.low, b.close, b.volume ?? 0);
      return;
    }
  }

  private set(i: number, time: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.live[i] = 1;
    this.time[i] = time;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
  }
}
