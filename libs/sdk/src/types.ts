/**
 * The SDK's public types: contracts (instruments) as a trader writes them, orders, bars and quotes in shapes that
 * tabulate well. Decimals arrive as numbers for analysis AND as the exact decimal strings the system stores
 * (`exact`), so nothing is lost for accounting.
 */
import type {
  AccountSummary,
  BarColumns,
  BarData,
  BrokerConnectionInput,
  BrokerInfo,
  BrokerType,
  Instrument,
  MdSnapshotReply,
  OptionGreeks,
  OrderEvent,
  OrderSide,
  OrderState,
  OrderType,
  Position,
  SecType,
  Tick,
  TimeInForce,
  TradeRecord,
  WhatToShow,
} from '@trading-system/contracts';

export type {
  AccountSummary,
  BrokerInfo,
  Instrument,
  OrderEvent,
  OrderSide,
  OrderState,
  OrderType,
  Position,
  SecType,
  TimeInForce,
  WhatToShow,
};

/** A decimal input: a number (converted exactly as written, at most 12 fractional digits) or a decimal string. */
export type DecimalInput = number | string;

/**
 * An instrument as a trader names it (IB contract fields). `symbol` alone means a US stock (`STK`, USD, SMART);
 * forex is `{ symbol: 'EUR', secType: 'CASH', currency: 'USD', exchange: 'IDEALPRO' }`; futures need `expiry`
 * (YYYYMM or YYYYMMDD); options need `expiry`, `strike` and `right`. An instrument's id (`{ id: '265598' }`, as
 * `instrumentId` on ticks, bars, positions and orders shows it) skips qualification.
 */
export type Contract = ContractDescription | ContractById;

/** An instrument by its id (opaque, assigned by the broker's gateway): no qualification round trip. */
export interface ContractById {
  readonly id: string;
  /** Routing exchange (default: the instrument's own). */
  readonly exchange?: string;
}

/** An instrument by its contract fields, qualified by the broker. */
export interface ContractDescription {
  readonly symbol: string;
  /** STK (default), CASH, FUT, OPT, CMDTY, IND. */
  readonly secType?: SecType;
  /** Routing exchange (default SMART; IDEALPRO for CASH). */
  readonly exchange?: string;
  readonly primaryExchange?: string;
  /** Default USD. */
  readonly currency?: string;
  /** FUT/OPT: contract month YYYYMM or last trade date YYYYMMDD. */
  readonly expiry?: string;
  /** OPT: strike price. */
  readonly strike?: DecimalInput;
  /** OPT: C / P (CALL / PUT accepted). */
  readonly right?: 'C' | 'P' | 'CALL' | 'PUT';
  readonly multiplier?: DecimalInput;
  readonly localSymbol?: string;
  readonly tradingClass?: string;
}

/** Contract fields that may accompany a `(symbol, exchange)` pair in the spec-style calls. */
export type ContractOptions = Omit<ContractDescription, 'symbol' | 'exchange'>;

/** Where a request goes: broker connection name (default: the TradingSystem's default broker, `sim`). */
export interface BrokerOption {
  readonly broker?: string;
}

/** A date range instead of a duration: from `start` to `end` (default now); Dates or `'2024-01-02'` strings. */
export interface HistoryRange {
  readonly start: Date | string;
  readonly end?: Date | string;
}

export interface HistoricalDataOptions extends ContractOptions, BrokerOption {
  /** TRADES (default), MIDPOINT, BID, ASK, ... */
  readonly whatToShow?: WhatToShow;
  /** Regular trading hours only (default true). */
  readonly useRTH?: boolean;
  /** End of the range (default now). */
  readonly end?: Date;
  /** Answer from the cache only, without broker requests. */
  readonly cachedOnly?: boolean;
}

/** One historical bar, ready for console.table / dataframes. */
export interface HistoricalBar {
  /** Bar open time. */
  readonly time: Date;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly wap?: number;
  readonly count?: number;
  /** The bar exactly as stored (decimal strings, epoch ms). */
  readonly exact: BarData;
}

/** What arrives with the bars: the qualified instrument and whether part of the range is missing. */
export interface HistoricalMeta {
  readonly instrument: Instrument | undefined;
  readonly timeframe: string | undefined;
  /** True when part of the range could not be served (see `missing`). */
  readonly partial: boolean;
  readonly missing: ReadonlyArray<{
    readonly start: Date;
    readonly end: Date;
    readonly code: string;
    readonly message: string;
  }>;
}

/** Bars in time order, with the request's metadata as extra properties (still a plain array for tabulating). */
export type HistoricalData = HistoricalBar[] & HistoricalMeta;

/**
 * Bars as columns (typed arrays: `tsStartMs`, `open`, …, `close`, `volume`, `wap`/`count` NaN when absent, `gap`),
 * for years of bars in a notebook or an indicator loop without an object per bar. Doubles, not exact decimals.
 */
export type HistoricalColumns = BarColumns & HistoricalMeta;

/** A level-1 quote (the full current state after each change). */
export interface Quote {
  readonly symbol: string;
  readonly instrumentId: string;
  readonly broker: string;
  readonly bid?: number;
  readonly ask?: number;
  readonly last?: number;
  readonly bidSize?: number;
  readonly askSize?: number;
  readonly lastSize?: number;
  readonly volume?: number;
  /** Broker time of the latest change. */
  readonly time: Date;
  /** True for delayed data: never trade on it blindly. */
  readonly delayed: boolean;
  /** Options: implied volatility and greeks (iv, delta, gamma, vega, theta, underlyingPrice, …). */
  readonly greeks?: OptionGreeks;
  /** The tick exactly as published (decimal strings). */
  readonly exact: Tick;
}

