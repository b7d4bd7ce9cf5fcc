import { randomUUID } from 'node:crypto';
import type { FetchHistoryReply } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AAPL, type Harness, startHarness, TUESDAY_1100_ET } from './helpers.js';

/** ib-sim and the gateway's queue shrink IB's pacing windows by the same factor (10 min → 5 s). */
const SCALE = 120;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    sim: { pacing: { timeScale: SCALE } },
    brokerOptions: { historyPacing: { timeScale: SCALE, marginMs: 150 } },
  });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

/** One fetchHistory of `spanMs` (default a minute) back from `endMs` (default now). */
const fetchHistory = (
  { spanMs = 60_000, ...body }: { spanMs?: number; endMs?: number } & Record<string, unknown>,
  timeoutMs = 30_000,
) =>
  h.bus.request<FetchHistoryReply>(
    Subjects.brokerCommand.build({ broker: h.broker, verb: 'fetchHistory' }),
    {
      v: 1,
      requestId: randomUUID(),
      instrument: { id: AAPL },
      startMs: (body.endMs ?? Date.now()) - spanMs,
      timeframe: '5s',
      whatToShow: 'TRADES',
      useRth: false,
      ...body,
    },
    { timeoutMs },
  );

describe('fetchHistory', () => {
  test('61 small-bar requests are all served, with zero pacing errors from ib-sim', async () => {
    const queue = h.gateway.broker(h.broker)?.history;
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 61 }, (_, i) => fetchHistory({ endMs: TUESDAY_1100_ET - i * 60_000 })),
    );
    const elapsed = Date.now() - started;
    const failures = replies.filter((r) => !r.ok);
    expect(failures).toEqual([]);
    for (const r of replies) {
      if (!r.ok) continue;
      expect(r.bars).toHaveLength(12);
      expect(r.bars.every((b) => b.tsEndMs - b.tsStartMs === 5_000)).toBe(true);
    }
    expect(queue?.stats.pacingViolations).toBe(0);
    expect(queue?.stats.sent).toBeGreaterThanOrEqual(61);
    // The 61st had to wait for the (scaled) 10-minute window: proof the queue, not luck, kept IB happy.
    expect(elapsed).toBeGreaterThanOrEqual(600_000 / SCALE - 500);
    const last = replies.at(-1);
    expect(last?.ok && last.queuedMs).toBeGreaterThan(1_000);
  }, 30_000);

  test('identical requests in flight share one IB request; a repeat within 15 s is served from it', async () => {
    const queue = h.gateway.broker(h.broker)?.history;
    const sent = queue?.stats.sent ?? 0;
    const body = { endMs: TUESDAY_1100_ET - 3 * 3_600_000, timeframe: '1h', spanMs: 86_400_000 };
    const [a, b] = await Promise.all([fetchHistory(body), fetchHistory(body)]);
    expect(a.ok && b.ok).toBe(true);
    expect(a.ok && b.ok && b.bars).toEqual(a.ok && a.bars);
    const c = await fetchHistory(body);
    expect(c.ok && c.bars).toEqual(a.ok && a.bars);
    expect(queue?.stats.sent).toBe(sent + 1);
    expect(queue?.stats.deduplicated).toBeGreaterThanOrEqual(1);
    expect(queue?.stats.servedFromRecent).toBeGreaterThanOrEqual(1);
  });

  test("a request in the domain's terms: bars start in [startMs, endMs); a size IB does not serve is refused", async () => {
    const endMs = TUESDAY_1100_ET - 5 * 3_600_000;
    const startMs = endMs - 37 * 60_000;
    const r = await fetchHistory({ timeframe: '1m', startMs, endMs });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bars).toHaveLength(37);
    expect(r.bars[0]?.tsStartMs).toBe(startMs);
    expect(r.bars.at(-1)?.tsStartMs).toBe(endMs - 60_000);
    const odd = await fetchHistory({ timeframe: '7m', endMs });
    expect(odd).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });

  test('a request IB does not answer in time fails with TIMEOUT, never a partial result', async () => {
    h.sim.control.stallHistorical(true);
    try {
      const r = await fetchHistory({
        endMs: TUESDAY_1100_ET - 7_200_000,
        timeframe: '1m',
        spanMs: 1_800_000,
        timeoutMs: 300,
      });
      expect(r).toMatchObject({ ok: false, code: 'TIMEOUT' });
    } finally {
      h.sim.control.stallHistorical(false);
    }
  });

  test('a disconnect while IB works on the request fails it with BROKER_DISCONNECTED', async () => {
    h.sim.control.stallHistorical(true);
    const conn = h.gateway.broker(h.broker)?.conn;
    const pending = fetchHistory({ endMs: TUESDAY_1100_ET - 9_000_000, timeframe: '1m', spanMs: 1_800_000 });
    await until(() => h.sim.control.openHistoricalRequests > 0, 3_000, 'request at IB');
    const sessions = conn?.sessions ?? 0;
    h.sim.control.dropClient(h.clientId);
    expect(await pending).toMatchObject({ ok: false, code: 'BROKER_DISCONNECTED' });
    h.sim.control.stallHistorical(false);
    await until(() => conn?.sessions === sessions + 1, 5_000, 'reconnected');
  });

  test('IB refusals come back as typed errors', async () => {
    const cash = await fetchHistory({
      instrument: { id: '15016059' },
      whatToShow: 'TRADES',
      timeframe: '1h',
      spanMs: 86_400_000,
      endMs: TUESDAY_1100_ET,
    });
    // IB 162 "No historical market data for EUR/CASH@IDEALPRO Last": no TRADES for forex, say which types work.
    expect(cash).toMatchObject({
      ok: false,
      code: 'HISTORY_DATA_TYPE_REFUSED',
      details: { brokerCode: 162, supported: ['MIDPOINT', 'BID', 'ASK', 'BID_ASK'] },
    });
    // A range in the broker's time (ib-sim's March 2024): a start after its now would be an empty range.
    const unknown = await fetchHistory({ instrument: { id: '999999999' }, endMs: TUESDAY_1100_ET });
    expect(unknown).toMatchObject({ ok: false, code: 'CONTRACT_UNKNOWN' });
  });
});
