/**
 * History across the US change to summer time (Sunday 2024-03-10, New York 02:00 → 03:00), end to end: history →
 * NATS → gateway-ib → TCP → ib-sim, with Postgres. Chunks are cut small (7 hours) so chunk edges fall around the
 * 23-hour Sunday; each edge is on the per-day grid of the instrument's zone, so no bar is cut in two, cached twice or
 * left out: the cold answer equals the broker's own in one request, and the warm one equals the cold one with no
 * request to IB. Resampled bars sit on the session grid both sides of the change (09:30 New York: 14:30 UTC on
 * Friday, 13:30 UTC on Monday) and match what IB serves for the same buckets.
 */
import { randomUUID } from 'node:crypto';
import { fetchBars } from '@trading-system/clients';
import { type BarData, type FetchHistoryReply, type HistBarsQuery, Subjects } from '@trading-system/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resample } from '../src/resample.js';
import { type SimStack, startSimStack } from './sim-stack.js';

const HOUR = 3_600_000;
const z = (iso: string) => Date.parse(`2024-03-${iso}:00Z`);
const AAPL = '265598';
const EUR_USD = '12087792';
/** Friday 2024-03-08 00:00 UTC to Tuesday 2024-03-12 00:00 New York (EDT). */
const FRIDAY = z('08T00:00');
const TUESDAY = z('12T04:00');

let stack: SimStack;
beforeAll(async () => {
  stack = await startSimStack({ simAtMs: z('12T15:00'), history: { maxChunkSpanMs: 7 * HOUR } });
}, 30_000);
afterAll(async () => {
  await stack?.close();
});

const sent = (): number => stack.gateway.broker(stack.broker)?.history.stats.sent ?? -1;
const query = (instrument: string, barSize: string, over: Partial<HistBarsQuery> = {}): HistBarsQuery => ({
  broker: stack.broker,
  instrument: { id: instrument },
  barSize,
  whatToShow: instrument === EUR_USD ? 'MIDPOINT' : 'TRADES',
  useRth: instrument !== EUR_USD,
  cachedOnly: false,
  startMs: FRIDAY,
  endMs: TUESDAY,
  ...over,
});
/** The broker's own answer in one request, past history. */
const direct = async (q: HistBarsQuery, timeframe: string): Promise<BarData[]> => {
  const r = await stack.nats.bus.request<FetchHistoryReply>(
    Subjects.brokerCommand.build({ broker: stack.broker, verb: 'fetchHistory' }),
    {
      v: 1,
      requestId: randomUUID(),
      instrument: q.instrument,
      startMs: q.startMs,
      endMs: q.endMs,
      timeframe,
      whatToShow: q.whatToShow,
      useRth: q.useRth,
    },
    { timeoutMs: 30_000 },
  );
  if (!r.ok) throw new Error(`fetchHistory refused: ${r.code} ${r.message}`);
  return r.bars;
};
const overlaps = (bs: readonly BarData[]) => bs.slice(1).filter((b, i) => b.tsStartMs < (bs[i]?.tsEndMs ?? 0));
const ohlc = (bs: readonly BarData[]) => bs.map((b) => [b.tsStartMs, b.tsEndMs, b.open, b.high, b.low, b.close]);

/** Cold through small chunks, then warm: the same bars, the broker's own, none overlapping, no second request. */
async function coldWarm(q: HistBarsQuery, timeframe: string): Promise<BarData[]> {
  const before = sent();
  const cold = await fetchBars(stack.nats.bus, q);
  const coldSent = sent() - before;
  expect(cold.partial).toBe(false);
  expect(coldSent).toBeGreaterThan(1);
  expect(overlaps(cold.bars)).toEqual([]);
  expect(new Set(cold.bars.map((b) => b.tsStartMs)).size).toBe(cold.bars.length);
  const warm = await fetchBars(stack.nats.bus, q);
  expect(sent() - before).toBe(coldSent);
  expect(warm.bars).toEqual(cold.bars);
  expect(ohlc(cold.bars)).toEqual(ohlc(await direct(q, timeframe)));
  return cold.bars;
}

describe('history across the change to summer time (ib-sim over TCP, Postgres)', () => {
  test('EUR.USD 3-hour bars through the 23-hour Sunday: chunked cold = warm = one broker request', async () => {
    // From Friday 00:00 New York (a range starting inside a bar gets that bar from history, not from IB).
    const bars = await coldWarm(query(EUR_USD, '3 hours', { startMs: z('08T05:00') }), '3h');
    const starts = bars.map((b) => new Date(b.tsStartMs).toISOString().slice(5, 16));
    // Friday on the EST grid (05:00 UTC midnight), Sunday's evening on Sunday's, Monday on the EDT grid.
    expect(starts.slice(0, 2)).toEqual(['03-08T05:00', '03-08T08:00']);
    expect(starts).toContain('03-10T21:15');
    expect(starts).toContain('03-11T04:00');
    expect(starts).toContain('03-11T07:00');
    expect(starts).not.toContain('03-11T05:00');
  }, 60_000);

  test('AAPL 1-hour RTH bars: 09:30 New York opens both days (14:30 UTC Friday, 13:30 UTC Monday)', async () => {
    const bars = await coldWarm(query(AAPL, '1 hour'), '1h');
    expect(bars).toHaveLength(14);
    expect([bars[0]?.tsStartMs, bars[7]?.tsStartMs]).toEqual([z('08T14:30'), z('11T13:30')]);
  }, 60_000);

  test("AAPL 45-minute bars resampled on the session grid match a resample of IB's own 15-minute bars", async () => {
    const q = query(AAPL, '45 mins');
    const before = sent();
    const ours = await fetchBars(stack.nats.bus, q);
    expect(ours.partial).toBe(false);
    expect(sent() - before).toBeGreaterThan(0);
    const grid = { calendar: 'NASDAQ', hours: 'regular' } as const;
    const theirs = resample(await direct(query(AAPL, '15 mins'), '15m'), '45m', grid);
    expect(ohlc(ours.bars)).toEqual(ohlc(theirs));
    // 09:30, 10:15, … 15:45 New York: nine buckets a day, the day's first at the open.
    expect(ours.bars).toHaveLength(18);
    expect([ours.bars[0]?.tsStartMs, ours.bars[9]?.tsStartMs]).toEqual([z('08T14:30'), z('11T13:30')]);
    expect(overlaps(ours.bars)).toEqual([]);
    const warm = await fetchBars(stack.nats.bus, q);
    expect(warm.bars).toEqual(ours.bars);
  }, 60_000);

  test("our 30-minute resample of IB's 1-minute bars is IB's own 30-minute bars, Friday (EST) and Monday (EDT)", async () => {
    for (const [startMs, endMs] of [
      [FRIDAY, z('09T00:00')],
      [z('11T04:00'), TUESDAY],
    ] as const) {
      const minutes = await direct(query(AAPL, '1 min', { startMs, endMs }), '1m');
      const halves = await direct(query(AAPL, '30 mins', { startMs, endMs }), '30m');
      expect(halves).toHaveLength(13);
      const ours = resample(minutes, '30m', { calendar: 'NASDAQ', hours: 'regular' });
      // Same buckets, open and close (ib-sim samples highs and lows per bar size: see gateway-e2e).
      expect(ours.map((b) => [b.tsStartMs, b.tsEndMs, b.open, b.close])).toEqual(
        halves.map((b) => [b.tsStartMs, b.tsEndMs, b.open, b.close]),
      );
    }
  }, 60_000);
});
