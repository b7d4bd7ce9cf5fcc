import { z } from 'zod';
import { AccountId, BrokerName, ClientOrderId, StrategyTag, V1 } from './common.js';
import { OrderPrice, OrderQuantity } from './decimal.js';
import { InstrumentRef } from './instrument.js';

export const OrderSide = z.enum(['BUY', 'SELL']);
export type OrderSide = z.infer<typeof OrderSide>;

/** MKT market, LMT limit (limitPrice), STP stop (stopPrice), STP LMT stop-limit (stopPrice + limitPrice). */
export const OrderType = z.enum(['MKT', 'LMT', 'STP', 'STP LMT']);
export type OrderType = z.infer<typeof OrderType>;

/** DAY until session end, GTC until cancelled, IOC fill what you can now, FOK all now or nothing. */
export const TimeInForce = z.enum(['DAY', 'GTC', 'IOC', 'FOK']);
export type TimeInForce = z.infer<typeof TimeInForce>;

/** Which prices each order type needs (and forbids). */
export const ORDER_TYPE_PRICES: Readonly<Record<OrderType, { limit: boolean; stop: boolean }>> = {
  MKT: { limit: false, stop: false },
  LMT: { limit: true, stop: false },
  STP: { limit: false, stop: true },
  'STP LMT': { limit: true, stop: true },
};

/** Problems of an order's type/price combination, as `{ path, message }`; empty when consistent. */
export function orderPriceProblems(o: {
  orderType: OrderType;
  limitPrice?: string | undefined;
  stopPrice?: string | undefined;
}): { path: 'limitPrice' | 'stopPrice'; message: string }[] {
  const need = ORDER_TYPE_PRICES[o.orderType];
  const out: { path: 'limitPrice' | 'stopPrice'; message: string }[] = [];
  if (need.limit && o.limitPrice === undefined)
    out.push({ path: 'limitPrice', message: `${o.orderType} needs limitPrice` });
  if (!need.limit && o.limitPrice !== undefined)
    out.push({ path: 'limitPrice', message: `${o.orderType} must not have limitPrice` });
  if (need.stop && o.stopPrice === undefined)
    out.push({ path: 'stopPrice', message: `${o.orderType} needs stopPrice` });
  if (!need.stop && o.stopPrice !== undefined)
    out.push({ path: 'stopPrice', message: `${o.orderType} must not have stopPrice` });
  return out;
}

/** The fields that describe an order, shared by orders.submit, the broker's placeOrder and OrderAccepted. */
export const orderSpecShape = {
  /** Broker connection to route to (`ib_paper`). */
  broker: BrokerName,
  /** Broker account; may be omitted when the broker connection manages exactly one account. */
  account: AccountId.optional(),
  instrument: InstrumentRef,
  side: OrderSide,
  /**
   * Positive quantity in shares / contracts / base currency units; the side gives the direction. At most 15
   * significant digits (the broker carries it as a double); the OMS bounds it further (risk limits, instrument).
   */
  quantity: OrderQuantity,
  orderType: OrderType,
  /** LMT and STP LMT: limit price, on the instrument's tick grid; at most 15 significant digits. */
  limitPrice: OrderPrice.optional(),
  /** STP and STP LMT: trigger price, on the tick grid; at most 15 significant digits. */
  stopPrice: OrderPrice.optional(),
  tif: TimeInForce.default('DAY'),
  /** Allow execution outside regular trading hours (IB `outsideRth`). */
  outsideRth: z.boolean().default(false),
  /** Strategy tag for attribution in events, fills and history. */
  strategy: StrategyTag.optional(),
};

function withPriceCheck<T extends z.ZodObject>(schema: T): T {
  return schema.check((ctx) => {
    for (const p of orderPriceProblems(ctx.value as Parameters<typeof orderPriceProblems>[0])) {
      ctx.issues.push({ code: 'custom', message: p.message, input: ctx.value, path: [p.path] });
    }
  });
}

/**
 * `orders.submit` (client → orders). Idempotent on clientOrderId: resending the same order returns the original
 * reply; the same id with different content is DUPLICATE_ORDER. Risk checks run before anything is sent; a refusal
 * is a denial (RISK_* / TRADING_* code) and an OrderDenied event.
 */
export const SubmitOrder = withPriceCheck(
  z.object({
    v: V1,
    /** Optional: chosen by the caller for retry safety; assigned by the OMS when absent. */
    clientOrderId: ClientOrderId.optional(),
    ...orderSpecShape,
  }),
);
export type SubmitOrder = z.infer<typeof SubmitOrder>;

/**
 * `orders.modify` (client → orders): change quantity, prices or TIF of a working order. Omitted fields keep their
 * value. The outcome arrives as events (modified / rejected); the reply only says the request was accepted.
 */
export const ModifyOrder = z
  .object({
    v: V1,
    clientOrderId: ClientOrderId,
    /** New total quantity (not a delta); must not be below the filled quantity. */
    quantity: OrderQuantity.optional(),
    limitPrice: OrderPrice.optional(),
    stopPrice: OrderPrice.optional(),
    tif: TimeInForce.optional(),
  })
  .check((ctx) => {
    const m = ctx.value;
    if (m.quantity === undefined && m.limitPrice === undefined && m.stopPrice === undefined && m.tif === undefined)
      ctx.issues.push({ code: 'custom', message: 'nothing to modify', input: m });
  });
export type ModifyOrder = z.infer<typeof ModifyOrder>;

/**
 * `orders.cancel` (client → orders). Cancels are accepted even when trading is halted. An order the broker has an
 * id for gets its cancel sent now (state pendingCancel). An order without one yet (accepted, or unresolved after a
 * lost place reply) has its cancel remembered: the reply is ok with the order as it is, the cancel is sent as soon
 * as reconciliation finds the order at the broker, and an order the broker never received is resolved rejected
 * (NEVER_REACHED_BROKER), after which a cancel answers ORDER_NOT_CANCELLABLE at once.
 */
export const CancelOrder = z.object({ v: V1, clientOrderId: ClientOrderId });
export type CancelOrder = z.infer<typeof CancelOrder>;

/** `orders.cancelAll` (client → orders): cancel every open order matching all given filters (none = all). */
export const CancelAllOrders = z.object({
  v: V1,
  broker: BrokerName.optional(),
  account: AccountId.optional(),
  strategy: StrategyTag.optional(),
});
export type CancelAllOrders = z.infer<typeof CancelAllOrders>;
