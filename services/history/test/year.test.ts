import { fetchBarColumns, fetchBars } from '@trading-system/clients';
import { BarColumnsBuilder } from '@trading-system/contracts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CON_ID, DAY, type Fixture, MIN, NOW, openFixture, syntheticBars } from './helpers.js';

/** One year of 1-minute bars (≈ 100k) through NATS + Postgres: arrives whole in one call, warm path timed. */
let f: Fixture;
beforeAll(async () => {
  f = await openFixture('nats', { fetchConcurrency: 8 });
  await f.startApp();
});
afterAll(async () => {
  await f?.close();
});

test('a year of 1-minute bars: cold back-fill with progress, then a warm answer from one query', async () => {
  const query = {
    broker: f.broker,
    instrument: { id: CON_ID },
    barSize: '1 min',
    whatToShow: 'TRADES' as const,
    useRth: true,
    cachedOnly: false,
    duration: '1 Y',
  };
  let progressMessages = 0;
  const t0 = performance.now();
  const cold = await fetchBars(f.bus, query, { onProgress: () => progressMessages++ });
  const coldMs = performance.now() - t0;
  const expected = syntheticBars(NOW - 366 * DAY, NOW, MIN);
  expect(cold.partial).toBe(false);
  expect(cold.bars.length).toBe(expected.length);
  expect(cold.bars.length).toBeGreaterThan(98_000);
  expect(progressMessages).toBeGreaterThanOrEqual(2);
  const fetches = f.responder.fetches.length;
  expect(fetches).toBe(367);

  const timings: number[] = [];
  let warm = cold;
  for (let i = 0; i < 3; i++) {
    const t1 = performance.now();
    warm = await fetchBars(f.bus, query);
    timings.push(performance.now() - t1);
  }
  expect(f.responder.fetches.length).toBe(fetches);
  expect(warm.bars).toEqual(expected);
  // ~122 packed chunks of 800 (fetchBars' default) and ~100 object chunks of 1,000 give the same year.
  expect((await fetchBars(f.bus, query, { encoding: 'objects' })).bars).toEqual(expected);
  // As columns, decoded chunk by chunk on arrival: the same year, each decimal the double Number() reads from it.
  const want = new BarColumnsBuilder();
  want.appendBars(expected);
  const wanted = want.columns();
  for (const encoding of ['packed', 'objects'] as const) {
    const { columns, partial } = await fetchBarColumns(f.bus, query, { encoding });
    expect(partial).toBe(false);
    expect(columns.length).toBe(expected.length);
    for (const k of ['tsStartMs', 'tsEndMs', 'open', 'high', 'low', 'close', 'volume', 'wap', 'count', 'gap'] as const)
      expect(columns[k].subarray(0, columns.length), `${encoding} ${k}`).toEqual(wanted[k].subarray(0, wanted.length));
    // Packed: the first chunk bounds the stream's bars (its blocks' counts; the two edge blocks are trimmed), so
    // the arrays are sized once instead of doubled past it (131,072).
    if (encoding === 'packed') expect(columns.tsStartMs.length).toBeLessThanOrEqual(expected.length + 2 * 1_440);
  }
  console.log(
    `year of 1m bars: ${warm.bars.length} bars; cold ${Math.round(coldMs)} ms (${fetches} fetches); warm ${timings
      .map(Math.round)
      .join('/')} ms end-to-end, server ${warm.elapsedMs} ms`,
  );
}, 120_000);
