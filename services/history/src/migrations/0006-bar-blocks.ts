import { type Kysely, sql } from '@trading-system/storage';

/**
 * Bar blocks (bar-blocks.ts): one row per series × block span holding the packed rows of its bars in time order,
 * so a warm read of a year of 1-minute bars is ~250 rows instead of ~100k. `bars` stays the truth: a block is
 * rebuilt from it in the transaction that adds bars to its span. Filled here from the bars already stored.
 *
 * block_ms: start of the span (a multiple of the span since the epoch); first_ms / last_ms: tsStartMs of its first
 * and last bar; n: its bar count; rows: `bars.packed` of its bars joined by ';' in tsStartMs order.
 */
// Span per bar size token (1,440 bar lengths; a month counted as 31 days), as bar-blocks.ts had it at this version.
const SPANS: ReadonlyArray<readonly [string, number]> = [
  ['1s', 1_000],
  ['5s', 5_000],
  ['10s', 10_000],
  ['15s', 15_000],
  ['30s', 30_000],
  ['1m', 60_000],
  ['2m', 120_000],
  ['3m', 180_000],
  ['5m', 300_000],
  ['10m', 600_000],
  ['15m', 900_000],
  ['20m', 1_200_000],
  ['30m', 1_800_000],
  ['1h', 3_600_000],
  ['2h', 7_200_000],
  ['3h', 10_800_000],
  ['4h', 14_400_000],
  ['8h', 28_800_000],
  ['1d', 86_400_000],
  ['1w', 604_800_000],
  ['1mo', 2_678_400_000],
].map(([token, barMs]) => [token as string, (barMs as number) * 1_440] as const);

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table bar_blocks (
      broker text not null,
      con_id integer not null,
      bar_size text not null,
      what_to_show text not null,
      use_rth boolean not null,
      block_ms bigint not null,
      first_ms bigint not null,
      last_ms bigint not null,
      n integer not null,
      rows text not null,
      primary key (broker, con_id, bar_size, what_to_show, use_rth, block_ms)
    )`.execute(db);
  const spans = sql.join(SPANS.map(([token, span]) => sql`(${sql.lit(token)}, ${sql.lit(span)}::bigint)`));
  await sql`
    insert into bar_blocks (broker, con_id, bar_size, what_to_show, use_rth, block_ms, first_ms, last_ms, n, rows)
    select b.broker, b.con_id, b.bar_size, b.what_to_show, b.use_rth,
           b.ts_start_ms - ((b.ts_start_ms % s.span) + s.span) % s.span,
           min(b.ts_start_ms), max(b.ts_start_ms), count(*), string_agg(b.packed, ';' order by b.ts_start_ms)
      from bars b join (values ${spans}) as s (bar_size, span) on s.bar_size = b.bar_size
     group by 1, 2, 3, 4, 5, 6`.execute(db);
}
