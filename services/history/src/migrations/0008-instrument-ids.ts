import { type Kysely, sql } from '@trading-system/storage';

/**
 * Instruments are named by an opaque string id since this version (contracts InstrumentId), no longer by IB's
 * integer conId: every con_id column becomes instrument_id text, each stored integer its decimal string — the id
 * gateway-ib assigns to the same contract, so every cached bar, coverage range, order and trade stays found under
 * the id its broker now reports. The stored instruments and order views are rewritten the same way (`conId` →
 * `id`). order_events keep their payloads as written: readers take a legacy `conId` as the id (contracts
 * readingLegacyConId), like the read model's replay of the ORDERS stream does.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['bars', 'coverage', 'instruments', 'orders', 'trades', 'bar_blocks']) {
    await sql`alter table ${sql.table(table)} rename column con_id to instrument_id`.execute(db);
    await sql`alter table ${sql.table(table)} alter column instrument_id type text using instrument_id::text`.execute(
      db,
    );
  }
  await sql`
    update instruments set instrument = (instrument - 'conId') || jsonb_build_object('id', instrument->>'conId')
    where instrument ? 'conId'`.execute(db);
  await sql`
    update orders set view = jsonb_set(view, '{instrument}',
      ((view->'instrument') - 'conId') || jsonb_build_object('id', view->'instrument'->>'conId'))
    where (view->'instrument') ? 'conId'`.execute(db);
}
