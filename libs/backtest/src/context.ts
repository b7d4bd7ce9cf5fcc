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

export class BacktestContext implements StrategyContext {
  readonly mode = 'backtest' as const;
  readonly indicators: Indicators = indicators;
  readonly lastPrices = new Map<string, number>();
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
  ) {}

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
      value += p.qty * (this.lastPrices.get(symbol) ?? p.avgPrice) * (this.multipliers.get(symbol) ?? 1);
    }
    return value;
  }

  openOrders(symbol?: string): StrategyOrder[] {
    const out: StrategyOrder[] = [];
    for (const o of this.broker.open.values()) if (symbol === undefined || o.symbol === symbol) out.push({ ...o });
    return out;
  }

  order(id: string): StrategyOrder | undefined {
    const o = this.broker.orders.get(id);
    return o === undefined ? undefined : { ...o };
  }

  lastPrice(symbol?: string): number | undefined {
    return this.lastPrices.get(this.symbolOr(symbol));
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
