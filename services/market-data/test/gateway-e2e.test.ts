/**
 * market-data against the real gateway-ib connected to ib-sim over TCP, all on real NATS. The sim streams 200
 * trades/s so ticks are conflated by the gateway the way a busy instrument's are.
 */
import type { Bar, BrokerStatus, FeedHealth, MdSubscribeReply, Tick, Trade } from '@trading-system/contracts';
import { IbConnectionConfig, Subjects } from '@trading-system/contracts';
import { type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { createTestNatsBus, type TestBus, uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, type MdHarness, startMd, testCatalog, testLogger } from './helpers.js';

const AAPL = '265598';
const TUESDAY_1100_ET = Date.parse('2024-03-12T15:00:00Z');

let sim: RunningSim;
let nats: TestBus;
let gateway: Gateway;
let h: MdHarness;
let broker: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, clock: scaledClock(TUESDAY_1100_ET, 1), highRateTicksPerSec: 200 });
  nats = await createTestNatsBus(testCatalog);
  broker = uniqueName('b');
  gateway = await startGateway({
    bus: nats.bus,
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: broker, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
    ],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 } },
  });
  await until(() => gateway.broker(broker)?.conn.isReady === true, 10_000, 'the gateway session');
  h = await startMd({ barGraceMs: 3_000, staleAfterMs: 5_000 }, nats);
}, 30_000);
afterAll(async () => {
  await h?.close();
  await gateway?.stop();
  await nats?.close();
  await sim?.stop();
});

const simLines = () => sim.control.sessions().flatMap((s) => s.marketDataTickerIds).length;
const subscribeVia = (bus: TestBus['bus'], leaseId: string, extra: object = {}) =>
  bus.request<MdSubscribeReply>(
    h.subjects.subscribe,
    { v: 1, leaseId, broker, instrument: { id: AAPL }, ttlMs: 5_000, ...extra },
    { timeoutMs: 10_000 },
  );
const unsubscribe = (leaseId: string) =>
  h.bus.request(h.subjects.unsubscribe, { v: 1, leaseId }, { timeoutMs: 10_000 });

