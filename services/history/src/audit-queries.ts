import {
  FINAL_ORDER_STATES,
  type HistOrdersQuery,
  type HistTradesQuery,
  inCurrentWords,
  OrderEvent,
  OrderView,
  type TradeRecord,
} from '@trading-system/contracts';
import type { Kysely } from '@trading-system/storage';
import type { HistoryDb, TradesTable } from './db-types.js';
import { HistoryError } from './errors.js';

/** Cursor = `<time>:<id>` of the last row of the previous page, base64url (opaque to callers). */
function encodeCursor(ms: number, id: string): string {
  return Buffer.from(`${ms}:${id}`, 'utf8').toString('base64url');
}
function decodeCursor(cursor: string): { ms: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const i = text.indexOf(':');
  const ms = Number(text.slice(0, i));
  if (i < 1 || !Number.isSafeInteger(ms)) throw new HistoryError('VALIDATION_FAILED', 'cursor is not one of ours');
  return { ms, id: text.slice(i + 1) };
}

/** Orders newest first (by creation), filtered; `limit` undefined = all (export). */
export async function queryOrders(
  db: Kysely<HistoryDb>,
  q: Omit<HistOrdersQuery, 'limit'> & { limit?: number },
): Promise<{ orders: OrderView[]; events?: OrderEvent[]; nextCursor?: string }> {
  let s = db.selectFrom('orders').select(['view', 'created_at_ms', 'client_order_id']);
  if (q.broker !== undefined) s = s.where('broker', '=', q.broker);
  if (q.account !== undefined) s = s.where('account', '=', q.account);
  if (q.strategy !== undefined) s = s.where('strategy', '=', q.strategy);
  if (q.clientOrderId !== undefined) s = s.where('client_order_id', '=', q.clientOrderId);
  if (q.instrumentId !== undefined) s = s.where('instrument_id', '=', q.instrumentId);
  if (q.symbol !== undefined) s = s.where('symbol', '=', q.symbol);
  if (q.fromMs !== undefined) s = s.where('created_at_ms', '>=', q.fromMs);
  if (q.toMs !== undefined) s = s.where('created_at_ms', '<', q.toMs);
  const finals = [...FINAL_ORDER_STATES];
  if (q.status === 'open') s = s.where('state', 'not in', finals);
  if (q.status === 'final') s = s.where('state', 'in', finals);
  if (q.states !== undefined) s = s.where('state', 'in', q.states);
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    s = s.where((eb) =>
      eb.or([
        eb('created_at_ms', '<', c.ms),
        eb.and([eb('created_at_ms', '=', c.ms), eb('client_order_id', '<', c.id)]),
      ]),
    );
  }
  s = s.orderBy('created_at_ms', 'desc').orderBy('client_order_id', 'desc');
  if (q.limit !== undefined) s = s.limit(q.limit + 1);
  const rows = await s.execute();
  const more = q.limit !== undefined && rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const out: { orders: OrderView[]; events?: OrderEvent[]; nextCursor?: string } = {
    orders: page.map((r) => OrderView.parse(r.view)),
  };
  const last = page.at(-1);
  if (more && last !== undefined) out.nextCursor = encodeCursor(Number(last.created_at_ms), last.client_order_id);
  if (q.includeEvents) {
    if (q.clientOrderId === undefined)
      throw new HistoryError('VALIDATION_FAILED', 'includeEvents requires clientOrderId');
    const ev = await db
      .selectFrom('order_events')
      .select('event')
      .where('client_order_id', '=', q.clientOrderId)
      .orderBy('seq')
      .execute();
    out.events = ev.map((r) => inCurrentWords(OrderEvent.parse(r.event)));
  }
  return out;
}

/** Trades (fills) newest first, filtered; `limit` undefined = all (export). */
export async function queryTrades(
  db: Kysely<HistoryDb>,
  q: Omit<HistTradesQuery, 'limit'> & { limit?: number },
): Promise<{ trades: TradeRecord[]; nextCursor?: string }> {
  let s = db.selectFrom('trades').selectAll();
  if (q.broker !== undefined) s = s.where('broker', '=', q.broker);
  if (q.account !== undefined) s = s.where('account', '=', q.account);
  if (q.strategy !== undefined) s = s.where('strategy', '=', q.strategy);
  if (q.clientOrderId !== undefined) s = s.where('client_order_id', '=', q.clientOrderId);
  if (q.instrumentId !== undefined) s = s.where('instrument_id', '=', q.instrumentId);
  if (q.symbol !== undefined) s = s.where('symbol', '=', q.symbol);
  if (q.fromMs !== undefined) s = s.where('ts_event_ms', '>=', q.fromMs);
  if (q.toMs !== undefined) s = s.where('ts_event_ms', '<', q.toMs);
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    // id = `<broker>:<execId>` (exec ids are unique per broker only); a cursor from before has no broker: ''.
    const cut = c.id.indexOf(':');
    const broker = cut < 0 ? '' : c.id.slice(0, cut);
    const execId = cut < 0 ? c.id : c.id.slice(cut + 1);
    s = s.where((eb) =>
      eb.or([
        eb('ts_event_ms', '<', c.ms),
        eb.and([
          eb('ts_event_ms', '=', c.ms),
          eb.or([eb('exec_id', '<', execId), eb.and([eb('exec_id', '=', execId), eb('broker', '<', broker)])]),
        ]),
      ]),
    );
  }
  s = s.orderBy('ts_event_ms', 'desc').orderBy('exec_id', 'desc').orderBy('broker', 'desc');
  if (q.limit !== undefined) s = s.limit(q.limit + 1);
  const rows = await s.execute();
  const more = q.limit !== undefined && rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const out: { trades: TradeRecord[]; nextCursor?: string } = { trades: page.map(toTrade) };
  const last = page.at(-1);
  if (more && last !== undefined)
    out.nextCursor = encodeCursor(Number(last.ts_event_ms), `${last.broker}:${last.exec_id}`);
  return out;
}

function toTrade(r: TradesTable): TradeRecord {
  const t: TradeRecord = {
    execId: r.exec_id,
    clientOrderId: r.client_order_id,
    broker: r.broker,
    account: r.account,
    instrumentId: r.instrument_id,
    symbol: r.symbol,
    side: r.side as TradeRecord['side'],
    quantity: r.quantity,
    price: r.price,
    tsEventMs: Number(r.ts_event_ms),
  };
  if (r.strategy !== null) t.strategy = r.strategy;
  if (r.commission !== null) t.commission = r.commission;
  if (r.commission_currency !== null) t.commissionCurrency = r.commission_currency;
  if (r.realized_pnl !== null) t.realizedPnl = r.realized_pnl;
  return t;
}
