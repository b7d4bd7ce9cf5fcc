import { type BarData, IB_BAR_SIZES } from '@trading-system/contracts';
import { insertMany, type Kysely, sql } from '@trading-system/storage';
import { barSizeMs } from './chunk-plan.js';
import { type Range, splitCovered, union } from './coverage.js';
import type { HistoryDb } from './db-types.js';
import type { SeriesKey } from './series.js';

/**
 * Bars and coverage of cached series. A chunk's bars and its coverage row are written in ONE transaction, so a
 * crash never leaves coverage claiming bars that are not there (a restarted download refetches only what no
 * committed chunk covers).
 */
export class BarStore {
  constructor(
    private readonly db: Kysely<HistoryDb>,
    private readonly schema: string,
  ) {}

  private seriesWhere(s: SeriesKey) {
    return {
      broker: s.broker,
      con_id: s.conId,
      bar_size: IB_BAR_SIZES[s.barSize],
      what_to_show: s.whatToShow,
      use_rth: s.useRth,
    };
  }

  /** Known-empty ranges (no bars: closed, holiday, halt) overlapping `range`, merged. */
  async emptyRanges(s: SeriesKey, range: Range): Promise<Range[]> {
    const k = this.seriesWhere(s);
    const rows = await this.db
      .selectFrom('coverage')
      .select(['start_ms', 'end_ms'])
      .where('broker', '=', k.broker)
      .where('con_id', '=', k.con_id)
      .where('bar_size', '=', k.bar_size)
      .where('what_to_show', '=', k.what_to_show)
      .where('use_rth', '=', k.use_rth)
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
      .where('broker', '=', k.broker)
      .where('con_id', '=', k.con_id)
      .where('bar_size', '=', k.bar_size)
      .where('what_to_show', '=', k.what_to_show)
      .where('use_rth', '=', k.use_rth)
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
      await insertMany<HistoryDb, 'bars'>(
        trx,
        'bars',
        inside.map((b) => ({
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
        })),
        { schema: this.schema, onConflictDoNothing: true },
      );
      const spans = splitCovered(
        chunk,
        inside.map((b) => b.tsStartMs),
        barSizeMs(s.barSize),
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
      const inserted = await trx
        .insertInto('bars')
        .values({
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
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      const extended = await trx
        .updateTable('coverage')
        .set((eb) => ({ end_ms: b.tsEndMs, bar_count: eb('bar_count', '+', 1) }))
        .where('broker', '=', k.broker)
        .where('con_id', '=', k.con_id)
        .where('bar_size', '=', k.bar_size)
        .where('what_to_show', '=', k.what_to_show)
        .where('use_rth', '=', k.use_rth)
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
      .where('broker', '=', k.broker)
      .where('con_id', '=', k.con_id)
      .where('bar_size', '=', k.bar_size)
      .where('what_to_show', '=', k.what_to_show)
      .where('use_rth', '=', k.use_rth)
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
      .where('broker', '=', k.broker)
      .where('con_id', '=', k.con_id)
      .where('bar_size', '=', k.bar_size)
      .where('what_to_show', '=', k.what_to_show)
      .where('use_rth', '=', k.use_rth)
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
   * The packed warm path: bars of `range` in time order, `perChunk` at a time, each chunk one string of packed rows
   * (contracts packed-bars.ts) joined by Postgres from the generated `packed` column. One indexed query per chunk
   * (keyset: the next starts after the last bar of the previous), so the first chunk goes out while later ones
   * are still being read. `array(select … order by …)` keeps the index order without the sort an ordered
   * string_agg costs (it spilled to disk at 30k rows).
   */
  async *packedChunks(
    s: SeriesKey,
    range: Range,
    perChunk: number,
    chunksPerQuery = 3,
  ): AsyncGenerator<{ rows: string; n: number }> {
    const k = this.seriesWhere(s);
    let from = range.startMs;
    for (;;) {
      const page = this.db
        .selectFrom('bars')
        .select('packed')
        .where('broker', '=', k.broker)
        .where('con_id', '=', k.con_id)
        .where('bar_size', '=', k.bar_size)
        .where('what_to_show', '=', k.what_to_show)
        .where('use_rth', '=', k.use_rth)
        .where('ts_start_ms', '>=', from)
        .where('ts_start_ms', '<', range.endMs)
        .orderBy('ts_start_ms')
        .limit(perChunk * chunksPerQuery);
      const { rows } = await this.db
        .selectNoFrom(sql<string>`array_to_string(array(${page}), ';')`.as('rows'))
        .executeTakeFirstOrThrow();
      if (rows.length === 0) return;
      // Cut the page into chunks of perChunk rows at the row separators.
      let start = 0;
      let n = 0;
      let total = 0;
      let i = rows.indexOf(';');
      for (;;) {
        n += 1;
        total += 1;
        if (i === -1 || n === perChunk) {
          yield { rows: i === -1 ? rows.slice(start) : rows.slice(start, i), n };
          if (i === -1) break;
          start = i + 1;
          n = 0;
        }
        i = rows.indexOf(';', i + 1);
      }
      if (total < perChunk * chunksPerQuery) return;
      // The next page starts after this one's last bar (its row starts with tsStartMs).
      const last = rows.lastIndexOf(';') + 1;
      from = Number(rows.slice(last, rows.indexOf(',', last))) + 1;
    }
  }
}
