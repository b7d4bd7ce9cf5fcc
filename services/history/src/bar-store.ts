import type { BarData } from '@trading-system/contracts';
import { insertMany, type Kysely, sql } from '@trading-system/storage';
import { blockSpanMs, blockStart, type PackedParts, type PackedRun, regroup, trimRows } from './bar-blocks.js';
import { barSizeMs } from './chunk-plan.js';
import { type Range, splitCovered, union } from './coverage.js';
import type { HistoryDb } from './db-types.js';
import type { SeriesKey } from './series.js';

/** The key columns of a series' rows. */
interface SeriesColumns {
  readonly broker: string;
  readonly instrument_id: string;
  readonly bar_size: string;
  readonly what_to_show: string;
  readonly use_rth: boolean;
}

/**
 * The stored row of one bar of a series, after its key columns `k` (exported for tests that write rows with an
 * earlier version's key columns).
 */
export function barRow<K extends object = SeriesColumns>(k: K, b: BarData) {
  return {
    ...k,
    ts_start_ms: b.tsStartMs,
    ts_end_ms: b.tsEndMs,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    wap: b.wap ?? null,
    count: b.count ?? null,
    gap: b.gap,
  };
}

type Trx = Kysely<HistoryDb>;

/** Blocks read by the first page of a packed read (see blockRuns). */
const FIRST_PAGE_BLOCKS = 4;

/**
 * Bars and coverage of cached series. A chunk's bars, the blocks they fall in (bar-blocks.ts) and its coverage row
 * are written in ONE transaction, so a crash never leaves coverage claiming bars that are not there (a restarted
 * download refetches only what no committed chunk covers), nor a block that lacks a stored bar.
 */
export class BarStore {
  constructor(
    private readonly db: Kysely<HistoryDb>,
    private readonly schema: string,
  ) {}

  private seriesWhere(s: SeriesKey): SeriesColumns {
    return {
      broker: s.broker,
      instrument_id: s.instrumentId,
      bar_size: s.timeframe,
      what_to_show: s.whatToShow,
      use_rth: s.useRth,
    };
  }

  /**
   * Serialises writers of the blocks holding bars that start in [firstMs, lastMs] until this transaction ends:
   * a block is rebuilt from the committed bars of its span, so a second writer must see the first one's bars
   * (read committed: it does once the first commits). Taken before any bar is written, in ascending block order,
   * so two writers of overlapping spans queue instead of deadlocking.
   */
  private async lockBlocks(trx: Trx, s: SeriesKey, firstMs: number, lastMs: number): Promise<void> {
    const span = blockSpanMs(s.timeframe);
    const key = `${this.schema}/${s.broker}/${s.instrumentId}/${s.timeframe}/${s.whatToShow}/${s.useRth}/`;
    await sql`
      select pg_advisory_xact_lock(hashtextextended(${key} || b::text, 0))
        from generate_series(${blockStart(firstMs, span)}::bigint, ${blockStart(lastMs, span)}::bigint, ${span}::bigint) b`.execute(
      trx,
    );
  }

