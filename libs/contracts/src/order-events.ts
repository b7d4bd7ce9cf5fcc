import { z } from 'zod';
import {
  AccountId,
  BrokerName,
  ClientOrderId,
  Currency,
  EpochMs,
  EventId,
  RecordedBrokerOrderId,
  StrategyTag,
  V1,
} from './common.js';
import { Decimal, Price, Quantity, SignedDecimal } from './decimal.js';
import { ErrorCodeSchema } from './errors.js';
import { Instrument } from './instrument.js';
import { OrderSide, OrderType, TimeInForce } from './order-commands.js';

/**
 * Life cycle of an order in the OMS. Final states: filled, cancelled, expired, rejected, denied.
 * accepted = our checks passed, the place request is on its way to the gateway; pendingSubmit = the gateway wrote
 * the order to the broker's socket, the broker has not acknowledged it yet; submitted = the broker acknowledged it
 * (an open-order or status report: only a broker fact makes an order submitted, never our own send).
 * denied = our own checks said no (nothing sent); rejected = the broker said no, or reconciliation established
 * that the broker never received the order (reasonCode NEVER_REACHED_BROKER); unresolved = the place request's
 * answer was lost (timeout/disconnect): the order stays open until reconciliation settles it.
 */
export const OrderState = z.enum([
  'accepted',
  'pendingSubmit',
  'submitted',
  'partiallyFilled',
  'pendingCancel',
  'filled',
  'cancelled',
  'expired',
  'rejected',
  'denied',
  'unresolved',
]);
export type OrderState = z.infer<typeof OrderState>;
export const FINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set([
  'filled',
  'cancelled',
  'expired',
  'rejected',
  'denied',
]);
export function isFinalOrderState(s: OrderState): boolean {
  return FINAL_ORDER_STATES.has(s);
}

/**
 * JetStream `Nats-Msg-Id` of an order event on ORDERS: the eventId scoped by broker, like the broker facts on
 * BROKER_EVENTS, since one duplicate window holds every broker's events. Event ids are the OMS's UUIDs today; the
 * scope keeps a republished event a duplicate and two brokers' events distinct whatever the ids become.
 */
export function orderEventMsgId(broker: string, eventId: string): string {
  return `${broker}:${eventId}`;
}

/** Account token used in `orders.evt.<broker>.<account>.*` when a denial happens before the account is known. */
export const UNKNOWN_ACCOUNT = '_';

/**
 * Fields of every order event on `orders.evt.<broker>.<account>.<kind>` (JetStream stream ORDERS).
 * Published by orders (from its outbox, `Nats-Msg-Id` = orderEventMsgId); consumed by history, SDK, dashboards.
 */
const eventBase = {
  v: V1,
  /** Unique event id (in the JetStream msg-id, so a republished event is dropped as duplicate). */
  eventId: EventId,
  clientOrderId: ClientOrderId,
  /** Per-order sequence number, 1, 2, 3, … without gaps: a consumer seeing a gap has missed an event. */
  seq: z.int().positive(),
  broker: BrokerName,
  /** Account, or `_` (UNKNOWN_ACCOUNT) for a denial before the account was resolved. */
  account: AccountId,
  strategy: StrategyTag.optional(),
  /** When it happened at the source (broker time for broker-driven events, OMS time for our own), epoch ms. */
  tsEventMs: EpochMs,
  /** When the OMS recorded the event, epoch ms. */
  tsInitMs: EpochMs,
};

const event = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.object({ ...eventBase, kind: z.literal(kind), ...shape });

/** Risk checks passed; the order is being sent to the broker. Carries the full order as accepted. */
export const OrderAccepted = event('accepted', {
  /** The qualified instrument the order is for. */
  instrument: Instrument,
  side: OrderSide,
  quantity: Quantity,
  orderType: OrderType,
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
  tif: TimeInForce,
  outsideRth: z.boolean(),
});
export type OrderAccepted = z.infer<typeof OrderAccepted>;

