/** Read side: orders.get (with the event history), orders.list (keyset paging) and orders.positions. */
import {
  errorReply,
  type GetOrderReply,
  type GetOrderRequest,
  type Instrument,
  inCurrentWords,
  type ListOrdersReply,
  type ListOrdersRequest,
  type OrderEvent,
  type OrdersPositionsReply,
  type OrdersPositionsRequest,
  type OrderView,
  type Position,
} from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import type { OmsContext } from './context.js';
import { FINAL_STATES, findOrder, toOrderView } from './ledger.js';
import {
  BrokerSnapshotUnavailableError,
  brokerPositionsSnapshot,
  canonicalLedgerPositions,
  ledgerPositions,
  positionDifferences,
} from './positions.js';

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function handleGet(ctx: OmsContext, req: GetOrderRequest): Promise<GetOrderReply> {
  const row = await findOrder(ctx.db, req.clientOrderId);
  if (row === undefined) return errorReply('ORDER_NOT_FOUND', `no order ${req.clientOrderId}`);
  const view = toOrderView(row);
  // Denied before its instrument was known: the stored denial is all there is to say.
  if (view === undefined) return json<GetOrderReply>(row.submit_reply);
  const events = await ctx.db
    .selectFrom('order_events')
    .select('payload')
    .where('client_order_id', '=', req.clientOrderId)
    // The events the view folds: one appended since the row was read is left to the next read.
    .where('seq', '<=', row.last_seq)
    .orderBy('seq')
    .execute();
  return { v: 1, ok: true, order: view, events: events.map((e) => inCurrentWords(json<OrderEvent>(e.payload))) };
}

/** Cursor = `<createdAtMs>_<clientOrderId>` of the last row of the previous page (newest first). */
export async function handleList(ctx: OmsContext, req: ListOrdersRequest): Promise<ListOrdersReply> {
  let q = ctx.db.selectFrom('orders').selectAll().where('instrument', 'is not', null);
  if (req.broker !== undefined) q = q.where('broker', '=', req.broker);
  if (req.account !== undefined) q = q.where('account', '=', req.account);
  if (req.strategy !== undefined) q = q.where('strategy', '=', req.strategy);
  if (req.sinceMs !== undefined) q = q.where('created_at_ms', '>=', String(req.sinceMs));
  if (req.untilMs !== undefined) q = q.where('created_at_ms', '<', String(req.untilMs));
  if (req.instrumentId !== undefined) q = q.where('instrument_id', '=', req.instrumentId);
  if (req.symbol !== undefined) q = q.where(sql<string>`instrument->>'symbol'`, '=', req.symbol);
  if (req.status === 'open') q = q.where('state', 'not in', [...FINAL_STATES]);
  if (req.status === 'final') q = q.where('state', 'in', [...FINAL_STATES]);
  if (req.cursor !== undefined) {
    const cut = req.cursor.indexOf('_');
    const ms = req.cursor.slice(0, cut);
    const id = req.cursor.slice(cut + 1);
    if (cut <= 0 || !/^\d+$/.test(ms)) return errorReply('VALIDATION_FAILED', `malformed cursor ${req.cursor}`);
    q = q.where((eb) =>
      eb.or([eb('created_at_ms', '<', ms), eb.and([eb('created_at_ms', '=', ms), eb('client_order_id', '<', id)])]),
    );
  }
  const rows = await q
    .orderBy('created_at_ms', 'desc')
    .orderBy('client_order_id', 'desc')
    .limit(req.limit + 1)
    .execute();
  const page = rows.slice(0, req.limit);
  const orders = page.map(toOrderView).filter((v): v is OrderView => v !== undefined);
  const last = page.at(-1);
  return {
    v: 1,
    ok: true,
    orders,
    ...(rows.length > req.limit && last !== undefined
      ? { nextCursor: `${last.created_at_ms}_${last.client_order_id}` }
      : {}),
  };
}

const instrumentKey = (broker: string, instrumentId: string): string => `${broker}\u0000${instrumentId}`;

/**
 * The instrument each (broker, instrument id) was ordered as, from one order of it: one statement for all the
 * keys, an index probe each (orders_instrument), where a query per position scanned the ledger for each.
 */
async function instrumentsOf(
  ctx: OmsContext,
  keys: readonly { readonly broker: string; readonly instrumentId: string }[],
): Promise<Map<string, Instrument>> {
  const found = new Map<string, Instrument>();
  if (keys.length === 0) return found;
  const { rows } = await sql<{ broker: string; instrument_id: string; instrument: unknown }>`
    select k.broker, k.instrument_id, o.instrument
      from unnest(${keys.map((k) => k.broker)}::text[], ${keys.map((k) => k.instrumentId)}::text[])
           as k(broker, instrument_id)
     cross join lateral (
       select instrument from ${sql.table(`${ctx.config.schema}.orders`)} o
        where o.broker = k.broker and o.instrument_id = k.instrument_id and o.instrument is not null
        limit 1) o`.execute(ctx.db);
  for (const r of rows) found.set(instrumentKey(r.broker, r.instrument_id), json<Instrument>(r.instrument));
  return found;
}

/**
 * Ledger positions, and their differences from the brokers' positions in snapshots taken for this request (every
 * broker in scope: the requested one, else every routed broker and every broker the ledger has fills of). A broker
 * that does not answer makes the reply its typed error: a comparison without it would call its positions flat.
 */
export async function handlePositions(ctx: OmsContext, req: OrdersPositionsRequest): Promise<OrdersPositionsReply> {
  const filter = {
    ...(req.broker === undefined ? {} : { broker: req.broker }),
    ...(req.account === undefined ? {} : { account: req.account }),
  };
  const recorded = await ledgerPositions(ctx.db, filter);
  const scope =
    req.broker === undefined
      ? [...new Set([...ctx.routes.names(), ...recorded.map((p) => p.broker)])].sort()
      : [req.broker];
  if (req.broker !== undefined && !ctx.routes.has(req.broker) && recorded.length === 0)
    return errorReply('BROKER_UNKNOWN', `the OMS routes to no broker ${req.broker} and its ledger has no fills there`);
  let brokerPositions: Position[];
  try {
    const snapshots = await Promise.all(scope.map((b) => brokerPositionsSnapshot(ctx.brokers, b)));
    brokerPositions = snapshots.flat().filter((p) => req.account === undefined || p.account === req.account);
  } catch (err) {
    if (err instanceof BrokerSnapshotUnavailableError) return errorReply(err.code, err.message, err.details);
    throw err;
  }
  // Fills recorded under an instrument's older id count in its current id's row (the id the broker reports).
  const ledger = await canonicalLedgerPositions(ctx.brokers, recorded);

  const instruments = await instrumentsOf(
    ctx,
    ledger.flatMap((p) => p.recordedAs.map((instrumentId) => ({ broker: p.broker, instrumentId }))),
  );
  const positions: Position[] = [];
  for (const p of ledger) {
    const i = p.recordedAs.map((id) => instruments.get(instrumentKey(p.broker, id))).find((x) => x !== undefined);
    if (i === undefined) continue;
    positions.push({
      broker: p.broker,
      account: p.account,
      instrumentId: p.instrumentId,
      symbol: i.localSymbol,
      secType: i.secType,
      currency: i.currency,
      quantity: p.quantity,
    });
  }
  const differences = positionDifferences(ledger, brokerPositions, new Set(scope));
  return { v: 1, ok: true, positions, brokerPositions, differences };
}
