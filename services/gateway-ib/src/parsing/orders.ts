/**
 * IB order objects ↔ contract messages (pure). Event ids are deterministic, so a fact re-sent by IB (reconnect,
 * reconciliation, replay) maps to the same JetStream `Nats-Msg-Id` and is dropped as a duplicate.
 */
import type { CommissionReport, Contract, Execution, Order, OrderState } from '@stoqey/ib';
import {
  type BrokerExecutionData,
  type BrokerOrder,
  type BrokerOrderState,
  type BrokerPlaceOrderRequest,
  ClientOrderId,
  FINAL_BROKER_ORDER_STATES,
  type Instrument,
  MAX_INT32,
} from '@trading-system/contracts';
import { instrumentIdOf } from './contracts.js';
import { priceOrUndefined, toDecimalString } from './numbers.js';
import { parseTwsTime } from './time.js';

export class OrderParseError extends Error {
  override readonly name = 'OrderParseError';
}

/** Our order → IB Order (orderRef carries the clientOrderId back on every later callback). */
export function toIbOrder(req: BrokerPlaceOrderRequest): Order {
  const o: Order = {
    action: req.side as Order['action'],
    totalQuantity: Number(req.quantity),
    orderType: req.orderType as Order['orderType'],
    tif: req.tif as Order['tif'],
    outsideRth: req.outsideRth,
    account: req.account,
    orderRef: req.clientOrderId,
    transmit: true,
  };
  if (req.limitPrice !== undefined) o.lmtPrice = Number(req.limitPrice);
  if (req.stopPrice !== undefined) o.auxPrice = Number(req.stopPrice);
  return o;
}

/** A token-safe form of an IB id (execIds contain dots). */
export function tokenSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** 32-bit FNV-1a of a string, base 36: short content fingerprints for event ids. */
export function fingerprint(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/**
 * IB's orderId → the contract's broker order id (an opaque string): its decimal form. IB's 0 means "no id" (a
 * completed order, another client's order) and is left out; an order typed into TWS keeps its negative id ("-5").
 */
export function brokerOrderIdOf(orderId: number | undefined): string | undefined {
  return orderId === undefined || orderId === 0 ? undefined : String(orderId);
}

/** IB's permId → the contract's permanent id; 0 (not assigned yet) is left out. */
export function brokerPermIdOf(permId: number | undefined): string | undefined {
  return permId === undefined || permId <= 0 ? undefined : String(permId);
}

/** The identity fields of a broker event for IB's two ids, absent ones left out. */
export function brokerIds(
  orderId: number | undefined,
  permId: number | undefined,
): { orderId?: string; permId?: string } {
  const o = brokerOrderIdOf(orderId);
  const p = brokerPermIdOf(permId);
  return { ...(o === undefined ? {} : { orderId: o }), ...(p === undefined ? {} : { permId: p }) };
}

/**
 * A command's broker order id → IB's orderId, when it is one this gateway could have handed out: the plain
 * decimal form of 1..2^31-1 (no sign, no leading zero). Anything else names no order of ours: undefined.
 */
export function ibOrderIdOf(id: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(id)) return undefined;
  const n = Number(id);
  return n <= MAX_INT32 ? n : undefined;
}

/** Stable identity of an order in event ids: its permId, else clientId + orderId. */
export function orderKey(permId: number, clientId: number, orderId: number): string {
  return permId > 0 ? `p${permId}` : `c${clientId}o${orderId}`;
}

export function clientOrderIdOf(orderRef: string | undefined): string | undefined {
  if (orderRef === undefined || orderRef === '') return undefined;
  return ClientOrderId.safeParse(orderRef).success ? orderRef : undefined;
}

/**
 * IB's order status words → the contract's BrokerOrderState: the only place IB's words are read. Undefined for a
 * word IB may add later (the status is then not published, and reconciliation reports the order again).
 */
const IB_STATUS: Readonly<Record<string, BrokerOrderState>> = {
  ApiPending: 'pendingSubmit',
  PendingSubmit: 'pendingSubmit',
  PreSubmitted: 'held',
  Submitted: 'working',
  PendingCancel: 'pendingCancel',
  ApiCancelled: 'cancelled',
  Cancelled: 'cancelled',
  Filled: 'filled',
  Inactive: 'rejected',
};

export function parseIbStatus(status: string): BrokerOrderState | undefined {
  return Object.hasOwn(IB_STATUS, status) ? IB_STATUS[status] : undefined;
}

