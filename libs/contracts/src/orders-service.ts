import { z } from 'zod';
import { Position } from './account.js';
import {
  AccountId,
  BrokerName,
  BrokerOrderId,
  ClientOrderId,
  EpochMs,
  InstrumentId,
  PageRequest,
  StrategyTag,
  V1,
} from './common.js';
import { Decimal, PositiveDecimal, Price, Quantity, SignedDecimal } from './decimal.js';
import { ErrorCodeSchema, okReply } from './errors.js';
import { Instrument, SymbolName } from './instrument.js';
import { OrderSide, OrderType, TimeInForce } from './order-commands.js';
import { OrderEvent, OrderState } from './order-events.js';

/** The OMS's current view of one order (orders.get / orders.list / submit replies). */
export const OrderView = z.object({
  clientOrderId: ClientOrderId,
  broker: BrokerName,
  account: AccountId,
  instrument: Instrument,
  side: OrderSide,
  quantity: Quantity,
  orderType: OrderType,
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
  tif: TimeInForce,
  outsideRth: z.boolean(),
  strategy: StrategyTag.optional(),
  state: OrderState,
  filledQty: Decimal,
  /** Average fill price; absent before the first fill. */
  avgFillPrice: Price.optional(),
  /** The broker's order id and permanent id once known (opaque strings, see BrokerOrderId). */
  brokerOrderId: BrokerOrderId.optional(),
  permId: BrokerOrderId.optional(),
  /**
   * The latest refusal of the order or of a change to it, kept on the order: `denied` by our checks (code = the
   * rule's registry code) or `rejected` by the broker (brokerCode and its text, e.g. IB 201 with the reason; code
   * NEVER_REACHED_BROKER when reconciliation established the broker never had it). A working order keeps the
   * refusal of a modification here too.
   */
  lastRejection: z
    .object({
      kind: z.enum(['denied', 'rejected']),
      code: ErrorCodeSchema.optional(),
      brokerCode: z.int().optional(),
      message: z.string(),
      atMs: EpochMs,
    })
    .optional(),
  /** Sequence number of the latest event of this order (see order events `seq`). */
  lastSeq: z.int().nonnegative(),
  createdAtMs: EpochMs,
  updatedAtMs: EpochMs,
});
export type OrderView = z.infer<typeof OrderView>;
export type OrderRejection = NonNullable<OrderView['lastRejection']>;

/**
 * The refusal a denied or rejected event records on its order (OrderView.lastRejection): one derivation for the
 * OMS's row and history's read model, so the two views agree. The broker's code only when it gave one (not 0).
 */
export function orderRejectionOf(e: OrderEvent): OrderRejection | undefined {
  if (e.kind === 'denied') return { kind: 'denied', code: e.reasonCode, message: e.message, atMs: e.tsInitMs };
  if (e.kind !== 'rejected') return undefined;
  return {
    kind: 'rejected',
    ...(e.reasonCode === undefined ? {} : { code: e.reasonCode }),
    ...(e.brokerCode === 0 ? {} : { brokerCode: e.brokerCode }),
    message: e.message,
    atMs: e.tsInitMs,
  };
}

/**
 * Reply to orders.submit / modify / cancel: the order as the OMS now holds it. `ok: true` means the command was
 * accepted (and sent where applicable); fills and broker outcomes arrive as `orders.evt.*` events. A submit's order
 * is usually `pendingSubmit` (written to the broker, not acknowledged yet: `submitted` follows as an event) and may
 * be `unresolved` (the gateway's answer was lost: reconciliation settles it). A denial is `ok: false` with a
 * RISK_* / TRADING_* code (and an OrderDenied event).
 */
export const OrderCommandReply = okReply({ order: OrderView });
export type OrderCommandReply = z.infer<typeof OrderCommandReply>;

/**
 * Reply to orders.cancelAll: the orders a cancel was sent for (or, for an order without a broker order id yet,
 * remembered: see orders.cancel).
 */
export const CancelAllOrdersReply = okReply({ cancelRequested: z.array(ClientOrderId) });
export type CancelAllOrdersReply = z.infer<typeof CancelAllOrdersReply>;

/** `orders.get` (client → orders). */
export const GetOrderRequest = z.object({ v: V1, clientOrderId: ClientOrderId });
export type GetOrderRequest = z.infer<typeof GetOrderRequest>;
export const GetOrderReply = okReply({
  order: OrderView,
  /** The order's full event history in seq order (added in v1: absent from older OMS versions). */
  events: z.array(OrderEvent).optional(),
});
export type GetOrderReply = z.infer<typeof GetOrderReply>;

/** `orders.list` (client → orders): newest first, filtered by all given fields. */
export const ListOrdersRequest = z.object({
  v: V1,
  broker: BrokerName.optional(),
  account: AccountId.optional(),
  strategy: StrategyTag.optional(),
  /** open = not in a final state; final = filled/cancelled/expired/rejected/denied. */
  status: z.enum(['open', 'final', 'all']).default('open'),
  /** Only orders created at or after this time, epoch ms. */
  sinceMs: EpochMs.optional(),
  /** Only orders created before this time, epoch ms (with sinceMs: a date range). */
  untilMs: EpochMs.optional(),
  /** Only orders for this instrument (its id). */
  instrumentId: InstrumentId.optional(),
  /** Only orders whose instrument symbol is this (`AAPL`; all expiries/strikes of a future or option). */
  symbol: SymbolName.optional(),
  ...PageRequest,
});
export type ListOrdersRequest = z.infer<typeof ListOrdersRequest>;
export const ListOrdersReply = okReply({ orders: z.array(OrderView), nextCursor: z.string().optional() });
export type ListOrdersReply = z.infer<typeof ListOrdersReply>;