  /** Rebuilds, from `bars`, the blocks holding bars that start in [firstMs, lastMs] (under lockBlocks). */
  private async rebuildBlocks(trx: Trx, s: SeriesKey, firstMs: number, lastMs: number): Promise<void> {
    const k = this.seriesWhere(s);
    const span = blockSpanMs(s.timeframe);
    const lo = blockStart(firstMs, span);
    const hi = blockStart(lastMs, span) + span;
    // Each block's rows in the delta form (contracts packed-bars.ts): a time that follows from the row before in
    // the block is left empty, so its first row spells both. Migration 0009 builds the same (a frozen copy).
    await sql`
      insert into ${sql.table(`${this.schema}.bar_blocks`)}
             (broker, instrument_id, bar_size, what_to_show, use_rth, block_ms, first_ms, last_ms, n, rows)
      select broker, instrument_id, bar_size, what_to_show, use_rth, block_ms,
             min(ts_start_ms), max(ts_start_ms), count(*), string_agg(row, ';' order by ts_start_ms)
        from (select broker, instrument_id, bar_size, what_to_show, use_rth, block_ms, ts_start_ms,
                     case when ts_start_ms = lag(ts_end_ms) over w then '' else ts_start_ms::text end || ',' ||
                     case when ts_end_ms - ts_start_ms = lag(ts_end_ms - ts_start_ms) over w then ''
                          else ts_end_ms::text end ||
                     regexp_replace(packed, '^[0-9]+,[0-9]+', '') as row
                from (select *, ts_start_ms - ((ts_start_ms % ${span}::bigint) + ${span}::bigint) % ${span}::bigint
                               as block_ms
                        from ${sql.table(`${this.schema}.bars`)}
                       where broker = ${k.broker} and instrument_id = ${k.instrument_id} and bar_size = ${k.bar_size}
                         and what_to_show = ${k.what_to_show} and use_rth = ${k.use_rth}
                         and ts_start_ms >= ${lo}::bigint and ts_start_ms < ${hi}::bigint) b
              window w as (partition by block_ms order by ts_start_ms)) r
       group by 1, 2, 3, 4, 5, 6
      on conflict (broker, instrument_id, bar_size, what_to_show, use_rth, block_ms) do update
         set first_ms = excluded.first_ms, last_ms = excluded.last_ms, n = excluded.n, rows = excluded.rows`.execute(
      trx,
    );
  }

