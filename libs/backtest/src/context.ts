/** The strategy's context in a backtest: reads from the simulated broker, orders and timers into its queues. */
import {
  type Indicators,
  indicators,
  type ModifyChanges,
  type OrderRequest,
  type Params,
  type PositionInfo,
  type StrategyContext,
  type StrategyLogger,
  type StrategyOrder,
  StrategyUsageError,
} from '@trading-system/strategy';
import { roundToTick } from './instruments.js';
import type { SimBroker } from './sim-broker.js';

export interface Timer {
  readonly name: string;
  due: number;
  readonly everyMs: number | undefined;
}

/** What `openOrders` returns when nothing is working: one frozen array, so the common case allocates nothing. */
const NO_ORDERS: readonly StrategyOrder[] = Object.freeze([]);
/** Cache key of `openOrders()` with no symbol: a value no symbol name can equal. */
const ALL_SYMBOLS = Symbol('all');

export class BacktestContext implements StrategyContext {
  readonly mode = 'backtest' as const;
  readonly indicators: Indicators = indicators;
  /** Last close of each symbol, in the run's symbol order (NaN before its first bar); the engine writes it. */
  readonly lastCloses: Float64Array;
  private readonly symbolIndex = new Map<string, number>();
  /** Frozen snapshots of the working orders (all, and per symbol), valid while the broker's version holds. */
  private readonly openCache = new Map<string | symbol, readonly StrategyOrder[]>();
  private openCacheVersion = -1;
  /** Timers by name; the engine fires the due ones in time order. */
  readonly timers = new Map<string, Timer>();
  nextTimerDue = Number.POSITIVE_INFINITY;

  constructor(
    private readonly broker: SimBroker,
    readonly params: Params,
    readonly strategyId: string,
    readonly symbols: readonly string[],
    readonly log: StrategyLogger,
    private readonly multipliers: ReadonlyMap<string, number>,
  ) {
    this.lastCloses = new Float64Array(symbols.length).fill(Number.NaN);
    for (const [i, s] of symbols.entries()) this.symbolIndex.set(s, i);
  }

  private lastClose(symbol: string): number | undefined {
    const i = this.symbolIndex.get(symbol);
    if (i === undefined) return undefined;
    const p = this.lastCloses[i] as number;
    return Number.isNaN(p) ? undefined : p;
  }

  now(): number {
    return this.broker.now;
  }

  private symbolOr(symbol: string | undefined): string {
    const s = symbol ?? this.symbols[0];
    if (s === undefined) throw new StrategyUsageError('the run has no symbol');
    return s;
  }

  position(symbol?: string): number {
    return this.broker.positions.get(this.symbolOr(symbol))?.qty ?? 0;
  }

  positions(): PositionInfo[] {
    const out: PositionInfo[] = [];
    for (const [symbol, p] of this.broker.positions)
      if (p.qty !== 0) out.push({ symbol, quantity: p.qty, avgPrice: p.avgPrice });
    return out;
  }

  cash(): number {
    return this.broker.cash;
  }

  equity(): number {
    let value = this.broker.cash;
    for (const [symbol, p] of this.broker.positions) {
      if (p.qty === 0) continue;
      value += p.qty * (this.lastClose(symbol) ?? p.avgPrice) * (this.multipliers.get(symbol) ?? 1);
    }
    return value;
  }

  /**
   * A frozen snapshot, shared by every call until an order changes (the broker's version moves): strategies ask
   * this on every bar, and copying the orders each time was a fifth of a backtest's time.
   */
  openOrders(symbol?: string): readonly StrategyOrder[] {
    const broker = this.broker;
    if (broker.open.size === 0) return NO_ORDERS;
    if (this.openCacheVersion !== broker.ordersVersion) {
      this.openCache.clear();
      this.openCacheVersion = broker.ordersVersion;
    }
    const key = symbol ?? ALL_SYMBOLS;
    let list = this.openCache.get(key);
    if (list === undefined) {
      const out: StrategyOrder[] = [];
      for (const o of broker.open.values())
        if (symbol === undefined || o.symbol === symbol) out.push(Object.freeze({ ...o }));
      list = out.length === 0 ? NO_ORDERS : Object.freeze(out);
      this.openCache.set(key, list);
    }
    return list;
  }

  order(id: string): StrategyOrder | undefined {
    const o = this.broker.orders.get(id);
    return o === undefined ? undefined : { ...o };
  }

  lastPrice(symbol?: string): number | undefined {
    return this.lastClose(this.symbolOr(symbol));
  }

  tickSize(symbol?: string): number {
    return this.broker.spec(this.symbolOr(symbol)).minTick;
  }

  roundToTick(price: number, symbol?: string): number {
    return roundToTick(price, this.broker.spec(this.symbolOr(symbol)).minTick);
  }

  submit(order: OrderRequest): string {
    return this.broker.submit(order);
  }

  buy(symbol: string, quantity: number, options: Omit<OrderRequest, 'symbol' | 'side' | 'quantity'> = {}): string {
    return this.broker.submit({ ...options, symbol, side: 'BUY', quantity });
  }

  sell(symbol: string, quantity: number, options: Omit<OrderRequest, 'symbol' | 'side' | 'quantity'> = {}): string {
    return this.broker.submit({ ...options, symbol, side: 'SELL', quantity });
  }

  cancel(orderId: string): void {
    this.broker.cancel(orderId);
  }

  cancelAll(symbol?: string): void {
    for (const o of this.openOrders(symbol)) this.broker.cancel(o.id);
  }

  modify(orderId: string, changes: ModifyChanges): void {
    this.broker.modify(orderId, changes);
  }

  setTimer(name: string, ms: number, options: { readonly repeat?: boolean } = {}): void {
    if (!(ms > 0)) throw new StrategyUsageError(`timer ${name}: interval must be > 0 ms, got ${ms}`);
    this.timers.set(name, { name, due: this.broker.now + ms, everyMs: options.repeat === true ? ms : undefined });
    this.refreshTimers();
  }

  clearTimer(name: string): void {
    this.timers.delete(name);
    this.refreshTimers();
  }

  refreshTimers(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.timers.values()) if (t.due < next) next = t.due;
    this.nextTimerDue = next;
  }

  /** The timer due first at or before `t` (ties by name), or undefined. */
  takeDueTimer(t: number): Timer | undefined {
    if (this.nextTimerDue > t) return undefined;
    let first: Timer | undefined;
    for (const timer of this.timers.values())
      if (
        timer.due <= t &&
        (first === undefined || timer.due < first.due || (timer.due === first.due && timer.name < first.name))
      )
        first = timer;
    return first;
  }
}