export interface MarketDataOptions extends ContractOptions, BrokerOption {
  /** Lease lifetime, ms (default 60 000); the SDK renews it at half that while subscribed. */
  readonly leaseTtlMs?: number;
  /** Called when a lease renewal fails for good (the subscription has then ended). */
  readonly onError?: (err: Error) => void;
}

export interface MarketDataSubscription {
  readonly instrument: Instrument;
  /** Ends the subscription and releases its lease. Idempotent. */
  unsubscribe(): Promise<void>;
}

/** Options shared by every submit call. */
export interface OrderOptions extends ContractOptions, BrokerOption {
  /** DAY (default), GTC, IOC, FOK. */
  readonly tif?: TimeInForce;
  /** Allow execution outside regular trading hours. */
  readonly outsideRth?: boolean;
  /** Broker account (optional when the broker connection manages one account). */
  readonly account?: string;
  /** Strategy tag for attribution in events, fills and history. */
  readonly strategy?: string;
  /** Your own id for a retry-safe submit (resending the same order with it changes nothing). */
  readonly orderId?: string;
}

/** An order as the OMS holds it. Prices and quantities are exact decimal strings. */
export interface Order {
  readonly orderId: string;
  readonly broker: string;
  readonly account: string;
  readonly symbol: string;
  readonly instrument: Instrument;
  readonly side: OrderSide;
  readonly quantity: string;
  readonly orderType: OrderType;
  readonly limitPrice?: string;
  readonly stopPrice?: string;
  readonly tif: TimeInForce;
  readonly outsideRth: boolean;
  readonly strategy?: string;
  /**
   * accepted, pendingSubmit (written to the broker, not acknowledged yet), submitted, partiallyFilled,
   * pendingCancel, filled, cancelled, expired, rejected, denied, unresolved.
   */
  readonly status: OrderState;
  readonly filledQuantity: string;
  readonly avgFillPrice?: string;
  /** The broker's id of the order once known (opaque: IB's orderId as a decimal string, another broker's own id). */
  readonly brokerOrderId?: string;
  /**
   * Why the order (or its latest modification) was refused: `denied` by our checks (`code`: RISK_*, TRADING_*, …)
   * or `rejected` by the broker (`brokerCode` and the broker's text, e.g. IB 201 with its reason).
   */
  readonly rejection?: OrderRejection;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface OrderRejection {
  readonly kind: 'denied' | 'rejected';
  /** Registry code (RISK_MAX_QUANTITY, NEVER_REACHED_BROKER, …) when there is one. */
  readonly code?: string;
  /** The broker's own code (IB: 201, 202, 110, …) when the broker refused. */
  readonly brokerCode?: number;
  readonly message: string;
  readonly at: Date;
}

/** What a submit returns: the order id and the status the OMS reported at once. */
export interface OrderResult {
  readonly orderId: string;
  readonly status: OrderState;
  readonly order: Order;
}

export interface ModifyOrderChanges {
  readonly quantity?: DecimalInput;
  readonly limitPrice?: DecimalInput;
  readonly stopPrice?: DecimalInput;
  readonly tif?: TimeInForce;
}

export interface OrderFilter extends BrokerOption {
  /** open (default for getAllOrders), final or all. */
  readonly status?: 'open' | 'final' | 'all';
  readonly account?: string;
  readonly strategy?: string;
  readonly symbol?: string;
  readonly since?: Date;
  readonly until?: Date;
}

export interface HistoryFilter {
  readonly broker?: string;
  readonly account?: string;
  readonly strategy?: string;
  readonly orderId?: string;
  readonly symbol?: string;
  readonly from?: Date;
  readonly to?: Date;
}

/** One fill. */
export interface Trade {
  readonly execId: string;
  readonly orderId: string;
  readonly broker: string;
  readonly account: string;
  readonly symbol: string;
  readonly instrumentId: string;
  readonly strategy?: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly price: number;
  readonly commission?: number;
  readonly time: Date;
  readonly exact: TradeRecord;
}

/**
 * The connection settings of addBroker for broker type `T`, as contracts publish them (libs/contracts/src/brokers/,
 * one file per type), without the `type` tag the SDK adds. For `ib`: host, port, clientId required, paper defaults
 * to true. A type the contract does not know takes any object and is refused with BROKER_TYPE_UNKNOWN.
 */
export type BrokerConfig<T extends string = BrokerType> = T extends BrokerType
  ? Readonly<Omit<Extract<BrokerConnectionInput, { type: T }>, 'type'>>
  : Readonly<Record<string, unknown>>;

/** Risk limits as given to setRiskLimits: decimals as numbers or strings; an absent limit is not checked. */
export interface RiskLimitsInput {
  /** Max quantity of one order. */
  readonly maxOrderQuantity?: DecimalInput;
  /** Max price × quantity × multiplier of one order, in the instrument's currency. */
  readonly maxOrderNotional?: DecimalInput;
  /** Max absolute position per instrument after the order. */
  readonly maxPosition?: DecimalInput;
  /** Max distance of a limit / stop price from the last quote, percent. */
  readonly priceCollarPercent?: DecimalInput;
  /** Max open orders per account. */
  readonly maxOpenOrders?: number;
  /** Max order commands (submit, modify, cancel) per second per account. */
  readonly maxCommandsPerSecond?: number;
}

export interface ExportResult {
  readonly filename: string;
  readonly rows: number;
  readonly partial: boolean;
}

export type { RiskLimits, TradingMode, TradingState } from '@trading-system/contracts';
export type { AcrossBrokers, UnavailableBroker } from './accounts.js';
export type { AccountSummary as AccountInfo };

/** One instrument's row of getQuoteSnapshots: its latest L1 state, or why there is none (registry code). */
export type QuoteSnapshot = Extract<MdSnapshotReply, { ok: true }>['items'][number];
