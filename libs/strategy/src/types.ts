/**
 * The strategy API: what a strategy file implements and what its context offers. One file runs unchanged in the
 * backtester (`libs/backtest`), on a paper broker and live (`LiveRun` of `@trading-system/strategy/live`, through
 * the SDK); only the context's implementation differs. Prices and quantities are plain numbers here (a strategy computes with them); the
 * ledger behind the context keeps exact integers (the exchange core) or exact decimal strings (the OMS).
 *
 * Time: every timestamp is epoch milliseconds of the market's clock (the data's time in a backtest, the
 * broker's in a live run). Callbacks never interleave: each runs to its end before the next event is handled.
 */
import type * as tradingSignals from 'trading-signals';

export type Side = 'BUY' | 'SELL';
/** Every order type of the SDK: market, limit, stop, stop-limit. */
export type OrderType = 'MKT' | 'LMT' | 'STP' | 'STP LMT';
/** Every time in force of the SDK. DAY orders expire at the end of the instrument's session. */
export type TimeInForce = 'DAY' | 'GTC' | 'IOC' | 'FOK';
export type RunMode = 'backtest' | 'paper' | 'live';

/** A completed bar. `time` is its start, `endTime` its (exclusive) end; the strategy sees it at `endTime`. */
export interface Bar {
  readonly symbol: string;
  /** Timeframe token (`1m`, `7m`, `1h`, `1d`): the run's bar size or one the strategy asked for. */
  readonly timeframe: string;
  readonly time: number;
  readonly endTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** 0 when the source has no volume (FX, indices). */
  readonly volume: number;
}

/** Top of book after a change. Fields the source does not have are undefined. */
export interface QuoteUpdate {
  readonly symbol: string;
  readonly time: number;
  readonly bid: number | undefined;
  readonly ask: number | undefined;
  readonly last: number | undefined;
}

/** Order states as the OMS names them (denied: our own risk checks said no; rejected: the broker did). */
export type OrderStatus =
  | 'accepted'
  | 'pendingSubmit'
  | 'submitted'
  | 'partiallyFilled'
  | 'pendingCancel'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected'
  | 'denied'
  | 'unresolved';

export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'filled',
  'cancelled',
  'expired',
  'rejected',
  'denied',
]);

export interface OrderRequest {
  readonly symbol: string;
  readonly side: Side;
  /** Whole units (shares, contracts). */
  readonly quantity: number;
  /** Default MKT. */
  readonly type?: OrderType;
  /** LMT and STP LMT. Must be on the instrument's tick (see `ctx.roundToTick`). */
  readonly limitPrice?: number;
  /** STP and STP LMT: the trigger. */
  readonly stopPrice?: number;
  /** Default DAY. */
  readonly tif?: TimeInForce;
  /** Allow execution outside regular trading hours (default true: bars arrive around the clock). */
  readonly outsideRth?: boolean;
}

export interface StrategyOrder {
  /** The id `submit` returned; also the OMS's clientOrderId in a live run. */
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly type: OrderType;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly tif: TimeInForce;
  readonly outsideRth: boolean;
  readonly status: OrderStatus;
  readonly filledQuantity: number;
  /** Volume-weighted average fill price; undefined before the first fill. */
  readonly avgFillPrice: number | undefined;
  /** When the strategy submitted it. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Why it was denied, rejected or cancelled, when known. */
  readonly reason: string | undefined;
}

export interface OrderUpdate {
  readonly order: StrategyOrder;
  readonly previousStatus: OrderStatus | undefined;
  readonly time: number;
}

export interface Fill {
  readonly orderId: string;
  readonly execId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  /** In the trade currency; undefined while the broker has not reported it (IB sends it after the fill). */
  readonly commission: number | undefined;
  readonly time: number;
}

export interface PositionInfo {
  readonly symbol: string;
  /** Signed: > 0 long, < 0 short. */
  readonly quantity: number;
  /** Average entry price of the open quantity (commissions excluded); 0 when flat. */
  readonly avgPrice: number;
}