/**
 * `orders.positions` (client → orders): positions according to the OMS ledger (fills), per broker/account, compared
 * with each broker's positions in a snapshot the OMS takes for this request (`broker.<b>.cmd.positions`) — of the
 * requested broker, else of every broker it routes to or has fills at. A broker that does not answer fails the
 * request with a retryable code (BROKER_DISCONNECTED, TIMEOUT; `details.broker` names it); an unknown one with
 * BROKER_UNKNOWN.
 */
export const OrdersPositionsRequest = z.object({
  v: V1,
  broker: BrokerName.optional(),
  account: AccountId.optional(),
});
export type OrdersPositionsRequest = z.infer<typeof OrdersPositionsRequest>;
/** One account × instrument whose ledger position (from fills) differs from the broker's, as exact decimals. */
export const PositionDifference = z.object({
  broker: BrokerName,
  account: AccountId,
  instrumentId: InstrumentId,
  /** Signed quantity from the OMS fills. */
  ledgerQuantity: SignedDecimal,
  /** Signed quantity in the broker's snapshot taken for this comparison ("0" when it holds none). */
  brokerQuantity: SignedDecimal,
});
export type PositionDifference = z.infer<typeof PositionDifference>;
export const OrdersPositionsReply = okReply({
  positions: z.array(Position),
  /** The brokers' positions in the snapshots taken for this request (non-zero ones, the account filter applied). */
  brokerPositions: z.array(Position).optional(),
  /** Accounts × instruments where ledger and broker snapshot disagree, by broker, account, instrumentId; empty when equal. */
  differences: z.array(PositionDifference).optional(),
});
export type OrdersPositionsReply = z.infer<typeof OrdersPositionsReply>;

/**
 * active: everything allowed. reducingOnly: only orders that reduce a position (TRADING_REDUCING_ONLY otherwise).
 * halted: no new orders or modifications (TRADING_HALTED); cancels still work.
 */
export const TradingMode = z.enum(['active', 'reducingOnly', 'halted']);
export type TradingMode = z.infer<typeof TradingMode>;

export const TradingState = z.object({
  mode: TradingMode,
  /** Why the mode was set (operator note or the automatic rule that tripped). */
  reason: z.string().max(256).optional(),
  /** Who set it (`operator:alice`, `rule:maxDailyLoss`). */
  changedBy: z.string().max(64).optional(),
  changedAtMs: EpochMs,
});
export type TradingState = z.infer<typeof TradingState>;

/** `orders.tradingState` (operator → orders): read the mode, or set it when `set` is given. */
export const TradingStateRequest = z.object({
  v: V1,
  set: z.object({ mode: TradingMode, reason: z.string().max(256), changedBy: z.string().max(64) }).optional(),
});
export type TradingStateRequest = z.infer<typeof TradingStateRequest>;
export const TradingStateReply = okReply({ state: TradingState });
export type TradingStateReply = z.infer<typeof TradingStateReply>;

/** Pre-trade risk limits of the OMS; an absent limit is not checked. */
export const RiskLimits = z.object({
  /** Max quantity of one order (RISK_MAX_QUANTITY). */
  maxOrderQuantity: PositiveDecimal.optional(),
  /** Max price × quantity × multiplier of one order, in the instrument currency (RISK_MAX_NOTIONAL). */
  maxOrderNotional: PositiveDecimal.optional(),
  /** Max absolute position per instrument after the order (RISK_MAX_POSITION). */
  maxPosition: PositiveDecimal.optional(),
  /** Max distance of a limit/stop price from the reference price, in percent (RISK_PRICE_COLLAR). */
  priceCollarPercent: PositiveDecimal.optional(),
  /** Max open orders per account (RISK_MAX_OPEN_ORDERS). */
  maxOpenOrders: z.int().positive().optional(),
  /** Max order commands (submit+modify+cancel) per second per account (RISK_RATE_LIMIT). */
  maxCommandsPerSecond: z.int().positive().optional(),
});
export type RiskLimits = z.infer<typeof RiskLimits>;

/** `orders.riskLimits` (operator → orders): read the limits, or replace them when `set` is given. */
/**
 * Which limit set a riskLimits request reads or replaces: the default set (no scope), one account's, or one
 * strategy tag's. Every applicable set is checked for an order (the strictest wins).
 */
export const RiskLimitsScope = z.object({ account: AccountId.optional(), strategy: StrategyTag.optional() });
export type RiskLimitsScope = z.infer<typeof RiskLimitsScope>;
export const RiskLimitsRequest = z.object({ v: V1, set: RiskLimits.optional(), scope: RiskLimitsScope.optional() });
export type RiskLimitsRequest = z.infer<typeof RiskLimitsRequest>;
export const RiskLimitsReply = okReply({ limits: RiskLimits });
export type RiskLimitsReply = z.infer<typeof RiskLimitsReply>;
