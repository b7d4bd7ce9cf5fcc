/**
 * The ledger: the current order row and its append-only events, always written together in one transaction.
 * Events get a per-order `seq` without gaps (the order row is locked while appending) and are published later
 * by the outbox relay from the stored rows.
 */
import { randomUUID } from 'node:crypto';
import {
  applyOrderEvent,
  type Instrument,
  isFinalOrderState,
  ORDER_EVENT_SCHEMAS,
  type OrderEvent,
  type OrderEventKind,
  type OrderSide,
  type OrderState,
  type OrderType,
  type OrderView,
  orderRejectionOf,
  parseOrThrow,
  Subjects,
  startOrderView,
  type TimeInForce,
  UNKNOWN_ACCOUNT,
} from '@trading-system/contracts';
import { type Expression, type Kysely, type SqlBool, sql, type Transaction } from '@trading-system/storage';
import type { OrdersDb, OrdersTable } from './db-types.js';
import { assertTransition } from './order-state.js';

export type Db = Kysely<OrdersDb>;
export type Trx = Transaction<OrdersDb>;
export type OrderRow = OrdersTable;

export const FINAL_STATES = ['filled', 'cancelled', 'expired', 'rejected', 'denied'] as const;

type BaseKey = 'v' | 'eventId' | 'clientOrderId' | 'seq' | 'broker' | 'account' | 'strategy' | 'tsEventMs' | 'tsInitMs';
/** The kind-specific fields of an order event. */
export type EventBody<K extends OrderEventKind> = Omit<Extract<OrderEvent, { kind: K }>, BaseKey | 'kind'>;

export async function findOrder(db: Db | Trx, clientOrderId: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('client_order_id', '=', clientOrderId).executeTakeFirst();
}

/**
 * Rows `lockOrders` locked ahead, by transaction: the first lockOrder of one of them in that transaction takes it
 * from here instead of a round trip — once, since the caller then holds the row as it changes it.
 */
const lockedAhead = new WeakMap<Trx, Map<string, OrderRow>>();

/**
 * Locks the broker's orders among `clientOrderIds` in one statement (in id order) for a batch that will lock them
 * one by one: one round trip instead of one per order.
 */
export async function lockOrders(trx: Trx, broker: string, clientOrderIds: readonly string[]): Promise<void> {
  if (clientOrderIds.length === 0) return;
  const rows = await trx
    .selectFrom('orders')
    .selectAll()
    .where('client_order_id', 'in', clientOrderIds)
    .where('broker', '=', broker)
    .orderBy('client_order_id')
    .forUpdate()
    .execute();
  lockedAhead.set(trx, new Map(rows.map((r) => [r.client_order_id, r])));
}

/** Locks the order row for the rest of the transaction (serialises event appends per order). */
export async function lockOrder(trx: Trx, clientOrderId: string): Promise<OrderRow | undefined> {
  const ahead = lockedAhead.get(trx);
  const row = ahead?.get(clientOrderId);
  if (row !== undefined) {
    ahead?.delete(clientOrderId);
    return row;
  }
  return trx
    .selectFrom('orders')
    .selectAll()
    .where('client_order_id', '=', clientOrderId)
    .forUpdate()
    .executeTakeFirst();
}

export async function findByBrokerOrderId(
  db: Db | Trx,
  broker: string,
  brokerOrderId: string,
): Promise<OrderRow | undefined> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('broker', '=', broker)
    .where('broker_order_id', '=', brokerOrderId)
    .orderBy('created_at_ms', 'desc')
    .executeTakeFirst();
}

export interface NewOrder {
  readonly clientOrderId: string;
  readonly broker: string;
  readonly account: string | undefined;
  readonly strategy: string | undefined;
  readonly instrument: Instrument | undefined;
  readonly side: OrderSide;
  readonly quantity: string;
  readonly orderType: OrderType;
  readonly limitPrice: string | undefined;
  readonly stopPrice: string | undefined;
  readonly tif: TimeInForce;
  readonly outsideRth: boolean;
  readonly requestHash: string;
}

/**
 * Inserts a new order in state `accepted` or `denied` together with its first event, in ONE statement (no
 * transaction needed). A concurrent insert of the same clientOrderId fails with a unique violation: the caller
 * treats that as a duplicate. `extra` sets further columns in the same statement (a denial's stored reply).
 */