/** Our checks refused the order; nothing was sent. Final. */
export const OrderDenied = event('denied', {
  /** RISK_*, TRADING_*, PRICE_NOT_ON_TICK, VALIDATION_FAILED, BROKER_UNKNOWN, ... */
  reasonCode: ErrorCodeSchema,
  /** Name of the rule that fired (`maxQuantity`, `priceCollar`, ...), for operators. */
  rule: z.string().max(64),
  message: z.string(),
  /**
   * The order as it was refused, so a consumer of the stream alone (history, an audit tool) can show the denied
   * order like any other. Optional: absent in events written before these fields existed, and `instrument` is
   * absent when the order was refused before its instrument could be resolved.
   */
  instrument: Instrument.optional(),
  side: OrderSide.optional(),
  quantity: Quantity.optional(),
  orderType: OrderType.optional(),
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
  tif: TimeInForce.optional(),
  outsideRth: z.boolean().optional(),
});
export type OrderDenied = z.infer<typeof OrderDenied>;

/**
 * The broker refused the order (or a modification), or reconciliation established that the broker never received
 * it. Final when the order never worked.
 */
export const OrderRejected = event('rejected', {
  /** Broker's error code (IB: 201 order rejected, 202 cancelled, 110 price not on tick, ...); 0 when none. */
  brokerCode: z.int(),
  message: z.string(),
  /**
   * Our classification when the broker gave no code of its own: NEVER_REACHED_BROKER = a reconciliation snapshot
   * taken after the place request ended holds neither the order nor an execution of it (safe to submit again
   * under a new clientOrderId). Absent for the broker's own refusals.
   */
  reasonCode: ErrorCodeSchema.optional(),
});
export type OrderRejected = z.infer<typeof OrderRejected>;

/**
 * The OMS state changed for a reason not covered by a more specific event: accepted → pendingSubmit (the gateway
 * wrote the order to the broker), pendingSubmit → submitted (the broker acknowledged it: brokerStatus set), ...
 */
export const OrderStatusChanged = event('statusChanged', {
  from: OrderState,
  to: OrderState,
  /**
   * The broker's status that moved the order, for diagnosis: a BrokerOrderState. Typed as any text because stored
   * history is read with this schema and older events hold other words here (IB's statuses, `cancel refused:
   * <code>`); recorded-broker-status.ts reads them.
   */
  brokerStatus: z.string().optional(),
  /** Why the OMS moved the order itself, when no broker status did (e.g. `cancel refused: <code>`). */
  reason: z.string().max(256).optional(),
  /**
   * The broker's order id and permanent id once known (BrokerOrderId strings; events recorded before the
   * broker-neutral contract hold IB's integers, read as their decimal strings).
   */
  brokerOrderId: RecordedBrokerOrderId.optional(),
  permId: RecordedBrokerOrderId.optional(),
});
export type OrderStatusChanged = z.infer<typeof OrderStatusChanged>;

/** A modification took effect at the broker; fields show the new values. */
export const OrderModified = event('modified', {
  quantity: Quantity,
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
  tif: TimeInForce,
});
export type OrderModified = z.infer<typeof OrderModified>;

const fillShape = {
  /** Broker execution id: fills are deduplicated on it (a replayed execution changes nothing). */
  execId: z.string().min(1).max(64),
  side: OrderSide,
  /** Price of this fill. */
  price: Price,
  /** Quantity of this fill. */
  quantity: Quantity,
  /** Cumulative filled quantity of the order after this fill. */
  cumQty: Quantity,
  /** Quantity still open after this fill (0 when filled). */
  leavesQty: Decimal,
  /** Volume-weighted average price of all fills so far. */
  avgPrice: Price,
  /** Commission of this fill when already known (IB reports it separately: see `commission` events). */
  commission: SignedDecimal.optional(),
  commissionCurrency: Currency.optional(),
  /** Execution venue. */
  exchange: z.string().max(32).optional(),
  /**
   * The broker's order id and permanent id as the execution reports them (strings; recorded integers are read as
   * their decimal strings). An order may learn its permId only here (no orderStatus before the fill), so stream
   * consumers need it on the fill to match the OMS's view.
   */
  brokerOrderId: RecordedBrokerOrderId.optional(),
  permId: RecordedBrokerOrderId.optional(),
};
/** Part of the order was filled; it keeps working. */
export const OrderPartiallyFilled = event('partiallyFilled', fillShape);
export type OrderPartiallyFilled = z.infer<typeof OrderPartiallyFilled>;
/** The order is completely filled. Final. */
export const OrderFilled = event('filled', fillShape);
export type OrderFilled = z.infer<typeof OrderFilled>;

