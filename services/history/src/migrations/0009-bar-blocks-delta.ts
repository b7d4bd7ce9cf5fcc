import { type Kysely, sql } from '@trading-system/storage';

/**
 * Bar blocks hold their rows in the delta form (contracts packed-bars.ts, `bars-delta` chunks): after a block's
 * first row, a tsStartMs equal to the previous row's tsEndMs and a tsEndMs making the bar as long as the previous
 * one are left empty. The minutes of a session then carry no time at all: a third fewer bytes to read, send,
 * check and decode on every warm read. Every block is rebuilt from `bars` (the truth) in the new form.
 */
// A block spans 1,440 bar lengths of its series' timeframe token (`<n>s|m|h|d|w|mo`; any month counted as 31
// days), as bar-blocks.ts computes it at this version (the same as 0006).
const SPAN = sql`(substring(b.bar_size from '^[0-9]+')::bigint * case substring(b.bar_size from '[a-z]+$')
  when 's' then 1000 when 'm' then 60000 when 'h' then 3600000 when 'd' then 86400000 when 'w' then 604800000
  end * 1440)`;
const MONTH_SPAN = sql`(2678400000::bigint * 1440)`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped db on purpose
export async function up(db: Kysely<any>): Promise<void> {
  await sql`delete from bar_blocks`.execute(db);
  await sql`
    insert into bar_blocks (broker, instrument_id, bar_size, what_to_show, use_rth, block_ms, first_ms, last_ms, n, rows)
    select broker, instrument_id, bar_size, what_to_show, use_rth, block_ms,
           min(ts_start_ms), max(ts_start_ms), count(*), string_agg(row, ';' order by ts_start_ms)
      from (select broker, instrument_id, bar_size, what_to_show, use_rth, block_ms, ts_start_ms,
                   case when ts_start_ms = lag(ts_end_ms) over w then '' else ts_start_ms::text end || ',' ||
                   case when ts_end_ms - ts_start_ms = lag(ts_end_ms - ts_start_ms) over w then ''
                        else ts_end_ms::text end ||
                   regexp_replace(packed, '^[0-9]+,[0-9]+', '') as row
              from (select b.*, ts_start_ms - ((ts_start_ms % span) + span) % span as block_ms
                      from (select b.*, case when b.bar_size ~ '^[0-9]+mo$' then ${MONTH_SPAN} else ${SPAN} end as span
                              from bars b) b) b
            window w as (partition by broker, instrument_id, bar_size, what_to_show, use_rth, block_ms
                         order by ts_start_ms)) r
     group by 1, 2, 3, 4, 5, 6`.execute(db);
}