describe('with gateway-ib and ib-sim', () => {
  test('three clients on one instrument hold one IB line; a client killed without unsubscribing frees it at lease end', async () => {
    const clients = await Promise.all([0, 1, 2].map(() => createTestNatsBus(testCatalog)));
    const ids = clients.map(() => uniqueName('c'));
    const replies = await Promise.all(clients.map((c, i) => subscribeVia(c.bus, ids[i] ?? '')));
    for (const r of replies) expect(r).toMatchObject({ ok: true, instrument: { id: AAPL, symbol: 'AAPL' } });
    // the reply means the gateway queued reqMktData; the sim gets it a moment later
    await until(() => simLines() === 1, 5_000, 'the IB line at the sim');
    expect(gateway.broker(broker)?.marketData.refs(AAPL).ticks).toBe(1);
    await unsubscribe(ids[0] ?? '');
    await unsubscribe(ids[1] ?? '');
    expect(simLines()).toBe(1);
    // the third client dies: its connection goes away without a word
    for (const c of clients) await c.close();
    expect(simLines()).toBe(1);
    h.advance(5_001);
    await until(() => simLines() === 0, 5_000, 'the IB line to close after the lease expired');
    expect(gateway.broker(broker)?.marketData.refs(AAPL).ticks).toBe(0);
    h.advance(-5_001); // back to real time: the bar timer of the next tests runs on the same clock as the ticks
  }, 30_000);

  test('bars built from the exact trades equal bars computed independently from the same trades; volume changes of the quotes are not guessed into trades', async () => {
    const leaseId = uniqueName('bars');
    const trades = collect<Trade>(h.bus, Subjects.mdTrade.build({ broker, instrument: AAPL }));
    const bars = collect<Bar>(h.bus, Subjects.mdBar.filter({ broker, instrument: AAPL }));
    const r = await subscribeVia(h.bus, leaseId, { timeframes: ['1s', '2s', '5s'], ttlMs: 60_000 });
    expect(r).toMatchObject({ ok: true });
    // gateway-ib announces its trades; market-data passes the subject on to its client
    expect(r.ok && r.subjects).toContain(Subjects.mdTrade.build({ broker, instrument: AAPL }));
    expect(h.md.lines().get(`${broker}/${AAPL}`)?.exactTrades).toBe(true);
    await bars.count(2, (b) => b.timeframe === '5s', 20_000);
    trades.stop();
    bars.stop();
    await unsubscribe(leaseId);
    expect(trades.seen.length).toBeGreaterThan(5);
    let compared = 0;
    for (const tf of ['1s', '2s', '5s']) {
      const tfMs = Number.parseInt(tf, 10) * 1000;
      const expected = referenceBars(trades.seen, tfMs);
      const got = bars.seen.filter((b) => b.timeframe === tf);
      expect(got.length).toBeGreaterThan(0);
      for (const b of got) {
        const want = expected.get(b.tsStartMs);
        expect(want, `${tf} bar at ${b.tsStartMs}`).toBeDefined();
        expect({ ...b, tsInitMs: 0 }).toEqual({ ...want, tsInitMs: 0, broker, instrumentId: AAPL, timeframe: tf });
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  }, 40_000);

  test('after a sim nightly reset (every session dropped) the cache recovers and the bars mark the gap', async () => {
    const leaseId = uniqueName('reset');
    const status = collect<BrokerStatus>(h.bus, Subjects.brokerStatus.build({ broker }));
    const health = collect<FeedHealth>(h.bus, Subjects.mdHealth.build({ broker, instrument: AAPL }));
    const bars = collect<Bar>(h.bus, Subjects.mdBar.build({ timeframe: '1s', broker, instrument: AAPL }));
    expect((await subscribeVia(h.bus, leaseId, { timeframes: ['1s'], ttlMs: 60_000 })).ok).toBe(true);
    await bars.next((b) => !b.gap, 10_000, 'a clean bar before the reset');
    const line = h.md.lines().get(`${broker}/${AAPL}`);
    const resetAt = Date.now();
    sim.control.dropAll();
    await status.next((s) => s.state === 'disconnected', 10_000, 'the gateway to report the drop');
    await health.next((m) => m.state === 'down', 5_000, 'the line marked down');
    // one producer of md.health: every message is market-data's (gateway-ib publishes none; only market-data counts ticks)
    expect(health.seen.every((m) => m.ticksPerSec !== undefined)).toBe(true);
    await until(() => line?.state === 'live', 15_000, 'ticks to flow again');
    const gapBar = await bars.next((b) => b.gap && b.tsEndMs > resetAt, 15_000, 'a bar flagged gap');
    expect(gapBar.complete).toBe(true);
    await bars.next((b) => !b.gap && b.tsStartMs > gapBar.tsStartMs, 15_000, 'clean bars after the reset');
    const snap = await h.bus.request<{
      ok: boolean;
      items: Array<{ ok: boolean; state?: string; ageMs?: number; tick?: Tick }>;
    }>(h.subjects.snapshot, { v: 1, broker, instruments: [{ id: AAPL }], cachedOnly: true }, { timeoutMs: 5_000 });
    expect(snap.items[0]).toMatchObject({ ok: true, state: 'live' });
    expect(snap.items[0]?.tick?.tsEventMs ?? 0).toBeGreaterThan(resetAt);
    expect(snap.items[0]?.ageMs ?? 1e9).toBeLessThan(2_000);
    status.stop();
    health.stop();
    bars.stop();
    await unsubscribe(leaseId);
  }, 60_000);
});

/**
 * The reference: the documented rules written the plain way. Every exact trade counts, at its price, size and
 * `tsEventMs`; bucket = floor(t / tf) (these timeframes divide the half hour, so the 09:30 session grid is the epoch
 * grid); a trade older than the newest bucket is dropped. The last bucket is left out (it may still be open).
 */
function referenceBars(
  trades: readonly Trade[],
  tfMs: number,
): Map<number, Omit<Bar, 'broker' | 'instrumentId' | 'timeframe'>> {
  const out = new Map<number, Omit<Bar, 'broker' | 'instrumentId' | 'timeframe'>>();
  let newest = Number.NEGATIVE_INFINITY;
  for (const t of trades) {
    const size = Number(t.size);
    const start = Math.floor(t.tsEventMs / tfMs) * tfMs;
    if (start < newest) continue;
    const b = out.get(start);
    if (b === undefined) {
      out.set(start, {
        v: 1,
        complete: true,
        tsInitMs: 0,
        tsStartMs: start,
        tsEndMs: start + tfMs,
        open: t.price,
        high: t.price,
        low: t.price,
        close: t.price,
        volume: String(size),
        count: 1,
        gap: false,
      });
      newest = start;
    } else {
      if (Number(t.price) > Number(b.high)) b.high = t.price;
      if (Number(t.price) < Number(b.low)) b.low = t.price;
      b.close = t.price;
      b.volume = String(Number(b.volume) + size);
      b.count = (b.count ?? 0) + 1;
    }
  }
  out.delete(newest);
  return out;
}
