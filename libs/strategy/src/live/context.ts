/**
 * The strategy's context in a live or paper run: reads from the run's ledger (its own orders, fills and positions),
 * the quotes it receives and the account the broker reports; order calls go to the OMS through the SDK. Calls
 * return at once, as in a backtest: the OMS's answer arrives later as `onOrderUpdate` / `onFill`.
 */
import * as indicators from 'trading-signals';
import { StrategyUsageError } from '../errors.js';
import { roundToTick } from '../ticks.js';
import type {
  Indicators,
  ModifyChanges,
  OrderRequest,
  Params,
  PositionInfo,
  RunMode,
  StrategyContext,
  StrategyLogger,
  StrategyOrder,
} from '../types.js';
import type { LiveLedger } from './ledger.js';

/** What the context needs of the run: instruments, prices, the account, and the commands it forwards. */
export interface LiveRunPort {
  readonly ledger: LiveLedger;
  readonly lastPrices: ReadonlyMap<string, number>;
  now(): number;
  minTick(symbol: string): number;
  cash(): number;
  equity(): number;
  submit(order: OrderRequest): string;
  cancel(orderId: string): void;
  modify(orderId: string, changes: ModifyChanges): void;
  setTimer(name: string, ms: number, repeat: boolean): void;
  clearTimer(name: string): void;
}

export class LiveContext implements StrategyContext {
  readonly indicators: Indicators = indicators;

  constructor(
    private readonly run: LiveRunPort,
    readonly mode: Exclude<RunMode, 'backtest'>,
    readonly params: Params,
    readonly strategyId: string,
    readonly symbols: readonly string[],
    readonly log: StrategyLogger,
  ) {}

  now(): number {
    return this.run.now();
  }

  private symbolOr(symbol: string | undefined): string {
    const s = symbol ?? this.symbols[0];
    if (s === undefined) throw new StrategyUsageError('the run has no symbol');
    if (!this.symbols.includes(s))
      throw new StrategyUsageError(`symbol ${s} is not one of this run's (${this.symbols.join(', ')})`);
    return s;
  }

  position(symbol?: string): number {
    return this.run.ledger.position(this.symbolOr(symbol));
  }

  positions(): PositionInfo[] {
    return this.run.ledger.positions();
  }

  cash(): number {
    return this.run.cash();
  }

  equity(): number {
    return this.run.equity();
  }

  openOrders(symbol?: string): readonly StrategyOrder[] {
    return this.run.ledger.open(symbol === undefined ? undefined : this.symbolOr(symbol));
  }

  order(id: string): StrategyOrder | undefined {
    return this.run.ledger.order(id);
  }

  lastPrice(symbol?: string): number | undefined {
    return this.run.lastPrices.get(this.symbolOr(symbol));
  }

  tickSize(symbol?: string): number {
    return this.run.minTick(this.symbolOr(symbol));
  }

  roundToTick(price: number, symbol?: string): number {
    return roundToTick(price, this.tickSize(symbol));
  }

  submit(order: OrderRequest): string {
    this.symbolOr(order.symbol);
    return this.run.submit(order);
  }

  buy(symbol: string, quantity: number, options: Omit<OrderRequest, 'symbol' | 'side' | 'quantity'> = {}): string {
    return this.submit({ ...options, symbol, side: 'BUY', quantity });
  }

  sell(symbol: string, quantity: number, options: Omit<OrderRequest, 'symbol' | 'side' | 'quantity'> = {}): string {
    return this.submit({ ...options, symbol, side: 'SELL', quantity });
  }

  cancel(orderId: string): void {
    this.run.cancel(orderId);
  }

  cancelAll(symbol?: string): void {
    for (const o of this.openOrders(symbol)) this.run.cancel(o.id);
  }

  modify(orderId: string, changes: ModifyChanges): void {
    this.run.modify(orderId, changes);
  }

  setTimer(name: string, ms: number, options: { readonly repeat?: boolean } = {}): void {
    if (!(ms > 0)) throw new StrategyUsageError(`timer ${name}: interval must be > 0 ms, got ${ms}`);
    this.run.setTimer(name, ms, options.repeat === true);
  }

  clearTimer(name: string): void {
    this.run.clearTimer(name);
  }
}
