/**
 * Hour bars from IB sit on a grid from local midnight in the exchange's time zone, the first of a session starting at
 * its open (a US stock's first 3-hour RTH bar is 09:30–12:00, then 12:00–15:00, 15:00–18:00), as IB sends them and
 * ib-sim builds them. IB sends only a bar's start: its end is the grid's next boundary, never start + size (09:30 +
 * 3 h = 12:30 would overlap the 12:00 bar).
 *
 * Bars around the US change to summer time (Sunday 2024-03-10, New York 02:00 → 03:00): Friday is on EST (UTC−5),
 * Monday on EDT (UTC−4). Bars sit on the exchange's local grid both sides — AAPL's regular session opens 09:30 New
 * York, 14:30 UTC on Friday and 13:30 UTC on Monday — and EUR.USD's session from Sunday 17:15 (the evening of the
 * 23-hour day) keeps to each local day's grid from midnight, so Monday's 3-hour bars start at 00:00, 03:00, … New
 * York, as gateway-ib ends them and history cuts its chunks. No bar overlaps the next. Real socket to ib-sim, real
 * NATS.
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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const EUR_USD = '12087792';
const z = (iso: string) => Date.parse(`2024-03-${iso}:00Z`);
/** Friday 2024-03-08 00:00 UTC, and Tuesday 2024-03-12 00:00 New York (EDT). */
const FRIDAY = z('08T00:00');
const TUESDAY = z('12T04:00');

const bars = async (
  instrument: string,
  timeframe: string,
  opts: { useRth?: boolean; startMs?: number; endMs?: number; whatToShow?: 'TRADES' | 'MIDPOINT' } = {},
) => {
  const r = await h.bus.request<FetchHistoryReply>(
    Subjects.brokerCommand.build({ broker: h.broker, verb: 'fetchHistory' }),
    {
      v: 1,
      requestId: randomUUID(),
      instrument: { id: instrument },
      startMs: opts.startMs ?? FRIDAY,
      endMs: opts.endMs ?? TUESDAY,
      timeframe,
      whatToShow: opts.whatToShow ?? 'TRADES',
      useRth: opts.useRth ?? true,
    },
    { timeoutMs: 30_000 },
  );
  if (!r.ok) throw new Error(`fetchHistory refused: ${r.code} ${r.message}`);
  return r.bars;
};
const spans = (bs: ReadonlyArray<{ tsStartMs: number; tsEndMs: number }>) =>
  bs.map((b) => [new Date(b.tsStartMs).toISOString().slice(5, 16), new Date(b.tsEndMs).toISOString().slice(5, 16)]);
/** Bars ending after the next one starts. */
const overlaps = (bs: ReadonlyArray<{ tsStartMs: number; tsEndMs: number }>) =>
  bs.slice(1).filter((b, i) => b.tsStartMs < (bs[i]?.tsEndMs ?? 0));

/** Monday 2024-03-11 00:00 New York (EDT, UTC−4) and the midnight after. */
const MONDAY = Date.parse('2024-03-11T04:00:00Z');
const at = (utc: string) => Date.parse(`2024-03-11T${utc}:00Z`);
/** Monday's bars as [start, end]. */
const monday = async (timeframe: string, useRth: boolean) =>
  (await bars(AAPL, timeframe, { useRth, startMs: MONDAY, endMs: MONDAY + 24 * HOUR })).map(
    (b) => [b.tsStartMs, b.tsEndMs] as const,
  );
/** No bar ends after the next one starts. */
const overlapping = (spans: ReadonlyArray<readonly [number, number]>) =>
  spans.slice(1).filter(([start], i) => start < (spans[i]?.[1] ?? 0));

describe('hour bars on the session grid', () => {
  test('3-hour RTH bars: 09:30–12:00, 12:00–15:00, 15:00–18:00 New York, none overlapping', async () => {
    const spans = await monday('3h', true);
    expect(spans).toEqual([
      [at('13:30'), at('16:00')],
      [at('16:00'), at('19:00')],
      [at('19:00'), at('22:00')],
    ]);
    expect(overlapping(spans)).toEqual([]);
  });

  test('3-hour extended-hours bars: from the 04:00 open on the 3-hour grid of New York midnight', async () => {
    const spans = await monday('3h', false);
    expect(spans.map(([s]) => s)).toEqual(['08:00', '10:00', '13:00', '16:00', '19:00', '22:00'].map(at));
    // Every end on the grid (03:00, 06:00, … New York), so no bar overlaps the next.
    for (const [, end] of spans) expect((end - MONDAY) % (3 * HOUR)).toBe(0);
    expect(spans[0]).toEqual([at('08:00'), at('10:00')]);
    expect(overlapping(spans)).toEqual([]);
  });

  test('1-hour RTH bars: the first is the half hour 09:30–10:00', async () => {
    const spans = await monday('1h', true);
    expect(spans[0]).toEqual([at('13:30'), at('14:00')]);
    expect(spans[1]).toEqual([at('14:00'), at('15:00')]);
    expect(overlapping(spans)).toEqual([]);
  });
});

