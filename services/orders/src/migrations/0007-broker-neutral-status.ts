import { type Kysely, sql } from '@trading-system/storage';

/**
 * Broker order statuses are the contract's BrokerOrderState since this version, no longer IB's words. The state
 * that is kept current (external_orders.status, the last status of an order someone placed outside the OMS) is
 * rewritten into the new words. The event trail is not: order_events are append-only (migration 0005) and the
 * ORDERS stream holding the same events cannot be rewritten, so readers accept the old words there instead
 * (contracts recorded-broker-status.ts). The word list is frozen here as the version before wrote it.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update external_orders set status = case status
      when 'ApiPending' then 'pendingSubmit'
      when 'PendingSubmit' then 'pendingSubmit'
      when 'PreSubmitted' then 'held'
      when 'Submitted' then 'working'
      when 'PendingCancel' then 'pendingCancel'
      when 'ApiCancelled' then 'cancelled'
      when 'Cancelled' then 'cancelled'
      when 'Filled' then 'filled'
      when 'Inactive' then 'rejected'
      else status end`.execute(db);
}
