/**
 * The cache grows from live data: market-data's completed bars (`md.bar.*`) are stored by history, so a later
 * hist.bars over that span costs no IB request. Real parts: ib-sim over TCP, gateway-ib, market-data and history
 * in-process on real NATS and Postgres.
 */

import { fetchBars } from '@trading-system/clients';
import type { Bar, BarData } from '@trading-system/contracts';
import { type CatalogEntry, catalog, createCatalog, IbConnectionConfig, Subjects } from '@trading-system/contracts';
import { type Gateway, ibCapabilities, start as startGateway } from '@trading-system/gateway-ib';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { type MarketDataService, start as startMarketData } from '@trading-system/market-data';
import {
  createTestNatsBus,
  openPgTestDatabase,
  type TestBus,
  type TestDatabase,
  uniqueName,
  until,
} from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type History, start } from '../src/app.js';
import { BarStore } from '../src/bar-store.js';
import { liveSeriesOf } from '../src/live-bars.js';
import { testLogger } from './helpers.js';

/** What gateway-ib announces about its historical data. */
const IB_HISTORY = ibCapabilities(100).history;
const DAY_MS = 86_400_000;

/** ib-sim's session is open at this instant; ticks are stamped with real time by the gateway. */
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');
const AAPL = '265598';

/** The real catalog plus this file's own market-data request subjects (other files may serve the global ones). */
const MD_REQUESTS = new Set(['md.subscribe', 'md.unsubscribe', 'md.snapshot']);
const testCatalog = createCatalog([
  ...catalog.entries,
  ...catalog.entries
    .filter((e) => MD_REQUESTS.has(e.pattern))
    .map((e): CatalogEntry => ({ ...e, pattern: `*.${e.pattern}` })),
]);

let sim: RunningSim;
let nats: TestBus;
let database: TestDatabase<unknown>;
let gateway: Gateway;
let md: MarketDataService;
let history: History;
let schema: string;
const broker = uniqueName('b');
const mdSubjects = { subscribe: '', unsubscribe: '', snapshot: '' };

beforeAll(async () => {
  sim = await startSim({ port: 0, clock: scaledClock(TUESDAY_1100_ET, 1), highRateTicksPerSec: 50 });
  nats = await createTestNatsBus(testCatalog);
  database = await openPgTestDatabase<unknown>();
  gateway = await startGateway({
    bus: nats.bus,
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: broker, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 9 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 } },
  });
  await until(() => gateway.broker(broker)?.conn.isReady === true, 10_000, 'the IB session');
  Object.assign(mdSubjects, {
    subscribe: nats.subject('md', 'subscribe'),
    unsubscribe: nats.subject('md', 'unsubscribe'),
    snapshot: nats.subject('md', 'snapshot'),
  });
  md = await startMarketData({
    bus: nats.bus,
    logger: testLogger,
    config: { sweepEveryMs: 50, barGraceMs: 2_000 },
    subjects: mdSubjects,
  });
  schema = database.newSchema('hist');
  history = await start({
    bus: nats.bus,
    db: database.db as never,
    logger: testLogger,
    config: {
      schema,
      brokers: [broker],
      // The read model is not under test: the production ORDERS stream (created if missing), this broker only.
      ensureOrdersStream: true,
      ordersStream: 'ORDERS',
      ordersFilterSubject: `orders.evt.${broker}.>`,
      ordersDurable: uniqueName('d'),
    },
  });
}, 30_000);

afterAll(async () => {
  await history?.stop();
  await md?.stop();
  await gateway?.stop();
  await nats?.close();
  await sim?.stop();
  await database?.close();
});

const ohlcv = (b: BarData) => [b.tsStartMs, b.tsEndMs, b.open, b.high, b.low, b.close, Number(b.volume)];