/** The commission of an earlier fill became known (IB commissionReport). */
export const OrderCommission = event('commission', {
  execId: z.string().min(1).max(64),
  /** Commission charged (positive = cost, negative = rebate). */
  commission: SignedDecimal,
  currency: Currency,
  /** Realised PnL of the fill as reported by the broker, when it closes a position. */
  realizedPnl: SignedDecimal.optional(),
});
export type OrderCommission = z.infer<typeof OrderCommission>;

/** A cancel was sent; the order may still fill until cancelled. */
export const OrderPendingCancel = event('pendingCancel', {});
export type OrderPendingCancel = z.infer<typeof OrderPendingCancel>;

/** The order is cancelled (by us, the user in TWS, or the broker). Final. */
export const OrderCancelled = event('cancelled', {
  /** Filled quantity at cancellation. */
  filledQty: Decimal,
  reason: z.string().optional(),
});
export type OrderCancelled = z.infer<typeof OrderCancelled>;

/** The order's time in force ran out (DAY at session end, IOC/FOK remainder). Final. */
export const OrderExpired = event('expired', { filledQty: Decimal });
export type OrderExpired = z.infer<typeof OrderExpired>;

/** Sent, but the outcome is unknown (timeout, disconnect). Reconciliation will settle it; never guess. */
export const OrderUnresolved = event('unresolved', {
  reason: z.string(),
});
export type OrderUnresolved = z.infer<typeof OrderUnresolved>;

/** Reconciliation found the broker's view differing from the ledger; `resolution` says what the OMS did. */
export const OrderReconciliationMismatch = event('reconciliationMismatch', {
  /** What differs (`status`, `filledQty`, `missingAtBroker`, `unknownExecution`, ...). */
  field: z.string().max(64),
  ledgerValue: z.string().optional(),
  brokerValue: z.string().optional(),
  /** What the OMS did about it (`appliedBrokerState`, `flaggedForOperator`, ...). */
  resolution: z.string().max(64),
  message: z.string(),
});
export type OrderReconciliationMismatch = z.infer<typeof OrderReconciliationMismatch>;

/** Every order event, discriminated on `kind` (= the last subject token). */
export const OrderEvent = z.discriminatedUnion('kind', [
  OrderAccepted,
  OrderDenied,
  OrderRejected,
  OrderStatusChanged,
  OrderModified,
  OrderPartiallyFilled,
  OrderFilled,
  OrderCommission,
  OrderPendingCancel,
  OrderCancelled,
  OrderExpired,
  OrderUnresolved,
  OrderReconciliationMismatch,
]);
export type OrderEvent = z.infer<typeof OrderEvent>;
export type OrderEventKind = OrderEvent['kind'];

/** Schema of each order event kind (catalog, subject builders). */
export const ORDER_EVENT_SCHEMAS = {
  accepted: OrderAccepted,
  denied: OrderDenied,
  rejected: OrderRejected,
  statusChanged: OrderStatusChanged,
  modified: OrderModified,
  partiallyFilled: OrderPartiallyFilled,
  filled: OrderFilled,
  commission: OrderCommission,
  pendingCancel: OrderPendingCancel,
  cancelled: OrderCancelled,
  expired: OrderExpired,
  unresolved: OrderUnresolved,
  reconciliationMismatch: OrderReconciliationMismatch,
} as const satisfies { [K in OrderEventKind]: z.ZodType };
export const ORDER_EVENT_KINDS = Object.keys(ORDER_EVENT_SCHEMAS) as OrderEventKind[];
