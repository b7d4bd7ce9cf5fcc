/**
 * Writing a ledger as an earlier version left it, for the upgrade tests: its schema (the migrations before a named
 * one) and an order's append-only trail with the envelope every event has always had.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import { migrations } from '../src/migrations/index.js';

/** Applies the OMS's migrations named before `first`: the schema as the version without `first` left it. */
export async function migrateBefore(database: Kysely<unknown>, schema: string, first: string): Promise<void> {
  const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < first));
  await migrateToLatest(database, { schema, migrations: before });
}

/**
 * Writes `events` (each its kind and fields, in the old version's words) as the trail of one order, seq 1, 2, …,
 * published (`published: false` leaves them in the outbox, as a crash before publishing would).
 */
export async function writeTrail(
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped, as it wrote them
  s: Kysely<any>,
  order: { readonly clientOrderId: string; readonly broker: string; readonly account: string; readonly atMs: number },
  events: ReadonlyArray<{ readonly kind: string } & Record<string, unknown>>,
  opts: { readonly published?: boolean } = {},
): Promise<void> {
  for (const [i, e] of events.entries()) {
    const eventId = randomUUID();
    const seq = i + 1;
    const payload = {
      ...e,
      v: 1,
      eventId,
      clientOrderId: order.clientOrderId,
      seq,
      broker: order.broker,
      account: order.account,
      tsEventMs: order.atMs,
      tsInitMs: order.atMs,
    };
    await s
      .insertInto('order_events')
      .values({
        event_id: eventId,
        client_order_id: order.clientOrderId,
        seq,
        kind: e.kind,
        subject: `orders.evt.${order.broker}.${e.kind}`,
        payload: JSON.stringify(payload),
        created_at_ms: order.atMs,
        ...(opts.published === false ? {} : { published_at: new Date() }),
      })
      .execute();
  }
}

/**
 * Writes one order's row as the earlier version stored it: a BUY 100 LMT 150 DAY order (the upgrade tests' one
 * order), with the columns that differ from test to test given (ids, instrument, how far it got).
 */
export async function writeOrderRow(
  // biome-ignore lint/suspicious/noExplicitAny: the old version's rows are written untyped, as it wrote them
  s: Kysely<any>,
  row: {
    readonly client_order_id: string;
    readonly broker: string;
    readonly account: string;
    readonly con_id: number | string;
    readonly instrument: unknown;
    readonly state: string;
    readonly filled_qty: string;
    readonly fill_notional: string;
    readonly broker_order_id: string | number;
    readonly perm_id?: string | number;
    readonly last_seq: number;
    readonly submit_reply?: unknown;
    readonly atMs: number;
  },
): Promise<void> {
  const { atMs, instrument, submit_reply, ...columns } = row;
  await s
    .insertInto('orders')
    .values({
      ...columns,
      instrument: JSON.stringify(instrument),
      side: 'BUY',
      quantity: '100',
      order_type: 'LMT',
      limit_price: '150',
      tif: 'DAY',
      outside_rth: false,
      broker_acked_at_ms: atMs,
      request_hash: 'x',
      ...(submit_reply === undefined ? {} : { submit_reply: JSON.stringify(submit_reply) }),
      created_at_ms: atMs,
      updated_at_ms: atMs,
    })
    .execute();
}

/** The `accepted` event of that same order (writeOrderRow's), as every version wrote it. */
export function acceptedEvent(instrument: unknown): { readonly kind: 'accepted' } & Record<string, unknown> {
  return {
    kind: 'accepted',
    instrument,
    side: 'BUY',
    quantity: '100',
    orderType: 'LMT',
    limitPrice: '150',
    tif: 'DAY',
    outsideRth: false,
  };
}
