import { type Kysely, sql } from '@trading-system/storage';

/**
 * Each bar's BarData JSON, computed once when the bar is stored (a generated column), so the warm path only
 * concatenates stored text: building it per request cost more than the range scan itself.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table bars add column json text generated always as (
      '{"tsStartMs":' || ts_start_ms::text || ',"tsEndMs":' || ts_end_ms::text ||
      ',"open":"' || open::text || '","high":"' || high::text || '","low":"' || low::text ||
      '","close":"' || close::text || '","volume":"' || volume::text || '"' ||
      coalesce(',"wap":"' || wap::text || '"', '') || coalesce(',"count":' || count::text, '') ||
      ',"gap":' || gap::text || '}'
    ) stored`.execute(db);
}