  /**
   * A live bar later than every bar of its block is appended to the block's rows in place (under lockBlocks),
   * instead of the block being rebuilt from up to a whole block of `bars` rows on every live bar. False when the
   * block does not exist yet or the bar falls before its last one (a hole filled): the caller rebuilds it.
   */
  private async appendToBlock(trx: Trx, s: SeriesKey, b: BarData, packed: string): Promise<boolean> {
    const { tsStartMs, tsEndMs } = b;
    // The delta form: its times left empty when they follow from the block's last bar (read from `bars`).
    const k = this.seriesWhere(s);
    const times = sql<string>`coalesce((
      select case when p.ts_end_ms = ${tsStartMs}::bigint then '' else ${String(tsStartMs)} end || ',' ||
             case when p.ts_end_ms - p.ts_start_ms = ${tsEndMs - tsStartMs}::bigint then '' else ${String(tsEndMs)} end
        from ${sql.table(`${this.schema}.bars`)} p
       where p.broker = ${k.broker} and p.instrument_id = ${k.instrument_id} and p.bar_size = ${k.bar_size}
         and p.what_to_show = ${k.what_to_show} and p.use_rth = ${k.use_rth}
         and p.ts_start_ms = ${sql.ref('bar_blocks.last_ms')}), ${`${tsStartMs},${tsEndMs}`})`;
    const tail = packed.slice(packed.indexOf(',', packed.indexOf(',') + 1));
    const r = await trx
      .updateTable('bar_blocks')
      .set((eb) => ({
        rows: sql<string>`${sql.ref('rows')} || ';' || ${times} || ${tail}`,
        last_ms: tsStartMs,
        n: eb('n', '+', 1),
      }))
      .where((eb) => eb.and(this.seriesWhere(s)))
      .where('block_ms', '=', blockStart(tsStartMs, blockSpanMs(s.timeframe)))
      .where('last_ms', '<', tsStartMs)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Known-empty ranges (no bars: closed, holiday, halt) overlapping `range`, merged. */
  async emptyRanges(s: SeriesKey, range: Range): Promise<Range[]> {
    const k = this.seriesWhere(s);
    const rows = await this.db
      .selectFrom('coverage')
      .select(['start_ms', 'end_ms'])
      .where((eb) => eb.and(k))
      .where('bar_count', '=', 0)
      .where('start_ms', '<', range.endMs)
      .where('end_ms', '>', range.startMs)
      .execute();
    return union(rows.map((r) => ({ startMs: Number(r.start_ms), endMs: Number(r.end_ms) })));
  }

  /** Coverage ranges overlapping `range` (not merged). */
  async coverage(s: SeriesKey, range: Range): Promise<Range[]> {
    const k = this.seriesWhere(s);
    const rows = await this.db
      .selectFrom('coverage')
      .select(['start_ms', 'end_ms'])
      .where((eb) => eb.and(k))
      .where('start_ms', '<', range.endMs)
      .where('end_ms', '>', range.startMs)
      .execute();
    return rows.map((r) => ({ startMs: Number(r.start_ms), endMs: Number(r.end_ms) }));
  }

  /** Stores the bars of one fetched chunk (only those starting inside it) and marks the chunk covered. */
  async storeChunk(s: SeriesKey, chunk: Range, bars: readonly BarData[]): Promise<number> {
    const k = this.seriesWhere(s);
    const inside = bars
      .filter((b) => b.tsStartMs >= chunk.startMs && b.tsStartMs < chunk.endMs)
      .sort((a, b) => a.tsStartMs - b.tsStartMs);
    await this.db.transaction().execute(async (trx) => {
      const first = inside[0];
      const last = inside.at(-1);
      if (first !== undefined && last !== undefined) await this.lockBlocks(trx, s, first.tsStartMs, last.tsStartMs);
      await insertMany<HistoryDb, 'bars'>(
        trx,
        'bars',
        inside.map((b) => barRow(k, b)),
        { schema: this.schema, onConflictDoNothing: true },
      );
      if (first !== undefined && last !== undefined) await this.rebuildBlocks(trx, s, first.tsStartMs, last.tsStartMs);
      const spans = splitCovered(
        chunk,
        inside.map((b) => b.tsStartMs),
        barSizeMs(s.timeframe),
      );
      await trx
        .insertInto('coverage')
        .values(spans.map((sp) => ({ ...k, start_ms: sp.startMs, end_ms: sp.endMs, bar_count: sp.bars })))
        .execute();
    });
    return inside.length;
  }

  /**
   * Stores one completed live bar (built by market-data) unless the series already has a bar at that time — a
   * broker's own bar is never replaced — and marks its span covered: the coverage row ending where this bar starts
   * is extended, so a steady live feed adds one row per uninterrupted run, not one per bar. Returns whether the
   * bar was new.
   */
  async storeLiveBar(s: SeriesKey, b: BarData): Promise<boolean> {
    const k = this.seriesWhere(s);
    return this.db.transaction().execute(async (trx) => {
      await this.lockBlocks(trx, s, b.tsStartMs, b.tsStartMs);
      const inserted = await trx
        .insertInto('bars')
        .values(barRow(k, b))
        .onConflict((oc) => oc.doNothing())
        .returning('packed')
        .executeTakeFirst();
      if (inserted?.packed === undefined) return false;
      if (!(await this.appendToBlock(trx, s, b, inserted.packed)))
        await this.rebuildBlocks(trx, s, b.tsStartMs, b.tsStartMs);
      const extended = await trx
        .updateTable('coverage')
        .set((eb) => ({ end_ms: b.tsEndMs, bar_count: eb('bar_count', '+', 1) }))
        .where((eb) => eb.and(k))
        .where('end_ms', '=', b.tsStartMs)
        .where('bar_count', '>', 0)
        .executeTakeFirst();
      if (Number(extended.numUpdatedRows) === 0)
        await trx
          .insertInto('coverage')
          .values({ ...k, start_ms: b.tsStartMs, end_ms: b.tsEndMs, bar_count: 1 })
          .execute();
      return true;
    });
  }

  /** Bars with tsStartMs in `range`, in time order, as objects (resampling, CSV). */
  async bars(s: SeriesKey, range: Range): Promise<BarData[]> {
    const k = this.seriesWhere(s);
    const rows = await this.db
      .selectFrom('bars')
      .select(['ts_start_ms', 'ts_end_ms', 'open', 'high', 'low', 'close', 'volume', 'wap', 'count', 'gap'])
      .where((eb) => eb.and(k))
      .where('ts_start_ms', '>=', range.startMs)
      .where('ts_start_ms', '<', range.endMs)
      .orderBy('ts_start_ms')
      .execute();
    return rows.map((r) => {
      const bar: BarData = {
        tsStartMs: Number(r.ts_start_ms),
        tsEndMs: Number(r.ts_end_ms),
        open: r.open,
        high: r.high,
        low: r.low,
        close: r.close,
        volume: r.volume,
        gap: r.gap,
      };
      if (r.wap !== null) bar.wap = r.wap;
      if (r.count !== null) bar.count = r.count;
      return bar;
    });
  }

  /**
   * The warm path: bars of `range` already serialised as JSON by Postgres, `perGroup` bars per string, each string
   * the comma-separated bar objects of one chunk (exactly the BarData JSON the schema describes, numerics as
   * stored, from the generated `json` column). One indexed range query; no per-bar object is built in JS.
   */
  async barsJsonGroups(s: SeriesKey, range: Range, perGroup: number): Promise<{ json: string; n: number }[]> {
    const k = this.seriesWhere(s);
    // Plain ordered index scan of one text column; grouping in SQL (row_number + string_agg) sorted on disk.
    const rows = await this.db
      .selectFrom('bars')
      .select('json')
      .where((eb) => eb.and(k))
      .where('ts_start_ms', '>=', range.startMs)
      .where('ts_start_ms', '<', range.endMs)
      .orderBy('ts_start_ms')
      .execute();
    const groups: { json: string; n: number }[] = [];
    for (let i = 0; i < rows.length; i += perGroup) {
      const slice = rows.slice(i, i + perGroup);
      groups.push({ json: slice.map((r) => r.json).join(','), n: slice.length });
    }
    return groups;
  }

  /**
   * The packed warm path: bars of `range` in time order, `perChunk` per chunk (the last may have fewer), each chunk
   * the delta-form rows (contracts packed-bars.ts) of whole blocks and cut ones, as parts to be joined by ';'; only the first and last block are trimmed to
   * the range. Blocks are read `blocksPerPage` rows per query (keyset on block_ms), the next page while the
   * previous one is sent, so the first chunk goes out while later ones are still being read.
   */
  packedChunks(s: SeriesKey, range: Range, perChunk: number, blocksPerPage = 64): AsyncGenerator<PackedParts> {
    return regroup(this.blockRuns(s, range, blocksPerPage), perChunk);
  }

  /** Bars of the blocks a packed read of `range` reads (at least as many as it sends: its edges are trimmed). */
  async blockBarsAtMost(s: SeriesKey, range: Range): Promise<number> {
    const r = await this.db
      .selectFrom('bar_blocks')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('n'), sql<string>`0`).as('n'))
      .where((eb) => eb.and(this.seriesWhere(s)))
      .where('block_ms', '>=', blockStart(range.startMs, blockSpanMs(s.timeframe)))
      .where('block_ms', '<', range.endMs)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * The first page is small (FIRST_PAGE_BLOCKS): the first chunk goes out after a few blocks are read instead of
   * a whole page, so the client starts decoding while the rest is still being read.
   */
  private async *blockRuns(s: SeriesKey, range: Range, blocksPerPage: number): AsyncGenerator<PackedRun> {
    const k = this.seriesWhere(s);
    const read = (fromBlockMs: number, limit: number) =>
      this.db
        .selectFrom('bar_blocks')
        .select(['block_ms', 'first_ms', 'last_ms', 'n', 'rows'])
        .where((eb) => eb.and(k))
        .where('block_ms', '>=', fromBlockMs)
        .where('block_ms', '<', range.endMs)
        .orderBy('block_ms')
        .limit(limit)
        .execute();
    let limit = Math.min(FIRST_PAGE_BLOCKS, blocksPerPage);
    let pending: ReturnType<typeof read> | undefined = read(blockStart(range.startMs, blockSpanMs(s.timeframe)), limit);
    while (pending !== undefined) {
      const page = await pending;
      pending = undefined;
      const lastBlock = page.at(-1);
      if (page.length === limit && lastBlock !== undefined) {
        // A full page: the next one is read while this one is sent. Its error, if the caller stops early, is
        // nobody's to handle.
        limit = blocksPerPage;
        pending = read(Number(lastBlock.block_ms) + 1, limit);
        pending.catch(() => undefined);
      }
      for (const b of page) {
        const run = { rows: b.rows, n: b.n };
        if (Number(b.first_ms) >= range.startMs && Number(b.last_ms) < range.endMs) yield run;
        else yield trimRows(run, range.startMs, range.endMs);
      }
    }
  }
}
