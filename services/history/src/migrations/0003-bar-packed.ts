import { type Kysely, sql } from '@trading-system/storage';

/**
 * Each bar's row of the packed chunk form (contracts packed-bars.ts: `tsStartMs,tsEndMs,open,high,low,close,volume,
 * wap,count,gap`), computed once when the bar is stored, so a packed warm read is one string_agg per chunk.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table bars add column packed text generated always as (
      ts_start_ms::text || ',' || ts_end_ms::text || ',' || open::text || ',' || high::text || ',' || low::text ||
      ',' || close::text || ',' || volume::text || ',' || coalesce(wap::text, '') || ',' ||
      coalesce(count::text, '') || ',' || (case when gap then '1' else '0' end)
    ) stored`.execute(db);
}