describe('AAPL across the change to summer time: 09:30 New York is 14:30 UTC on Friday, 13:30 UTC on Monday', () => {
  test('1-hour RTH bars: the half hour from the open, then whole New York hours, each day', async () => {
    const got = await bars(AAPL, '1h');
    const day = (d: string, open: string, hours: number[]) => [
      [`03-${d}T${open}`, `03-${d}T${String(hours[0]).padStart(2, '0')}:00`],
      ...hours
        .slice(0, -1)
        .map((hr, i) => [
          `03-${d}T${String(hr).padStart(2, '0')}:00`,
          `03-${d}T${String(hours[i + 1]).padStart(2, '0')}:00`,
        ]),
    ];
    expect(spans(got)).toEqual([
      ...day('08', '14:30', [15, 16, 17, 18, 19, 20, 21]),
      ...day('11', '13:30', [14, 15, 16, 17, 18, 19, 20]),
    ]);
    expect(overlaps(got)).toEqual([]);
  });

  test('3-hour RTH bars: 09:30–12:00, 12:00–15:00, 15:00–18:00 New York on both days', async () => {
    const got = await bars(AAPL, '3h');
    expect(spans(got)).toEqual([
      ['03-08T14:30', '03-08T17:00'],
      ['03-08T17:00', '03-08T20:00'],
      ['03-08T20:00', '03-08T23:00'],
      ['03-11T13:30', '03-11T16:00'],
      ['03-11T16:00', '03-11T19:00'],
      ['03-11T19:00', '03-11T22:00'],
    ]);
  });

  test('1-minute RTH bars: 390 a day from the 09:30 open, each a minute, none missing', async () => {
    // A day per request (longer spans of minute bars exceed IB's limit for the size).
    const friday = await bars(AAPL, '1m', { endMs: z('09T00:00') });
    const monday = await bars(AAPL, '1m', { startMs: z('11T04:00') });
    expect([friday.length, monday.length]).toEqual([390, 390]);
    expect([friday[0]?.tsStartMs, monday[0]?.tsStartMs]).toEqual([z('08T14:30'), z('11T13:30')]);
    expect([friday.at(-1)?.tsEndMs, monday.at(-1)?.tsEndMs]).toEqual([z('08T21:00'), z('11T20:00')]);
    for (const day of [friday, monday])
      for (const [i, b] of day.entries()) expect(b.tsStartMs).toBe((day[0]?.tsStartMs ?? 0) + i * MINUTE);
  });

  test('daily bars: one per trade date, dated at its 00:00 UTC, a day long', async () => {
    expect(spans(await bars(AAPL, '1d'))).toEqual([
      ['03-08T00:00', '03-09T00:00'],
      ['03-11T00:00', '03-12T00:00'],
    ]);
  });

  test('weekly bars spanning the change: the weeks of Monday March 4 and March 11, back to back', async () => {
    const got = await bars(AAPL, '1w', { startMs: z('04T00:00') });
    expect(spans(got)).toEqual([
      ['03-04T00:00', '03-11T00:00'],
      ['03-11T00:00', '03-18T00:00'],
    ]);
  });
});

describe('EUR.USD from Sunday 17:15 New York, the evening of the 23-hour day', () => {
  const fx = (timeframe: string, startMs = z('10T00:00')) =>
    bars(EUR_USD, timeframe, { useRth: false, whatToShow: 'MIDPOINT', startMs });

  test("3-hour bars: Sunday's grid to Sunday midnight, then Monday's from Monday midnight (04:00 UTC)", async () => {
    const got = await fx('3h');
    expect(spans(got)).toEqual([
      // Sunday: midnight is 05:00 UTC (EST), its 3-hour grid runs on in elapsed hours to the next midnight.
      ['03-10T21:15', '03-10T23:00'],
      ['03-10T23:00', '03-11T02:00'],
      ['03-11T02:00', '03-11T04:00'],
      // Monday: 00:00, 03:00, … New York (EDT); 15:00–17:00 closes, the next session opens 17:15 in the same slot.
      ['03-11T04:00', '03-11T07:00'],
      ['03-11T07:00', '03-11T10:00'],
      ['03-11T10:00', '03-11T13:00'],
      ['03-11T13:00', '03-11T16:00'],
      ['03-11T16:00', '03-11T19:00'],
      ['03-11T19:00', '03-11T21:15'],
      ['03-11T21:15', '03-11T22:00'],
      ['03-11T22:00', '03-12T01:00'],
      ['03-12T01:00', '03-12T04:00'],
    ]);
    expect(overlaps(got)).toEqual([]);
  });

  test('1-hour and 1-minute bars run through Sunday night without a gap or an overlap', async () => {
    const hours = await fx('1h', z('10T21:00'));
    expect(hours[0]?.tsStartMs).toBe(z('10T21:15'));
    expect(overlaps(hours)).toEqual([]);
    // On the hour but at the two session opens (17:15 New York).
    const offHour = hours.filter((b) => b.tsStartMs % HOUR !== 0).map((b) => b.tsStartMs);
    expect(offHour).toEqual([z('10T21:15'), z('11T21:15')]);
    const minutes = await bars(EUR_USD, '1m', {
      useRth: false,
      whatToShow: 'MIDPOINT',
      startMs: z('10T21:00'),
      endMs: z('11T12:00'),
    });
    // 17:15 Sunday (EDT) to 08:00 Monday: 14 h 45 min, one bar a minute.
    expect(minutes).toHaveLength((14 * HOUR + 45 * MINUTE) / MINUTE);
    for (const [i, b] of minutes.entries()) expect(b.tsStartMs).toBe(z('10T21:15') + i * MINUTE);
  });
});
