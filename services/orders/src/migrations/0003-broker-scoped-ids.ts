import { type Kysely, sql } from '@trading-system/storage';

/**
 * Broker-side ids (exec ids, event ids, perm ids) are unique only per broker: two ib-sims, or two IB logins, issue
 * the same execution id. The inbox, fills and flagged executions were keyed by the id alone, so a second broker's
 * fill with a colliding id was dropped as a duplicate. Every such key now includes the broker (and, for external
 * orders whose permId IB assigns per account, the account). Existing rows already carry their broker and account,
 * so they keep their identity under the wider keys; nothing is rewritten.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table inbox drop constraint inbox_pkey, add primary key (broker, event_id)`.execute(db);
  await sql`alter table fills drop constraint fills_pkey, add primary key (broker, exec_id)`.execute(db);
  await sql`alter table flagged_executions drop constraint flagged_executions_pkey, add primary key (broker, exec_id)`.execute(
    db,
  );
  await sql`alter table external_orders drop constraint external_orders_pkey, add primary key (broker, account, perm_id, order_id)`.execute(
    db,
  );
}
