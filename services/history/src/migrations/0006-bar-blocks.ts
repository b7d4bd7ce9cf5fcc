import { type Kysely, sql } from '@trading-system/storage';

/**
 * Bar blocks (bar-blocks.ts): one row per series × block span holding the packed rows of its bars in time order,
 * so a warm read of a year of 1-minute bars is ~250 rows instead of ~100k. `bars` stays the truth: a block is
 * rebuilt from it in the transaction that adds bars to its span. Filled here from the bars already stored.
 *
 * block_ms: start of the span (a multiple of the span since the epoch); first_ms / last_ms: tsStartMs of its first
 * and last bar; n: its bar count; rows: `bars.packed` of its bars joined by ';' in tsStartMs order.
 */
// A block spans 1,440 bar lengths of its series' timeframe token (`<n>s|m|h|d|w|mo`; any month counted as 31
// days), as bar-blocks.ts computes it at this version.
const SPAN = sql`(substring(b.bar_size from '^[0-9]+')::bigint * case substring(b.bar_size from '[a-z]+$')
  when 's' then 1000 when 'm' then 60000 when 'h' then 3600000 when 'd' then 86400000 when 'w' then 604800000
  end * 1440)`;
const MONTH_SPAN = sql`(2678400000::bigint * 1440)`;

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
  await sql`
    insert into bar_blocks (broker, con_id, bar_size, what_to_show, use_rth, block_ms, first_ms, last_ms, n, rows)
    select broker, con_id, bar_size, what_to_show, use_rth, ts_start_ms - ((ts_start_ms % span) + span) % span,
           min(ts_start_ms), max(ts_start_ms), count(*), string_agg(packed, ';' order by ts_start_ms)
      from (select b.*, case when b.bar_size ~ '^[0-9]+mo$' then ${MONTH_SPAN} else ${SPAN} end as span
              from bars b) b
     group by 1, 2, 3, 4, 5, 6`.execute(db);
}
