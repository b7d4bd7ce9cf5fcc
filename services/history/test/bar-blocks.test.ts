/**
 * Bar blocks (issue 21.3): the packed warm read comes from one row per series × block span, rebuilt from `bars` in
 * the transaction that adds bars to it. Blocks always equal the bars they are derived from: after chunks written
 * concurrently into shared blocks, after live bars filling a hole or extending a block, and after the migration
 * fills them for bars an earlier version stored. Pure parts on their own; storage on PGlite and Postgres.
 */
import { type BarData, countPackedBars, packBars, unpackBars } from '@trading-system/contracts';
import { insertMany, type Kysely, migrateToLatest } from '@trading-system/storage';
import { openPgliteTestDatabase, openPgTestDatabase, type TestDatabase } from '@trading-system/testkit';
import { afterAll, describe, expect, test } from 'vitest';
import {
  absoluteTimes,
  BARS_PER_BLOCK,
  blockSpanMs,
  blockStart,
  type PackedRun,
  regroup,
  trimRows,
} from '../src/bar-blocks.js';
import { BarStore, barRow } from '../src/bar-store.js';
import { migrations } from '../src/migrations/index.js';
import type { SeriesKey } from '../src/series.js';
import { DAY, HOUR, MIN, NOW, syntheticBars } from './helpers.js';

const dbs: TestDatabase<unknown>[] = [];
afterAll(async () => {
  for (const d of dbs) await d.close();
});

async function collect<T>(runs: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of runs) out.push(r);
  return out;
}

async function* runsOf(runs: readonly PackedRun[]): AsyncGenerator<PackedRun> {
  yield* runs;
}

describe('pure', () => {
  test('a block of 1-minute bars is a UTC day; blocks are floored before 1970 too', () => {
    expect(blockSpanMs('1m')).toBe(DAY);
    expect(blockSpanMs('5s')).toBe(2 * HOUR);
    expect(blockSpanMs('1mo')).toBe(31 * 1_440 * DAY);
    expect(blockStart(NOW, DAY)).toBe(NOW - 21 * HOUR);
    expect(blockStart(-1, DAY)).toBe(-DAY);
    expect(blockStart(-DAY, DAY)).toBe(-DAY);
  });

  test('trimRows keeps the rows starting inside the range, the first one with its times spelled out', () => {
    // Minute bars with a break (a two-hour session, a pause, then five-minute bars): times left out, and not.
    const bars = [
      ...syntheticBars(NOW - 2 * HOUR, NOW - 30 * MIN, MIN),
      ...syntheticBars(NOW - 25 * MIN, NOW, 5 * MIN),
    ];
    const run = { rows: packBars(bars, true), n: bars.length };
    expect(run.rows.startsWith(`${bars[0]?.tsStartMs},${bars[0]?.tsEndMs},`)).toBe(true);
    expect(run.rows).toContain(';,,');
    for (const [from, to] of [
      [NOW - 2 * HOUR, NOW],
      [NOW - 90 * MIN, NOW - 30 * MIN],
      [NOW - 90 * MIN + 1, NOW - 30 * MIN + 1],
      [0, NOW - 119 * MIN],
      [NOW - MIN, NOW + DAY],
      [NOW, NOW + DAY],
      [0, NOW - 3 * HOUR],
    ] as const) {
      const kept = bars.filter((b) => b.tsStartMs >= from && b.tsStartMs < to);
      expect(trimRows(run, from, to)).toEqual({ rows: packBars(kept, true), n: kept.length });
      // Absolute rows are delta rows too.
      expect(trimRows({ rows: packBars(bars), n: bars.length }, from, to)).toEqual({
        rows: packBars(kept),
        n: kept.length,
      });
    }
  });

  test('absoluteTimes spells out every time of delta rows', () => {
    const bars = [...syntheticBars(NOW - 3 * DAY, NOW, MIN), ...syntheticBars(NOW, NOW + 2 * DAY, HOUR)];
    expect(absoluteTimes(packBars(bars, true))).toBe(packBars(bars));
    expect(absoluteTimes('')).toBe('');
  });

  test('regroup makes full chunks of whole and cut runs, every row once and in order', async () => {
    const bars = syntheticBars(NOW - 3 * DAY, NOW, MIN);
    const byDay = new Map<number, BarData[]>();
    for (const b of bars)
      byDay.set(blockStart(b.tsStartMs, DAY), [...(byDay.get(blockStart(b.tsStartMs, DAY)) ?? []), b]);
    const runs = [...byDay.values()].map((d) => ({ rows: packBars(d, true), n: d.length }));
    for (const perChunk of [1, 7, 389, 390, 391, 1_000, 5_000]) {
      const chunks = await collect(regroup(runsOf(runs), perChunk));
      // Each chunk reads on its own in the delta form (a cut run's rest spells its first row's times).
      let at = 0;
      for (const c of chunks) {
        const read: BarData[] = [];
        unpackBars(c.parts.join(';'), read);
        expect(countPackedBars(c.parts.join(';'), true)).toBe(c.n);
        expect(read).toEqual(bars.slice(at, at + c.n));
        at += c.n;
      }
      expect(at).toBe(bars.length);
      expect(chunks.map((c) => c.n)).toEqual(
        Array.from({ length: Math.ceil(bars.length / perChunk) }, (_, i) =>
          Math.min(perChunk, bars.length - i * perChunk),
        ),
      );
      expect(chunks.every((c) => c.parts.join(';').split(';').length === c.n)).toBe(true);
    }
  });
});

