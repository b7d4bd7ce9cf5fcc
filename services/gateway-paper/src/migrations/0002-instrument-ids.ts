import { type Kysely, sql } from '@trading-system/storage';

/**
 * Instruments are named by an opaque string id since this version (contracts InstrumentId), no longer by IB's
 * integer conId. The books' con_id columns become instrument_id text (each integer its decimal string: the id the
 * source gateway now gives that instrument), and the stored instruments get `id` for `conId`. The core snapshot in
 * `state` keeps its integer keys: those are the exchange core's own (instrument-keys.ts maps ids to them, a decimal
 * id to its integer, so the snapshot stays valid as it is).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['instruments', 'orders', 'executions', 'positions']) {
    await sql`alter table ${sql.table(table)} rename column con_id to instrument_id`.execute(db);
    await sql`alter table ${sql.table(table)} alter column instrument_id type text using instrument_id::text`.execute(
      db,
    );
  }
  await sql`
    update instruments set instrument = (instrument - 'conId') || jsonb_build_object('id', instrument->>'conId')
    where instrument ? 'conId'`.execute(db);
}
