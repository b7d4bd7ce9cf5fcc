import { type Kysely, sql } from '@trading-system/storage';

/**
 * Broker order ids are opaque strings since this version (contracts BrokerOrderId), no longer IB's integers. The
 * stored order views are handed out as they are (hist.orders), so each integer id in them becomes its decimal
 * string. Stored events are not rewritten: they are the ORDERS stream's as published, and readers take their
 * integers as strings (contracts RecordedBrokerOrderId), a rebuild's fold included.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  for (const field of ['brokerOrderId', 'permId']) {
    const path = `{${field}}`;
    await sql`
      update orders set view = jsonb_set(view, ${path}::text[], to_jsonb(view #>> ${path}::text[]))
      where jsonb_typeof(view #> ${path}::text[]) = 'number'`.execute(db);
  }
}
