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
