import { type Kysely, sql } from '@trading-system/storage';

/**
 * The order's view (OrderView, as orders.get / orders.list / command replies show it) is stored with the order and
 * written in the same statement as each of its events: the fold of its events (contracts order-fold.ts), the same
 * derivation history's read model and the SDK use, instead of a second derivation from the row's columns. The
 * column is filled here empty; the fold is code, not SQL, so the service folds existing orders' events at start
 * (order-views.ts) before it serves.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column view jsonb`.execute(db);
}
