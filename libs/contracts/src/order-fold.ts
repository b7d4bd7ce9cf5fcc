import type { TradeRecord } from './history.js';
import type { OrderEvent, OrderState } from './order-events.js';
import { type OrderView, orderRejectionOf } from './orders-service.js';

/**
 * THE fold of order events into an order's view (OrderView) and its trades (TradeRecord): the one derivation of an
 * order from its events, used by the OMS (orders.get / orders.list / command replies: the view it stores with each
 * event it records), by history's read model (hist.orders / hist.trades, folded from the ORDERS stream) and by the
 * SDK (`onOrderView`). So the services cannot disagree about an order they hold the same events of.
 *
 * An `accepted` event starts the view, as does a `denied` one carrying the refused order (one without it, written
 * before OrderDenied carried the order or refused before the instrument was known, starts none: it stays in the event
 * log only). Every later event is applied in the order's sequence (`seq`). The view's `createdAtMs` / `updatedAtMs`
 * are the OMS's recording times (the events' `tsInitMs`); `tsEventMs` is the source's time (a fill's execution time).
 */
export function viewFromAccepted(e: Extract<OrderEvent, { kind: 'accepted' }>): OrderView {
  return startView(e, e, 'accepted');
}

/** The view of a denied order; undefined when the event does not carry the order. */
export function viewFromDenied(e: Extract<OrderEvent, { kind: 'denied' }>): OrderView | undefined {
  const { instrument, side, quantity, orderType, tif, outsideRth } = e;
  if (
    instrument === undefined ||
    side === undefined ||
    quantity === undefined ||
    orderType === undefined ||
    tif === undefined ||
    outsideRth === undefined
  )
    return undefined;
  return {
    ...startView(e, { ...e, instrument, side, quantity, orderType, tif, outsideRth }, 'denied'),
    lastRejection: orderRejectionOf(e),
  };
}

/** The view `e` starts, when it is an order's starting event (accepted, or a denial carrying the order). */
export function startOrderView(e: OrderEvent): OrderView | undefined {
  if (e.kind === 'accepted') return viewFromAccepted(e);
  if (e.kind === 'denied') return viewFromDenied(e);
  return undefined;
}

type OrderFields = Pick<
  OrderView,
  'instrument' | 'side' | 'quantity' | 'orderType' | 'tif' | 'outsideRth' | 'limitPrice' | 'stopPrice'
>;

function startView(e: OrderEvent, o: OrderFields, state: 'accepted' | 'denied'): OrderView {
  const view: OrderView = {
    clientOrderId: e.clientOrderId,
    broker: e.broker,
    account: e.account,
    instrument: o.instrument,
    side: o.side,
    quantity: o.quantity,
    orderType: o.orderType,
    tif: o.tif,
    outsideRth: o.outsideRth,
    state,
    filledQty: '0',
    lastSeq: e.seq,
    createdAtMs: e.tsInitMs,
    updatedAtMs: e.tsInitMs,
  };
  if (o.limitPrice !== undefined) view.limitPrice = o.limitPrice;
  if (o.stopPrice !== undefined) view.stopPrice = o.stopPrice;
  if (e.strategy !== undefined) view.strategy = e.strategy;
  return view;
}

const STATE_OF_KIND: Partial<Record<OrderEvent['kind'], OrderState>> = {
  denied: 'denied',
  rejected: 'rejected',
  partiallyFilled: 'partiallyFilled',
  filled: 'filled',
  pendingCancel: 'pendingCancel',
  cancelled: 'cancelled',
  expired: 'expired',
  unresolved: 'unresolved',
};

/**
 * The view after `e` (a new object; the input is not changed). The state is the one the event names: the OMS
 * checked the transition before recording it, so the fold does not judge it again.
 */
export function applyOrderEvent(view: OrderView, e: OrderEvent): OrderView {
  const next: OrderView = { ...view, lastSeq: Math.max(view.lastSeq, e.seq), updatedAtMs: e.tsInitMs };
  const state = STATE_OF_KIND[e.kind];
  if (state !== undefined) next.state = state;
  switch (e.kind) {
    case 'statusChanged':
      next.state = e.to;
      if (e.brokerOrderId !== undefined) next.brokerOrderId = e.brokerOrderId;
      if (e.permId !== undefined) next.permId = e.permId;
      break;
    case 'modified':
      next.quantity = e.quantity;
      next.tif = e.tif;
      if (e.limitPrice !== undefined) next.limitPrice = e.limitPrice;
      if (e.stopPrice !== undefined) next.stopPrice = e.stopPrice;
      break;
    case 'rejected':
      next.lastRejection = orderRejectionOf(e);
      break;
    case 'partiallyFilled':
    case 'filled':
      next.filledQty = e.cumQty;
      next.avgFillPrice = e.avgPrice;
      if (next.brokerOrderId === undefined && e.brokerOrderId !== undefined) next.brokerOrderId = e.brokerOrderId;
      if (next.permId === undefined && e.permId !== undefined) next.permId = e.permId;
      break;
    default:
      break;
  }
  return next;
}

