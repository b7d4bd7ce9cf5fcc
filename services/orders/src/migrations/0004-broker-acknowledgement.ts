import { type Kysely, sql } from '@trading-system/storage';

/**
 * An order is `submitted` only once the broker acknowledged it, and reconciliation may resolve an order the broker
 * never received as rejected (NEVER_REACHED_BROKER). Both need to know whether the broker ever reported the order:
 * `broker_acked_at_ms` is set by the first broker fact about it (open order, status, execution). A cancel asked
 * for an order without a broker order id yet is remembered in `cancel_requested_at_ms` until it can be sent.
 * Rows written before: an order the OMS held as working (or with fills) was taken as at the broker then, so it
 * counts as acknowledged (its absence from a snapshot stays a mismatch for an operator, as before).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column broker_acked_at_ms bigint, add column cancel_requested_at_ms bigint`.execute(
    db,
  );
  await sql`update orders set broker_acked_at_ms = updated_at_ms
    where state in ('submitted', 'partiallyFilled', 'pendingCancel', 'filled', 'cancelled', 'expired')
       or filled_qty > 0`.execute(db);
}
