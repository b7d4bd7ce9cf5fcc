import { type Kysely, sql } from '@trading-system/storage';

/**
 * Broker order ids are opaque strings since this version (contracts BrokerOrderId), no longer IB's integers: the
 * columns that hold them become text, each stored integer its decimal string, so every order stays findable by the
 * id its broker reports. IB's 0 meant "no id": in orders that was NULL already; in external_orders, whose key needs
 * a value, it becomes '' (what the OMS now writes for an absent id). The stored submit reply (the order view an
 * idempotent resubmit gets back) is rewritten the same way. Event payloads are not touched: order_events are
 * append-only (0005) and readers take their integers as strings (contracts RecordedBrokerOrderId).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table orders
      alter column broker_order_id type text using broker_order_id::text,
      alter column perm_id type text using perm_id::text`.execute(db);
  await sql`
    alter table external_orders
      alter column perm_id type text using case when perm_id = 0 then '' else perm_id::text end,
      alter column order_id type text using case when order_id = 0 then '' else order_id::text end`.execute(db);
  for (const field of ['brokerOrderId', 'permId']) {
    const path = `{order,${field}}`;
    await sql`
      update orders set submit_reply = jsonb_set(submit_reply, ${path}::text[], to_jsonb(submit_reply #>> ${path}::text[]))
      where jsonb_typeof(submit_reply #> ${path}::text[]) = 'number'`.execute(db);
  }
}
