import { type Kysely, sql } from '@trading-system/storage';

/**
 * Orders by broker and instrument id: `orders.positions` names each position's instrument from an order of it, and
 * `orders.list` filters by instrumentId. Without an index each was a scan of the whole ledger (24 ms per position
 * with 300,000 orders when the instrument's only order was the newest, so an account holding fifty such positions
 * waited over a second for its positions); with it, 0.03 ms.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index orders_instrument on orders (broker, instrument_id)`.execute(db);
}