/** Whether an IB status word (as IB's callbacks carry it) is final: no more fills or statuses follow. */
export function isFinalIbStatus(status: unknown): boolean {
  const s = parseIbStatus(String(status ?? ''));
  return s !== undefined && FINAL_BROKER_ORDER_STATES.has(s);
}

/** IB openOrder / completedOrder → BrokerOrder; `filled` from the last orderStatus when known. */
export function toBrokerOrder(
  orderId: number,
  instrument: Instrument,
  order: Order,
  state: OrderState,
  filled: number | undefined,
): BrokerOrder {
  const status = parseIbStatus(String(state.status ?? ''));
  if (status === undefined) throw new OrderParseError(`unknown IB order status "${state.status}"`);
  const total = order.totalQuantity ?? 0;
  const quantity = toDecimalString(total);
  if (quantity === undefined || total <= 0) throw new OrderParseError(`order ${orderId} has no quantity`);
  const side = order.action === 'BUY' ? 'BUY' : order.action === 'SELL' ? 'SELL' : undefined;
  if (side === undefined) throw new OrderParseError(`order ${orderId} has action ${order.action}`);
  const type = ['MKT', 'LMT', 'STP', 'STP LMT'].includes(String(order.orderType)) ? order.orderType : undefined;
  if (type === undefined) throw new OrderParseError(`order ${orderId} has unsupported type ${order.orderType}`);
  const tif = ['DAY', 'GTC', 'IOC', 'FOK'].includes(String(order.tif)) ? order.tif : 'DAY';
  const done = Math.max(0, Math.min(total, filled ?? (status === 'filled' ? total : 0)));
  const b: BrokerOrder = {
    ...brokerIds(orderId, order.permId),
    account: order.account ?? '',
    instrument,
    side,
    quantity,
    orderType: type as BrokerOrder['orderType'],
    tif: tif as BrokerOrder['tif'],
    outsideRth: order.outsideRth === true,
    status,
    filled: toDecimalString(done) ?? '0',
    remaining: toDecimalString(total - done) ?? '0',
  };
  const coid = clientOrderIdOf(order.orderRef);
  if (coid !== undefined) b.clientOrderId = coid;
  const limit = type === 'LMT' || type === 'STP LMT' ? priceOrUndefined(order.lmtPrice) : undefined;
  const stop = type === 'STP' || type === 'STP LMT' ? priceOrUndefined(order.auxPrice) : undefined;
  if (limit !== undefined) b.limitPrice = limit;
  if (stop !== undefined) b.stopPrice = stop;
  return b;
}

/** IB execDetails → BrokerExecutionData. `zone` is TWS's time zone for execution times without one. */
export function toExecution(contract: Contract, e: Execution, zone = 'UTC'): BrokerExecutionData {
  if (e.execId === undefined || e.execId === '') throw new OrderParseError('execution without execId');
  const side = e.side === 'BOT' ? 'BUY' : e.side === 'SLD' ? 'SELL' : undefined;
  if (side === undefined) throw new OrderParseError(`execution ${e.execId} has side ${e.side}`);
  const quantity = toDecimalString(e.shares);
  const price = priceOrUndefined(e.price);
  if (quantity === undefined || price === undefined || contract.conId === undefined) {
    throw new OrderParseError(`execution ${e.execId} lacks shares, price or conId`);
  }
  const x: BrokerExecutionData = {
    ...brokerIds(e.orderId, e.permId),
    execId: e.execId,
    account: e.acctNumber ?? '',
    instrumentId: instrumentIdOf(contract.conId),
    side,
    quantity,
    price,
    cumQty: toDecimalString(e.cumQty) ?? quantity,
    avgPrice: priceOrUndefined(e.avgPrice) ?? price,
    exchange: e.exchange ?? '',
    execTimeMs: parseTwsTime(e.time ?? '', zone),
  };
  const coid = clientOrderIdOf(e.orderRef);
  if (coid !== undefined) x.clientOrderId = coid;
  return x;
}

export interface CommissionFacts {
  readonly execId: string;
  readonly commission: string;
  readonly currency: string;
  readonly realizedPnl?: string;
}

export function toCommission(r: CommissionReport): CommissionFacts {
  const commission = toDecimalString(r.commission);
  if (r.execId === undefined || commission === undefined || r.currency === undefined) {
    throw new OrderParseError(`commission report without execId, commission or currency`);
  }
  const realized = toDecimalString(r.realizedPNL);
  return realized === undefined
    ? { execId: r.execId, commission, currency: r.currency }
    : { execId: r.execId, commission, currency: r.currency, realizedPnl: realized };
}