export async function insertOrder<K extends 'accepted' | 'denied'>(
  db: Db | Trx,
  o: NewOrder,
  kind: K,
  body: EventBody<K>,
  nowMs: number,
  extra: Pick<Partial<OrderRow>, 'submit_reply'> = {},
): Promise<OrderRow> {
  const row: OrderRow = {
    client_order_id: o.clientOrderId,
    broker: o.broker,
    account: o.account ?? UNKNOWN_ACCOUNT,
    strategy: o.strategy ?? null,
    instrument_id: o.instrument?.id ?? null,
    instrument: o.instrument === undefined ? null : JSON.stringify(o.instrument),
    side: o.side,
    quantity: o.quantity,
    order_type: o.orderType,
    limit_price: o.limitPrice ?? null,
    stop_price: o.stopPrice ?? null,
    tif: o.tif,
    outside_rth: o.outsideRth,
    state: kind,
    filled_qty: '0',
    fill_notional: '0',
    broker_order_id: null,
    perm_id: null,
    last_seq: 1,
    request_hash: o.requestHash,
    submit_reply: null,
    created_at_ms: String(nowMs),
    updated_at_ms: String(nowMs),
    broker_acked_at_ms: null,
    cancel_requested_at_ms: null,
    last_rejection: null,
    view: null,
    ...extra,
  };
  const { row: ev, event } = eventRow(row, kind, body, { nowMs, tsEventMs: nowMs }, 1);
  row.last_rejection = storedRejection(event) ?? null;
  const view = startOrderView(event);
  row.view = view === undefined ? null : JSON.stringify(view);
  // The order's row in a CTE: the foreign key of its event is checked at the end of the statement, when both exist.
  await db
    .with('o', (q) => q.insertInto('orders').values(row).returning('client_order_id'))
    .insertInto('order_events')
    .values(ev)
    .execute();
  return { ...row, instrument: o.instrument ?? null };
}

export interface AppendOptions {
  readonly nowMs: number;
  /** Source time of the fact (broker time for broker events). */
  readonly tsEventMs: number;
  /** Column changes applied with the event (state, filled_qty, ...). A state change is checked against the table. */
  readonly patch?: Partial<Omit<OrderRow, 'client_order_id' | 'last_seq'>>;
  /** Further columns computed from the row as it will be after this event, written in the same statement. */
  readonly derive?: (next: OrderRow) => Partial<Omit<OrderRow, 'client_order_id' | 'last_seq'>>;
  /** A further condition of the order's update (appendEventIfUnchanged: DeferredFlush's DEFER_COMMIT). */
  readonly alsoWhere?: Expression<SqlBool>;
}

/** The stored row of event number `seq` of `order`, validated against its contract (a bad event never lands). */
function eventRow<K extends OrderEventKind>(
  order: OrderRow,
  kind: K,
  body: EventBody<K>,
  opts: { nowMs: number; tsEventMs: number },
  seq: number,
) {
  const event = parseOrThrow(
    ORDER_EVENT_SCHEMAS[kind],
    {
      v: 1,
      eventId: randomUUID(),
      clientOrderId: order.client_order_id,
      seq,
      broker: order.broker,
      account: order.account,
      ...(order.strategy === null ? {} : { strategy: order.strategy }),
      tsEventMs: opts.tsEventMs,
      tsInitMs: opts.nowMs,
      kind,
      ...body,
    },
    `order event ${kind}`,
  ) as OrderEvent;
  const row = {
    event_id: event.eventId,
    client_order_id: order.client_order_id,
    seq,
    kind,
    subject: Subjects.orderEvent.build({ broker: order.broker, account: order.account, kind }),
    payload: JSON.stringify(event),
    created_at_ms: String(opts.nowMs),
  };
  return { row, event };
}

/**
 * The next event of an order and the order's new columns (state patch, last_seq, rejection, and the view folded one
 * more event — in the same statement as the event itself, no read of the order's events); checks the transition.
 * Shared by the locking path (appendEvent) and the one-statement path (appendEventIfUnchanged).
 */
function nextEvent<K extends OrderEventKind>(order: OrderRow, kind: K, body: EventBody<K>, opts: AppendOptions) {
  const to = opts.patch?.state as OrderState | undefined;
  if (to !== undefined && to !== order.state) assertTransition(order.state as OrderState, to);
  const seq = order.last_seq + 1;
  const { row: ev, event } = eventRow(order, kind, body, opts, seq);
  const rejection = storedRejection(event);
  const before = toOrderView(order);
  const view = before === undefined ? startOrderView(event) : applyOrderEvent(before, event);
  const changes = {
    ...opts.patch,
    last_seq: seq,
    updated_at_ms: String(opts.nowMs),
    ...(rejection === undefined ? {} : { last_rejection: rejection }),
    ...(view === undefined ? {} : { view: JSON.stringify(view) }),
  };
  const patch = opts.derive === undefined ? changes : { ...changes, ...opts.derive({ ...order, ...changes }) };
  return { ev, patch };
}

