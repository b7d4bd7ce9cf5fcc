import { type Kysely, sql } from '@trading-system/storage';

/**
 * Instruments are named by an opaque string id since this version (contracts InstrumentId), no longer by IB's
 * integer conId: the con_id columns become instrument_id text, each stored integer its decimal string — the id
 * gateway-ib assigns to the same contract, so every order, fill and position stays found under the id its broker
 * now reports (the key of a position is unchanged in meaning). The stored instruments (orders.instrument, the
 * submit reply's order view, an external order's broker order) are rewritten the same way (`conId` → `id`). Event
 * payloads and flagged executions are not touched: order_events are append-only (0005) and readers take a legacy
 * `conId` as the id (contracts readingLegacyConId), as they take old integer broker order ids (0008).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['orders', 'fills', 'broker_positions']) {
    await sql`alter table ${sql.table(table)} rename column con_id to instrument_id`.execute(db);
    await sql`alter table ${sql.table(table)} alter column instrument_id type text using instrument_id::text`.execute(
      db,
    );
  }
  // The instrument object at `path` (a fixed jsonb path) in column `json` with its conId renamed to id. The
  // parentheses matter: `#>` and `->` bind looser than `-`.
  const renamed = (json: string, path: string) =>
    sql.raw(`((${json} #> '{${path}}') - 'conId') || jsonb_build_object('id', ${json} #>> '{${path},conId}')`);
  await sql`
    update orders set instrument = (instrument - 'conId') || jsonb_build_object('id', instrument->>'conId')
    where instrument ? 'conId'`.execute(db);
  await sql`
    update orders set submit_reply = jsonb_set(submit_reply, '{order,instrument}',
      ${renamed('submit_reply', 'order,instrument')})
    where (submit_reply #> '{order,instrument}') ? 'conId'`.execute(db);
  await sql`
    update external_orders set order_json = jsonb_set(order_json, '{instrument}', ${renamed('order_json', 'instrument')})
    where (order_json->'instrument') ? 'conId'`.execute(db);
  await sql`
    update broker_positions set position = (position - 'conId') || jsonb_build_object('instrumentId', position->>'conId')
    where position ? 'conId'`.execute(db);
}
