/**
 * Orders recorded before the OMS stored each order's view with its events (migration 0010) get their view once, at
 * start, before anything is served: the fold of their stored events, the derivation every later event continues.
 */
import {
  compareDecimal,
  divDecimal,
  foldOrder,
  inCurrentWords,
  OrderEvent,
  type OrderSide,
  type OrderState,
  type OrderType,
  type OrderView,
  type TimeInForce,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type Db, type OrderRow, rowInstrument } from './ledger.js';

const BATCH = 500;

/** Stores the view of every order that has an instrument and no view yet; returns how many. */
export async function foldUnviewedOrders(db: Db, log: Logger): Promise<number> {
  let n = 0;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('orders')
      .selectAll()
      .where('view', 'is', null)
      .where('instrument', 'is not', null)
      .where('client_order_id', '>', after)
      .orderBy('client_order_id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    const stored = await db
      .selectFrom('order_events')
      .select(['client_order_id', 'payload'])
      .where(
        'client_order_id',
        'in',
        rows.map((r) => r.client_order_id),
      )
      .execute();
    const byOrder = new Map<string, OrderEvent[]>();
    for (const s of stored) {
      const list = byOrder.get(s.client_order_id) ?? [];
      list.push(readStored(s.payload));
      byOrder.set(s.client_order_id, list);
    }
    for (const row of rows) {
      const view = foldOrder(byOrder.get(row.client_order_id) ?? []).view ?? viewFromColumns(row);
      if (view === undefined) continue;
      await db
        .updateTable('orders')
        .set({ view: JSON.stringify(view) })
        .where('client_order_id', '=', row.client_order_id)
        .execute();
    }
    n += rows.length;
    after = rows.at(-1)?.client_order_id ?? after;
  }
  if (n > 0) log.info({ orders: n }, 'order views folded from the stored events');
  return n;
}

/**
 * A stored event in today's words: parsed where the current schema reads it (a legacy `conId` becomes the
 * instrument's id), else as stored (a later, stricter schema must not stop the order's fold).
 */
function readStored(payload: unknown): OrderEvent {
  const raw = inCurrentWords((typeof payload === 'string' ? JSON.parse(payload) : payload) as OrderEvent);
  const parsed = OrderEvent.safeParse(raw);
  return parsed.success ? parsed.data : raw;
}

/**
 * The view an earlier version derived from the order's columns, for an order whose events start no view (a denial
 * recorded before OrderDenied carried the order): what orders.get showed of it before, kept.
 */
function viewFromColumns(row: OrderRow): OrderView | undefined {
  const instrument = rowInstrument(row);
  if (instrument === undefined) return undefined;
  const filled = row.filled_qty;
  return {
    clientOrderId: row.client_order_id,
    broker: row.broker,
    account: row.account,
    instrument,
    side: row.side as OrderSide,
    quantity: row.quantity,
    orderType: row.order_type as OrderType,
    ...(row.limit_price === null ? {} : { limitPrice: row.limit_price }),
    ...(row.stop_price === null ? {} : { stopPrice: row.stop_price }),
    tif: row.tif as TimeInForce,
    outsideRth: row.outside_rth,
    ...(row.strategy === null ? {} : { strategy: row.strategy }),
    state: row.state as OrderState,
    filledQty: filled,
    ...(compareDecimal(filled, '0') === 0 ? {} : { avgFillPrice: divDecimal(row.fill_notional, filled, 8) }),
    ...(row.broker_order_id === null ? {} : { brokerOrderId: row.broker_order_id }),
    ...(row.perm_id === null ? {} : { permId: row.perm_id }),
    ...(row.last_rejection === null || row.last_rejection === undefined
      ? {}
      : {
          lastRejection: (typeof row.last_rejection === 'string'
            ? JSON.parse(row.last_rejection)
            : row.last_rejection) as NonNullable<OrderView['lastRejection']>,
        }),
    lastSeq: row.last_seq,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}