export interface ModifyChanges {
  readonly quantity?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly tif?: TimeInForce;
}

export interface StrategyLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

/** The indicators library (trading-signals): `new ctx.indicators.SMA(20)`, `.add(price)`, `.getResult()`. */
export type Indicators = typeof tradingSignals;

export interface StrategyContext {
  readonly mode: RunMode;
  /** The strategy's parameters: its defaults overridden by the run's (`--param k=v`, sweeps). */
  readonly params: Params;
  /** The tag of every order of this run (the OMS's per-strategy risk limits key on it). */
  readonly strategyId: string;
  /** Symbols of the run, in the order they were given. */
  readonly symbols: readonly string[];
  readonly log: StrategyLogger;
  readonly indicators: Indicators;
  /** Market time of the event being handled. */
  now(): number;

  /** Signed position of one symbol (default: the run's first symbol) held by this strategy. */
  position(symbol?: string): number;
  positions(): PositionInfo[];
  /** Cash of the account in its base currency (a backtest: the simulated account's). */
  cash(): number;
  /** Cash plus positions at their last price. */
  equity(): number;
  /**
   * Working orders of this strategy, oldest first: a read-only snapshot (a backtest hands out the same frozen array
   * until an order changes, so asking on every bar costs nothing; copy it to sort or filter in place).
   */
  openOrders(symbol?: string): readonly StrategyOrder[];
  order(id: string): StrategyOrder | undefined;
  /** The last price seen for a symbol (bar close or quote), undefined before any. */
  lastPrice(symbol?: string): number | undefined;
  /** The instrument's minimum price increment. */
  tickSize(symbol?: string): number;
  /** Rounds a price to the instrument's tick (the exchange refuses off-tick prices). */
  roundToTick(price: number, symbol?: string): number;

  /** Sends an order; returns its id at once. Its fate arrives as `onOrderUpdate` / `onFill`. */
  submit(order: OrderRequest): string;
  buy(symbol: string, quantity: number, options?: Omit<OrderRequest, 'symbol' | 'side' | 'quantity'>): string;
  sell(symbol: string, quantity: number, options?: Omit<OrderRequest, 'symbol' | 'side' | 'quantity'>): string;
  cancel(orderId: string): void;
  cancelAll(symbol?: string): void;
  modify(orderId: string, changes: ModifyChanges): void;

  /** Calls `onTimer(name)` after `ms` of market time (every `ms` with `repeat`); replaces a timer of that name. */
  setTimer(name: string, ms: number, options?: { readonly repeat?: boolean }): void;
  clearTimer(name: string): void;
}

/**
 * A strategy: a class (instantiated once per run) or an object (each run works on a fresh object whose prototype
 * is it, so state set on `this` never leaks between the runs of a sweep). Every callback is optional.
 */
export interface Strategy {
  /** Name for reports and the default order tag. */
  readonly name?: string;
  /** Parameter defaults; a run overrides them by name (and only names declared here). */
  readonly params?: Params;
  /**
   * Timeframes `onBar` receives, for every symbol of the run (default: the run's bar size). Any token the bar
   * size divides works, custom ones included (`7m`, `90m`, `2h`): the runtime builds them from the run's bars.
   */
  readonly timeframes?: readonly string[];
  onStart?(ctx: StrategyContext): void;
  onBar?(bar: Bar, ctx: StrategyContext): void;
  onQuote?(quote: QuoteUpdate, ctx: StrategyContext): void;
  onOrderUpdate?(update: OrderUpdate, ctx: StrategyContext): void;
  onFill?(fill: Fill, ctx: StrategyContext): void;
  onTimer?(name: string, ctx: StrategyContext): void;
  onStop?(ctx: StrategyContext): void;
}

export type StrategyClass = new () => Strategy;
/** What a strategy file's default export may be. */
export type StrategyExport = Strategy | StrategyClass;
