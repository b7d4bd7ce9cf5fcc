import { type Kysely, sql } from '@trading-system/storage';

/**
 * Stored order events are keyed like their JetStream msg-id (contracts `orderEventMsgId`): by broker and eventId.
 * The read model derives each order's row and trades from all of its stored events from now on; an earlier version
 * acknowledged events of orders it had no row for yet without applying them, so the service folds every stored
 * order again at its next start (`read_model.folded_version` below 1: app.ts), and records that it did.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table order_events drop constraint order_events_pkey, add primary key (broker, event_id)`.execute(db);
  await sql`alter table read_model add column folded_version integer not null default 0`.execute(db);
}
