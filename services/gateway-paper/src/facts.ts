/**
 * Pure conversions from the exchange core's objects to contract messages, and the deterministic event id of each
 * fact. Core words stop here. The core already speaks the contract's order statuses (IB's words, until issue 16
 * item 1), its quantities are doubles taken from decimal strings and its money is integer micros.
 */
import { createHash } from 'node:crypto';
import type {
  AccountSummary,
  BrokerEventKind,
  BrokerExecutionData,
  BrokerOrder,
  BrokerOrderState,
  Instrument,
  Position,
} from '@trading-system/contracts';
import type {
  AccountSummary as CoreSummary,
  ExecutionRecord,
  OrderRecord,
  OrderStatus,
  OrderStatusEvent,
  PortfolioItem,
  PositionView,
} from '@trading-system/exchange';
import { averagePrice, microsToDecimal, numberToDecimal } from './decimals.js';

/** One contract event to publish: its kind, its deterministic id, its body without the common fields. */
export interface Fact {
  readonly kind: BrokerEventKind;
  readonly eventId: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Event ids are subject-safe tokens of at most 64 characters (exec ids hold dots). */
export function token(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_-]/g, '_');
  return t.length <= 64 ? t : `${t.slice(0, 51)}-${fingerprint(t)}`;
}

export function fingerprint(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/**
 * The core's status words (TWS's) → the contract's BrokerOrderState: the only place they are read. PreSubmitted is
 * an order the core holds without working it yet (a stop before its trigger, an order waiting for its session).
 */
const STATE: Readonly<Record<OrderStatus, BrokerOrderState>> = {
  PreSubmitted: 'held',
  Submitted: 'working',
  PendingCancel: 'pendingCancel',
  Cancelled: 'cancelled',
  Filled: 'filled',
  Inactive: 'rejected',
};

export const stateOf = (status: OrderStatus): BrokerOrderState => STATE[status];

/** The core's integer order ids → the contract's broker order ids: their decimal strings (0: no id, left out). */
export function idsOf(o: { readonly orderId: number; readonly permId: number }): { orderId?: string; permId?: string } {
  return {
    ...(o.orderId === 0 ? {} : { orderId: String(o.orderId) }),
    ...(o.permId <= 0 ? {} : { permId: String(o.permId) }),
  };
}

/** A command's broker order id → the core's order id: only the plain decimal form of one the core handed out. */
export function coreOrderIdOf(id: string): number | undefined {
  if (!/^[1-9][0-9]{0,14}$/.test(id)) return undefined;
  return Number(id);
}

export function toBrokerOrder(o: OrderRecord, instrument: Instrument): BrokerOrder {
  return {
    ...idsOf(o),
    ...(o.orderRef === '' ? {} : { clientOrderId: o.orderRef }),
    account: o.account,
    instrument,
    side: o.action,
    quantity: numberToDecimal(o.totalQuantity),
    orderType: o.orderType,
    ...(o.lmtPrice === undefined ? {} : { limitPrice: numberToDecimal(o.lmtPrice) }),
    ...(o.auxPrice === undefined ? {} : { stopPrice: numberToDecimal(o.auxPrice) }),
    tif: o.tif,
    outsideRth: o.outsideRth,
    status: stateOf(o.status),
    filled: numberToDecimal(o.filled),
    remaining: numberToDecimal(Math.max(0, o.totalQuantity - o.filled)),
  };
}

/** `openOrder`: the order as it now stands; one id per distinct state of the order, so a re-send is one fact. */
export function openOrderFact(o: OrderRecord, instrument: Instrument, nowMs: number): Fact {
  const order = toBrokerOrder(o, instrument);
  const state = [order.status, order.quantity, order.limitPrice, order.stopPrice, order.tif, order.filled].join('|');
  return {
    kind: 'openOrder',
    eventId: token(`oo-${o.permId}-${fingerprint(state)}`),
    body: { tsEventMs: o.updatedAtMs, tsInitMs: nowMs, order },
  };
}

/** `orderStatus` from the core's event (its own status, filled and remaining: one batch may hold several). */
export function orderStatusFact(e: OrderStatusEvent, o: OrderRecord | undefined, nowMs: number): Fact {
  const filled = numberToDecimal(e.filled);
  const remaining = numberToDecimal(Math.max(0, e.remaining));
  // The exact average while this event is the order's latest state; the core's double otherwise.
  const avg =
    o !== undefined && o.filled === e.filled
      ? averagePrice(o.filledNotionalMicros, o.filled, o.multiplier)
      : numberToDecimal(e.avgFillPrice);
  return {
    kind: 'orderStatus',
    eventId: token(`st-${e.permId}-${e.status}-${filled}-${remaining}`),
    body: {
      tsEventMs: o?.updatedAtMs ?? nowMs,
      tsInitMs: nowMs,
      ...idsOf(e),
      ...(o === undefined || o.orderRef === '' ? {} : { clientOrderId: o.orderRef }),
      status: stateOf(e.status),
      filled,
      remaining,
      ...(e.filled > 0 ? { avgFillPrice: avg, lastFillPrice: numberToDecimal(e.lastFillPrice) } : {}),
    },
  };
}

export function toExecutionData(x: ExecutionRecord): BrokerExecutionData {
  return {
    ...idsOf(x),
    ...(x.orderRef === '' ? {} : { clientOrderId: x.orderRef }),
    execId: x.execId,
    account: x.account,
    instrumentId: x.instrumentId,
    side: x.side === 'BOT' ? 'BUY' : 'SELL',
    quantity: numberToDecimal(x.shares),
    price: numberToDecimal(x.price),
    cumQty: numberToDecimal(x.cumQty),
    avgPrice: numberToDecimal(x.avgPrice),
    exchange: x.exchange,
    execTimeMs: x.timeMs,
  };
}

export function executionFact(x: ExecutionRecord, nowMs: number): Fact {
  return {
    kind: 'execution',
    eventId: token(`exec-${x.execId}`),
    body: { tsEventMs: x.timeMs, tsInitMs: nowMs, execution: toExecutionData(x) },
  };
}

/** The commission is known with the fill (the core charges it then): one report per execution. */
export function commissionFact(x: ExecutionRecord, nowMs: number): Fact {
  return {
    kind: 'commissionReport',
    eventId: token(`comm-${x.execId}`),
    body: {
      tsEventMs: x.timeMs,
      tsInitMs: nowMs,
      execId: x.execId,
      commission: microsToDecimal(x.commissionMicros),
      currency: x.commissionCurrency,
      ...(x.realizedPnLMicros === undefined ? {} : { realizedPnl: microsToDecimal(x.realizedPnLMicros) }),
    },
  };
}

/** A refusal by the core after the order existed (a margin rejection): `seq` makes the id unique per refusal. */
export function rejectionFact(
  o: Pick<OrderRecord, 'orderId' | 'permId' | 'orderRef'>,
  code: number,
  message: string,
  action: 'place' | 'modify' | 'cancel' | 'broker',
  seq: string,
  nowMs: number,
): Fact {
  return {
    kind: 'orderRejected',
    eventId: token(`rej-${o.permId}-${code}-${seq}`),
    body: {
      tsEventMs: nowMs,
      tsInitMs: nowMs,
      ...idsOf(o),
      ...(o.orderRef === '' ? {} : { clientOrderId: o.orderRef }),
      brokerCode: code,
      message: message.slice(0, 2048),
      action,
    },
  };
}

export function toPosition(broker: string, p: PositionView, item: PortfolioItem | undefined): Position {
  return {
    broker,
    account: p.account,
    instrumentId: p.instrumentId,
    symbol: p.symbol,
    secType: p.secType,
    currency: p.currency,
    quantity: numberToDecimal(p.position),
    // IB's averageCost: cost basis per unit, multiplier and commissions included.
    avgCost: averagePrice(p.costBasisMicros, p.position, 1),
    realizedPnl: microsToDecimal(p.realizedPnLMicros),
    ...(item === undefined
      ? {}
      : {
          marketPrice: numberToDecimal(item.marketPrice),
          marketValue: microsToDecimal(item.marketValueMicros),
          unrealizedPnl: microsToDecimal(item.unrealizedPnLMicros),
        }),
  };
}

export function positionFact(broker: string, p: PositionView, nowMs: number, seq: string): Fact {
  return {
    kind: 'position',
    eventId: token(`pos-${p.account}-${p.instrumentId}-${seq}`),
    body: { tsEventMs: nowMs, tsInitMs: nowMs, position: toPosition(broker, p, undefined) },
  };
}

export function toAccountSummary(broker: string, s: CoreSummary, nowMs: number): AccountSummary {
  const m = microsToDecimal;
  return {
    broker,
    account: s.account,
    currency: s.baseCurrency,
    netLiquidation: m(s.netLiquidation),
    totalCashValue: m(s.totalCashValue),
    buyingPower: m(s.buyingPower),
    availableFunds: m(s.availableFunds),
    excessLiquidity: m(s.excessLiquidity),
    initMarginReq: m(s.initMarginReq),
    maintMarginReq: m(s.maintMarginReq),
    grossPositionValue: m(s.grossPositionValue),
    pnl: { unrealizedPnl: m(s.unrealizedPnL), realizedPnl: m(s.realizedPnL) },
    values: [],
    tsEventMs: nowMs,
  };
}
