/**
 * Hour bars from IB sit on a grid from local midnight in the exchange's time zone, the first of a session starting at
 * its open (a US stock's first 3-hour RTH bar is 09:30–12:00, then 12:00–15:00, 15:00–18:00), as IB sends them and
 * ib-sim builds them. IB sends only a bar's start: its end is the grid's next boundary, never start + size (09:30 +
 * 3 h = 12:30 would overlap the 12:00 bar). Real socket to ib-sim, real NATS.
 */
import { randomUUID } from 'node:crypto';
import { type FetchHistoryReply, Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AAPL, type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const HOUR = 3_600_000;
/** Monday 2024-03-11 00:00 New York (EDT, UTC−4) and the midnight after. */
const MONDAY = Date.parse('2024-03-11T04:00:00Z');
const TUESDAY = MONDAY + 24 * HOUR;
const at = (utc: string) => Date.parse(`2024-03-11T${utc}:00Z`);

const bars = async (timeframe: string, useRth: boolean) => {
  const r = await h.bus.request<FetchHistoryReply>(
    Subjects.brokerCommand.build({ broker: h.broker, verb: 'fetchHistory' }),
    {
      v: 1,
      requestId: randomUUID(),
      instrument: { id: AAPL },
      startMs: MONDAY,
      endMs: TUESDAY,
      timeframe,
      whatToShow: 'TRADES',
      useRth,
    },
    { timeoutMs: 30_000 },
  );
  if (!r.ok) throw new Error(`fetchHistory refused: ${r.code} ${r.message}`);
  return r.bars.map((b) => [b.tsStartMs, b.tsEndMs] as const);
};

/** No bar ends after the next one starts. */
const overlaps = (spans: ReadonlyArray<readonly [number, number]>) =>
  spans.slice(1).filter(([start], i) => start < (spans[i]?.[1] ?? 0));

describe('hour bars on the session grid', () => {
  test('3-hour RTH bars: 09:30–12:00, 12:00–15:00, 15:00–18:00 New York, none overlapping', async () => {
    const spans = await bars('3h', true);
    expect(spans).toEqual([
      [at('13:30'), at('16:00')],
      [at('16:00'), at('19:00')],
      [at('19:00'), at('22:00')],
    ]);
    expect(overlaps(spans)).toEqual([]);
  });

  test('3-hour extended-hours bars: from the 04:00 open on the 3-hour grid of New York midnight', async () => {
    const spans = await bars('3h', false);
    expect(spans.map(([s]) => s)).toEqual(['08:00', '10:00', '13:00', '16:00', '19:00', '22:00'].map(at));
    // Every end on the grid (03:00, 06:00, … New York), so no bar overlaps the next.
    for (const [, end] of spans) expect((end - MONDAY) % (3 * HOUR)).toBe(0);
    expect(spans[0]).toEqual([at('08:00'), at('10:00')]);
    expect(overlaps(spans)).toEqual([]);
  });

  test('1-hour RTH bars: the first is the half hour 09:30–10:00', async () => {
    const spans = await bars('1h', true);
    expect(spans[0]).toEqual([at('13:30'), at('14:00')]);
    expect(spans[1]).toEqual([at('14:00'), at('15:00')]);
    expect(overlaps(spans)).toEqual([]);
  });
});
