import {
  type OrderEvent,
  type OrderState,
  type OrderView,
  orderRejectionOf,
  type TradeRecord,
} from '@trading-system/contracts';

/**
 * Pure folding of order events into the read model: the OrderView an `accepted` (or `denied`) event starts, each
 * later event applied in the order's sequence (`seq`), and the TradeRecord of each fill. A denial without the order's fields (an
 * event written before OrderDenied carried them, or refused before the instrument was known) has no view: it stays
 * in the event log only.
 * The view's `createdAtMs` / `updatedAtMs` are the OMS's own (orders.get): when it recorded the first / latest event,
 * i.e. the events' `tsInitMs`. `tsEventMs` is the source's time (a fill's execution time at the broker).
 */
export function viewFromAccepted(e: Extract<OrderEvent, { kind: 'accepted' }>): OrderView {
  return startView(e, e, 'accepted');
}

/** The view of a denied order, as orders.list shows it; undefined when the event does not carry the order. */
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

type OrderFields = Pick<
  OrderView,
  'instrument' | 'side' | 'quantity' | 'orderType' | 'tif' | 'outsideRth' | 'limitPrice' | 'stopPrice'
>;

/** The view an order's first event starts (times are the OMS's recording time, tsInitMs). */
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

/** The view after `e` (a new object; the input is not changed). */
export function applyEvent(view: OrderView, e: OrderEvent): OrderView {
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
      // As the OMS keeps it on the order (one derivation in contracts).
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

/** What an order's stored events fold to. */
export interface FoldedOrder {
  /** Undefined while the event that starts the order (accepted, or a denial carrying it) has not arrived. */
  readonly view: OrderView | undefined;
  /** One per fill event, each with its own broker's latest commission report; empty while `view` is. */
  readonly trades: readonly TradeRecord[];
  /** Sequence numbers below the highest one that no stored event has: events still on their way (or lost). */
  readonly missingSeqs: readonly number[];
}

/** Sequence order, ties (two event ids with one seq) by event id, so every arrival order folds the same way. */
function bySeq(a: OrderEvent, b: OrderEvent): number {
  return a.seq - b.seq || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

/**
 * Folds every stored event of one order, whatever order they arrived in: the view starts at the order's first
 * starting event and takes the others in `seq` order; every fill is a trade, and a commission report sets its
 * fill's commission whether it arrived before or after the fill. Duplicates must be removed by the caller (by
 * eventId); the result depends only on the set of events.
 */
export function foldOrder(events: readonly OrderEvent[]): FoldedOrder {
  const sorted = [...events].sort(bySeq);
  const seen = new Set(sorted.map((e) => e.seq));
  const top = sorted.at(-1)?.seq ?? 0;
  const missingSeqs: number[] = [];
  for (let s = 1; s < top; s += 1) if (!seen.has(s)) missingSeqs.push(s);

  let start: { view: OrderView; event: OrderEvent } | undefined;
  for (const e of sorted) {
    const v = e.kind === 'accepted' ? viewFromAccepted(e) : e.kind === 'denied' ? viewFromDenied(e) : undefined;
    if (v !== undefined) {
      start = { view: v, event: e };
      break;
    }
  }
  if (start === undefined) return { view: undefined, trades: [], missingSeqs };
  const first = start.event;
  const view = sorted.reduce((v, e) => (e === first ? v : applyEvent(v, e)), start.view);

  const commissions = new Map<string, Extract<OrderEvent, { kind: 'commission' }>>();
  for (const e of sorted) if (e.kind === 'commission') commissions.set(`${e.broker}|${e.execId}`, e);
  const trades: TradeRecord[] = [];
  const traded = new Set<string>();
  for (const e of sorted) {
    if (e.kind !== 'filled' && e.kind !== 'partiallyFilled') continue;
    // One trade per execution: a second fill event of one exec id (republished under a new eventId) is no trade.
    if (traded.has(`${e.broker}|${e.execId}`)) continue;
    traded.add(`${e.broker}|${e.execId}`);
    const t = tradeFromFill(view, e);
    const c = commissions.get(`${e.broker}|${e.execId}`);
    if (c !== undefined) {
      t.commission = c.commission;
      t.commissionCurrency = c.currency;
      if (c.realizedPnl !== undefined) t.realizedPnl = c.realizedPnl;
    }
    trades.push(t);
  }
  return { view, trades, missingSeqs };
}