/** Appends one event to a locked order and applies `patch`; returns the updated row. */
export async function appendEvent<K extends OrderEventKind>(
  trx: Trx,
  order: OrderRow,
  kind: K,
  body: EventBody<K>,
  opts: AppendOptions,
): Promise<OrderRow> {
  const { ev, patch } = nextEvent(order, kind, body, opts);
  // One statement (a data-modifying CTE): the event row and the order's new columns in a single round trip.
  await trx
    .with('ev', (q) => q.insertInto('order_events').values(ev).returning('id'))
    .updateTable('orders')
    .set(patch)
    .where('client_order_id', '=', order.client_order_id)
    .execute();
  return { ...order, ...patch };
}

/**
 * appendEvent without a transaction or a row lock: ONE statement that applies the event only when the order is
 * still exactly as the caller last saw it (`order`: same state, same last_seq, still without a broker order id).
 * The order update and the event insert are one data-modifying statement, so both land or neither; a concurrent
 * writer that got there first (a broker event, a remembered cancel) holds the row lock until it commits, after
 * which this statement re-checks its condition against the new row and changes nothing. Returns the row as stored
 * after the event, or undefined when the order had moved on (the caller then takes the locking path).
 * Why: the place reply is the hot path of a submit; BEGIN, SELECT ... FOR UPDATE, the change and COMMIT were four
 * round trips (each a loopback write plus a scheduler turn on a busy machine), this is one.
 */
export async function appendEventIfUnchanged<K extends OrderEventKind>(
  db: Db,
  order: OrderRow,
  kind: K,
  body: EventBody<K>,
  opts: AppendOptions,
): Promise<OrderRow | undefined> {
  const { ev, patch } = nextEvent(order, kind, body, opts);
  // The event row is selected from the update's result, so it exists only when the update matched. Explicit
  // casts: in INSERT ... SELECT the parameters are not typed by the target columns.
  const stored = await db
    .with('o', (q) =>
      q
        .updateTable('orders')
        .set(patch)
        .where('client_order_id', '=', order.client_order_id)
        .where('state', '=', order.state)
        .where('last_seq', '=', order.last_seq)
        .where('broker_order_id', 'is', null)
        .$if(opts.alsoWhere !== undefined, (q) => q.where(opts.alsoWhere as Expression<SqlBool>))
        .returningAll(),
    )
    .with('ev', (q) =>
      q
        .insertInto('order_events')
        .columns(['event_id', 'client_order_id', 'seq', 'kind', 'subject', 'payload', 'created_at_ms'])
        .expression((eb) =>
          eb
            .selectFrom('o')
            .select([
              sql<string>`${ev.event_id}::text`.as('event_id'),
              'o.client_order_id',
              sql<number>`${ev.seq}::integer`.as('seq'),
              sql<string>`${ev.kind}::text`.as('kind'),
              sql<string>`${ev.subject}::text`.as('subject'),
              sql<unknown>`${ev.payload}::jsonb`.as('payload'),
              sql<string>`${ev.created_at_ms}::bigint`.as('created_at_ms'),
            ]),
        )
        .returning('id'),
    )
    .selectFrom('o')
    .selectAll()
    .executeTakeFirst();
  return stored === undefined ? undefined : (stored as OrderRow);
}

/** The refusal a denied or rejected event records on its order (OrderView.lastRejection), as stored JSON. */
function storedRejection(event: OrderEvent): string | undefined {
  const rejection = orderRejectionOf(event);
  return rejection === undefined ? undefined : JSON.stringify(rejection);
}

/** Sets columns without an event (broker ids, the stored submit reply). */
export async function patchOrder(db: Db | Trx, clientOrderId: string, patch: Partial<OrderRow>): Promise<void> {
  await db.updateTable('orders').set(patch).where('client_order_id', '=', clientOrderId).execute();
}

export function isOpenRow(row: OrderRow): boolean {
  return !isFinalOrderState(row.state as OrderState);
}

function instrumentOf(row: OrderRow): Instrument | undefined {
  const v = row.instrument;
  if (v === null || v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as Instrument;
}

/**
 * The OMS view of an order: the fold of its events (contracts order-fold.ts) as stored with the latest one;
 * undefined when it was denied before its instrument was known.
 */
export function toOrderView(row: OrderRow): OrderView | undefined {
  const v = row.view;
  if (v === null || v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as OrderView;
}

/** Instrument of a stored row (for events that carry it). */
export function rowInstrument(row: OrderRow): Instrument | undefined {
  return instrumentOf(row);
}