describe('live bars into the history cache', () => {
  test('completed 1s bars from market-data are cached; hist.bars over their span makes no IB request', async () => {
    const published: Bar[] = [];
    const sub = nats.bus.subscribe<Bar>(Subjects.mdBar.build({ timeframe: '1s', broker, instrument: AAPL }), (m) => {
      published.push(m.data);
    });
    const leaseId = uniqueName('lease');
    const reply = await nats.bus.request(
      mdSubjects.subscribe,
      { v: 1, leaseId, broker, instrument: { id: AAPL }, ttlMs: 60_000, timeframes: ['1s'] },
      { timeoutMs: 10_000 },
    );
    expect(reply).toMatchObject({ ok: true });
    await until(() => history.liveBars.stored >= 3, 30_000, 'three live 1s bars in the cache');
    await nats.bus.request(mdSubjects.unsubscribe, { v: 1, leaseId }, { timeoutMs: 10_000 });
    sub.unsubscribe();

    // The bars history stored are exactly the complete, gap-free ones market-data published.
    const stored = published.filter((b) => liveSeriesOf(b, IB_HISTORY) !== undefined).slice(0, history.liveBars.stored);
    expect(stored.length).toBeGreaterThanOrEqual(3);
    const first = stored[0] as Bar;
    const last = stored.at(-1) as Bar;
    const sentBefore = gateway.broker(broker)?.history.stats.sent ?? -1;
    const got = await fetchBars(nats.bus, {
      broker,
      instrument: { id: AAPL },
      barSize: '1 secs',
      whatToShow: 'TRADES',
      useRth: false,
      cachedOnly: false,
      startMs: first.tsStartMs,
      endMs: last.tsEndMs,
    });
    expect(gateway.broker(broker)?.history.stats.sent).toBe(sentBefore);
    expect(got.bars.map(ohlcv)).toEqual(stored.map(ohlcv));
  }, 60_000);

  test("a live bar never replaces the broker's bar at the same time, and its coverage extends the run before it", async () => {
    const store = new BarStore(database.db.withSchema(schema) as never, schema);
    const series = { broker, instrumentId: '1', timeframe: '1m', whatToShow: 'TRADES' as const, useRth: false };
    const t0 = Date.parse('2026-03-10T14:30:00Z');
    const bar = (i: number, close: string): BarData => ({
      tsStartMs: t0 + i * 60_000,
      tsEndMs: t0 + (i + 1) * 60_000,
      open: '10',
      high: '11',
      low: '9',
      close,
      volume: '100',
      gap: false,
    });
    await store.storeChunk(series, { startMs: t0, endMs: t0 + 2 * 60_000 }, [bar(0, '10.5'), bar(1, '10.6')]);
    expect(await store.storeLiveBar(series, bar(1, '99'))).toBe(false);
    expect(await store.storeLiveBar(series, bar(2, '10.7'))).toBe(true);
    expect(await store.storeLiveBar(series, bar(3, '10.8'))).toBe(true);
    const all = await store.bars(series, { startMs: t0, endMs: t0 + 10 * 60_000 });
    expect(all.map((b) => b.close)).toEqual(['10.5', '10.6', '10.7', '10.8']);
    // One run from t0 to the last live bar: the chunk's coverage row was extended, no row per bar.
    const rows = await store.coverage(series, { startMs: t0, endMs: t0 + 10 * 60_000 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({ startMs: t0, endMs: t0 + 4 * 60_000 });
  });

  test('in-progress and gap-flagged bars, and timeframes the broker serves no bars of, are not cached', () => {
    const base: Bar = {
      v: 1,
      broker,
      instrumentId: AAPL,
      timeframe: '1m',
      complete: true,
      tsInitMs: 0,
      tsStartMs: 0,
      tsEndMs: 60_000,
      open: '1',
      high: '1',
      low: '1',
      close: '1',
      volume: '0',
      gap: false,
    };
    expect(liveSeriesOf(base, IB_HISTORY)).toMatchObject({ timeframe: '1m', whatToShow: 'TRADES', useRth: false });
    expect(liveSeriesOf({ ...base, complete: false }, IB_HISTORY)).toBeUndefined();
    expect(liveSeriesOf({ ...base, gap: true }, IB_HISTORY)).toBeUndefined();
    expect(liveSeriesOf({ ...base, timeframe: '7m' }, IB_HISTORY)).toBeUndefined();
    expect(liveSeriesOf({ ...base, timeframe: '1d' }, IB_HISTORY)).toBeUndefined();
    // A broker serving no 1m bars, or one whose announcement is not known: nothing to cache them under.
    expect(liveSeriesOf(base, { bars: [{ timeframe: '5m', maxSpanMs: DAY_MS }] })).toBeUndefined();
    expect(liveSeriesOf(base, undefined)).toBeUndefined();
  });
});