const series = (broker: string, timeframe = '1m'): SeriesKey => ({
  broker,
  instrumentId: '265598',
  timeframe,
  whatToShow: 'TRADES',
  useRth: false,
});

/**
 * The packed warm read of `range` equals the bars stored in it, as `bars` holds them: each chunk a valid delta-form
 * string on its own, decoding to its share of them, and no longer than their delta form.
 */
async function expectBlocksMatch(store: BarStore, s: SeriesKey, startMs: number, endMs: number): Promise<number> {
  const stored = await store.bars(s, { startMs, endMs });
  const chunks = await collect(store.packedChunks(s, { startMs, endMs }, 1_000, 2));
  const read: BarData[] = [];
  let bytes = 0;
  for (const c of chunks) {
    const rows = c.parts.join(';');
    expect(countPackedBars(rows, true)).toBe(c.n);
    unpackBars(rows, read);
    bytes += rows.length;
  }
  expect(read).toEqual(stored);
  expect(bytes).toBeLessThanOrEqual(packBars(stored, true).length + chunks.length * 30);
  return stored.length;
}

async function openStore(
  kind: 'pg' | 'pglite',
): Promise<{ store: BarStore; db: TestDatabase<unknown>; schema: string }> {
  const db = kind === 'pg' ? await openPgTestDatabase<unknown>() : await openPgliteTestDatabase<unknown>();
  dbs.push(db);
  const schema = db.newSchema('hist');
  await migrateToLatest(db.db as never, { schema, migrations });
  return { store: new BarStore(db.db.withSchema(schema) as never, schema), db, schema };
}