/** The trade of one fill of the order `view` shows (commission as the fill carries it; see foldOrder). */
export function tradeFromFill(
  view: OrderView,
  e: Extract<OrderEvent, { kind: 'filled' | 'partiallyFilled' }>,
): TradeRecord {
  const t: TradeRecord = {
    execId: e.execId,
    clientOrderId: e.clientOrderId,
    broker: e.broker,
    account: e.account,
    instrumentId: view.instrument.id,
    symbol: view.instrument.symbol,
    side: e.side,
    quantity: e.quantity,
    price: e.price,
    tsEventMs: e.tsEventMs,
  };
  if (view.strategy !== undefined) t.strategy = view.strategy;
  if (e.commission !== undefined) t.commission = e.commission;
  if (e.commissionCurrency !== undefined) t.commissionCurrency = e.commissionCurrency;
  return t;
}

/** What an order's events fold to. */
export interface FoldedOrder {
  /** Undefined while the event that starts the order (accepted, or a denial carrying it) has not arrived. */
  readonly view: OrderView | undefined;
  /** One per execution (broker, execId), each with its broker's latest commission report; empty while `view` is. */
  readonly trades: readonly TradeRecord[];
  /** Sequence numbers below the highest one that no event has: events still on their way (or lost). */
  readonly missingSeqs: readonly number[];
}

/** Sequence order, ties (two event ids with one seq) by event id, so every arrival order folds the same way. */
function bySeq(a: OrderEvent, b: OrderEvent): number {
  return a.seq - b.seq || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

const eventKey = (e: OrderEvent): string => `${e.broker}|${e.eventId}`;
const execKey = (e: { broker: string; execId: string }): string => `${e.broker}|${e.execId}`;

/**
 * Folds every event of one order, whatever order they arrived in and however often each came (a redelivery or
 * republish has the same eventId and counts once): the view starts at the order's first starting event and takes
 * the others in `seq` order; every execution is one trade, and a commission report sets its fill's commission
 * whether it arrived before or after the fill. The result depends only on the set of events.
 */
export function foldOrder(events: readonly OrderEvent[]): FoldedOrder {
  const unique = new Map<string, OrderEvent>();
  for (const e of events) if (!unique.has(eventKey(e))) unique.set(eventKey(e), e);
  const sorted = [...unique.values()].sort(bySeq);
  const seen = new Set(sorted.map((e) => e.seq));
  const top = sorted.at(-1)?.seq ?? 0;
  const missingSeqs: number[] = [];
  for (let s = 1; s < top; s += 1) if (!seen.has(s)) missingSeqs.push(s);

  const startAt = sorted.findIndex((e) => startOrderView(e) !== undefined);
  const first = sorted[startAt];
  const start = first === undefined ? undefined : startOrderView(first);
  if (start === undefined) return { view: undefined, trades: [], missingSeqs };
  const view = sorted.reduce((v, e, i) => (i === startAt ? v : applyOrderEvent(v, e)), start);

  const commissions = new Map<string, Extract<OrderEvent, { kind: 'commission' }>>();
  for (const e of sorted) if (e.kind === 'commission') commissions.set(execKey(e), e);
  const trades: TradeRecord[] = [];
  const traded = new Set<string>();
  for (const e of sorted) {
    if (e.kind !== 'filled' && e.kind !== 'partiallyFilled') continue;
    // One trade per execution: a second fill event of one exec id (republished under a new eventId) is no trade.
    if (traded.has(execKey(e))) continue;
    traded.add(execKey(e));
    const t = tradeFromFill(view, e);
    const c = commissions.get(execKey(e));
    if (c !== undefined) {
      t.commission = c.commission;
      t.commissionCurrency = c.currency;
      if (c.realizedPnl !== undefined) t.realizedPnl = c.realizedPnl;
    }
    trades.push(t);
  }
  return { view, trades, missingSeqs };
}

/**
 * The fold of a live stream of many orders' events, one event at a time (the SDK's `onOrderView`): each order's
 * events are kept (once per eventId) and folded again on each arrival, so an event that overtakes an earlier one
 * still yields the view of the set received. `forget` drops an order the caller no longer follows.
 */
export class OrderFolds {
  private readonly byOrder = new Map<string, OrderEvent[]>();

  /** Adds `events` of one order (e.g. orders.get's history of an order first seen mid-stream) and folds it. */
  add(...events: readonly OrderEvent[]): FoldedOrder | undefined {
    const first = events[0];
    if (first === undefined) return undefined;
    const kept = this.byOrder.get(first.clientOrderId) ?? [];
    for (const e of events) if (!kept.some((k) => eventKey(k) === eventKey(e))) kept.push(e);
    this.byOrder.set(first.clientOrderId, kept);
    return foldOrder(kept);
  }

  /** Whether any event of the order was added. */
  has(clientOrderId: string): boolean {
    return this.byOrder.has(clientOrderId);
  }

  forget(clientOrderId: string): void {
    this.byOrder.delete(clientOrderId);
  }
}
