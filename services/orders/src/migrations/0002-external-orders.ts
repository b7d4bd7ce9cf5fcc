import { type Kysely, sql } from '@trading-system/storage';

/** Orders at the broker that the OMS did not place (typed into TWS): recorded for visibility, never managed. */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table external_orders (
      broker text not null,
      perm_id bigint not null,
      order_id integer not null,
      account text not null,
      status text not null,
      order_json jsonb not null,
      updated_at_ms bigint not null,
      primary key (broker, perm_id, order_id)
    )`.execute(db);
}
