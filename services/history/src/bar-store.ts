import type { BarData } from '@trading-system/contracts';
import { insertMany, type Kysely, sql } from '@trading-system/storage';
import { barSizeMs } from './chunk-plan.js';
import { type Range, splitCovered, union } from './coverage.js';
import type { HistoryDb } from './db-types.js';
import type { SeriesKey } from './series.js';

/** The key columns of a series' rows. */
interface SeriesColumns {
  readonly broker: string;
  readonly con_id: number;
  readonly bar_size: string;
  readonly what_to_show: string;
  readonly use_rth: boolean;
}

/** The stored row of one bar of a series. */
function barRow(k: SeriesColumns, b: BarData) {
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

  private seriesWhere(s: SeriesKey): SeriesColumns {
    return {
      broker: s.broker,
      con_id: s.conId,
      bar_size: s.timeframe,
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
      await insertMany<HistoryDb, 'bars'>(
        trx,
        'bars',
        inside.map((b) => barRow(k, b)),
        { schema: this.schema, onConflictDoNothing: true },
      );
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
      const inserted = await trx
        .insertInto('bars')
        .values(barRow(k, b))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
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
   * The packed warm path: bars of `range` in time order, `perChunk` at a time, each chunk one string of packed rows
   * (contracts packed-bars.ts) joined by Postgres from the generated `packed` column. One indexed query per
   * `chunksPerQuery` chunks (keyset: the next page starts after the last bar of the previous one, and is read while
   * the previous is sent), so the first chunk goes out while later ones are still being read. `array(select …
   * order by …)` keeps the index order without the sort an ordered string_agg costs (it spilled to disk at 30k).
   */
  async *packedChunks(
    s: SeriesKey,
    range: Range,
    perChunk: number,
    chunksPerQuery = 3,
  ): AsyncGenerator<{ rows: string; n: number }> {
    const k = this.seriesWhere(s);
    const perPage = perChunk * chunksPerQuery;
    const read = async (from: number): Promise<string> => {
      const page = this.db
        .selectFrom('bars')
        .select('packed')
        .where((eb) => eb.and(k))
        .where('ts_start_ms', '>=', from)
        .where('ts_start_ms', '<', range.endMs)
        .orderBy('ts_start_ms')
        .limit(perPage);
      const r = await this.db
        .selectNoFrom(sql<string>`array_to_string(array(${page}), ';')`.as('rows'))
        .executeTakeFirstOrThrow();
      return r.rows;
    };
    let pending: Promise<string> | undefined = read(range.startMs);
    while (pending !== undefined) {
      const rows: string = await pending;
      pending = undefined;
      if (rows.length === 0) return;
      const cuts: number[] = [];
      for (let i = rows.indexOf(';'); i !== -1; i = rows.indexOf(';', i + 1)) cuts.push(i);
      if (cuts.length + 1 === perPage) {
        // A full page: the next one (after this page's last bar; a row starts with tsStartMs) is read while this
        // one is sent. Its error, if the caller stops early, is nobody's to handle.
        const last = (cuts.at(-1) ?? -1) + 1;
        pending = read(Number(rows.slice(last, rows.indexOf(',', last))) + 1);
        pending.catch(() => undefined);
      }
      // Chunks of perChunk rows, cut at the row separators.
      for (let c = 0, start = 0; start < rows.length; c += perChunk) {
        const end = cuts[c + perChunk - 1] ?? rows.length;
        yield { rows: rows.slice(start, end), n: Math.min(perChunk, cuts.length + 1 - c) };
        start = end + 1;
      }
    }
  }
}