describe('blocks follow the bars', () => {
  test('chunks written at once into shared blocks leave every block whole (Postgres)', async () => {
    const { store } = await openStore('pg');
    const s = series('blk');
    // Twelve 7-hour chunks across four UTC days, all in flight together: most blocks get bars from two of them.
    const from = NOW - 4 * DAY;
    const chunks = Array.from({ length: 12 }, (_, i) => ({
      startMs: from + i * 7 * HOUR,
      endMs: from + (i + 1) * 7 * HOUR,
    }));
    await Promise.all(chunks.map((c) => store.storeChunk(s, c, syntheticBars(c.startMs, c.endMs, MIN))));
    const n = await expectBlocksMatch(store, s, from, from + 84 * HOUR);
    expect(n).toBe(syntheticBars(from, from + 84 * HOUR, MIN).length);
    // Edges inside blocks, and a chunk stored again (its bars already there) changes nothing.
    await expectBlocksMatch(store, s, from + 17 * HOUR + 3 * MIN, from + 62 * HOUR + 1);
    await store.storeChunk(s, chunks[3] as never, syntheticBars(chunks[3]?.startMs ?? 0, chunks[3]?.endMs ?? 0, MIN));
    await expectBlocksMatch(store, s, from, from + 84 * HOUR);
  });

  for (const kind of ['pglite', 'pg'] as const)
    test(`live bars filling a hole or extending a block are in the packed read (${kind})`, async () => {
      const { store } = await openStore(kind);
      const s = series('live');
      const day = blockStart(NOW, DAY);
      const bars = syntheticBars(day + 14 * HOUR, day + 15 * HOUR, MIN);
      // A chunk with a hole at minutes 10-19, then live bars into the hole, after the chunk and in the next block.
      const hole = (b: BarData) =>
        b.tsStartMs >= day + 14 * HOUR + 10 * MIN && b.tsStartMs < day + 14 * HOUR + 20 * MIN;
      await store.storeChunk(
        s,
        { startMs: day + 14 * HOUR, endMs: day + 15 * HOUR },
        bars.filter((b) => !hole(b)),
      );
      for (const b of bars.filter(hole)) expect(await store.storeLiveBar(s, b)).toBe(true);
      const next = { ...(bars.at(-1) as BarData), tsStartMs: day + 15 * HOUR, tsEndMs: day + 15 * HOUR + MIN };
      expect(await store.storeLiveBar(s, next)).toBe(true);
      const tomorrow = { ...next, tsStartMs: day + DAY, tsEndMs: day + DAY + MIN };
      expect(await store.storeLiveBar(s, tomorrow)).toBe(true);
      expect(await store.storeLiveBar(s, { ...next, close: '1' })).toBe(false);
      expect(await expectBlocksMatch(store, s, day, day + 2 * DAY)).toBe(bars.length + 2);
    }, 120_000); // PGlite's first start in a worker takes tens of seconds on a busy machine

  test('blocks of 5-second bars hold at most 1,440 bars and cut into chunks across blocks', async () => {
    const { store } = await openStore('pglite');
    const s = series('secs', '5s');
    const start = blockStart(NOW, 2 * HOUR) - HOUR;
    const bars: BarData[] = [];
    for (let t = start; t < start + 3 * HOUR; t += 5_000)
      bars.push({
        tsStartMs: t,
        tsEndMs: t + 5_000,
        open: '1',
        high: '2',
        low: '0.5',
        close: '1.5',
        volume: '7',
        gap: false,
      });
    await store.storeChunk(s, { startMs: start, endMs: start + 3 * HOUR }, bars);
    expect(await expectBlocksMatch(store, s, start, start + 3 * HOUR)).toBe(bars.length);
    expect(await expectBlocksMatch(store, s, start + 1_234, start + 2 * HOUR + 5_000)).toBe(BARS_PER_BLOCK);
  }, 120_000);
});

describe('migration 0006-bar-blocks', () => {
  for (const kind of ['pglite', 'pg'] as const)
    test(`fills the blocks of the bars an earlier version stored (${kind})`, async () => {
      const database = kind === 'pg' ? await openPgTestDatabase<unknown>() : await openPgliteTestDatabase<unknown>();
      dbs.push(database);
      const schema = database.newSchema('hist');
      // biome-ignore lint/suspicious/noExplicitAny: the tables of an earlier version
      const db = database.db as Kysely<any>;
      await migrateToLatest(db, {
        schema,
        migrations: Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0006')),
      });
      // Rows as the earlier version wrote them: two series, minute bars over three days and hourly bars.
      const rows = (s: SeriesKey, token: string, bars: readonly BarData[]) =>
        bars.map((b) =>
          barRow(
            {
              broker: s.broker,
              con_id: Number(s.instrumentId),
              bar_size: token,
              what_to_show: s.whatToShow,
              use_rth: s.useRth,
            },
            b,
          ),
        );
      const minutes = series('old');
      const hours = series('old', '1h');
      await insertMany(db, 'bars', rows(minutes, '1m', syntheticBars(NOW - 3 * DAY, NOW, MIN)), { schema });
      await insertMany(db, 'bars', rows(hours, '1h', syntheticBars(NOW - 100 * DAY, NOW, HOUR)), { schema });

      expect(await migrateToLatest(db, { schema, migrations })).toContain('0006-bar-blocks');
      const store = new BarStore(db.withSchema(schema) as never, schema);
      expect(await expectBlocksMatch(store, minutes, NOW - 3 * DAY, NOW)).toBe(3 * 390);
      expect(await expectBlocksMatch(store, hours, NOW - 100 * DAY, NOW)).toBe(
        syntheticBars(NOW - 100 * DAY, NOW, HOUR).length,
      );
    }, 120_000);
});
