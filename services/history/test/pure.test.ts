import { type BarData, calendarBucket } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { durationStart, planBarRange } from '../src/bar-range.js';
import { sourceTimeframe } from '../src/broker-history.js';
import { barSizeMs, planChunks } from '../src/chunk-plan.js';
import { covers, intersect, splitCovered, subtract, totalMs, union } from '../src/coverage.js';
import { bucketStart, resample } from '../src/resample.js';

const r = (startMs: number, endMs: number) => ({ startMs, endMs });

describe('coverage', () => {
  test('union merges overlapping and adjacent ranges and drops empty ones', () => {
    expect(union([r(5, 7), r(0, 2), r(2, 3), r(6, 9), r(4, 4)])).toEqual([r(0, 3), r(5, 9)]);
  });
  test('subtract returns the holes in order', () => {
    expect(subtract(r(0, 100), [r(10, 20), r(15, 30), r(50, 60)])).toEqual([r(0, 10), r(30, 50), r(60, 100)]);
    expect(subtract(r(0, 100), [r(-5, 200)])).toEqual([]);
    expect(subtract(r(0, 100), [])).toEqual([r(0, 100)]);
    expect(subtract(r(10, 20), [r(0, 5), r(25, 30)])).toEqual([r(10, 20)]);
    expect(subtract(r(10, 10), [])).toEqual([]);
  });
  test('a fetched chunk splits into spans with bars and known-empty spans', () => {
    expect(splitCovered(r(0, 100), [20, 30, 40, 70], 10)).toEqual([
      { startMs: 0, endMs: 20, bars: 0 },
      { startMs: 20, endMs: 50, bars: 3 },
      { startMs: 50, endMs: 70, bars: 0 },
      { startMs: 70, endMs: 80, bars: 1 },
      { startMs: 80, endMs: 100, bars: 0 },
    ]);
    expect(splitCovered(r(0, 100), [], 10)).toEqual([{ startMs: 0, endMs: 100, bars: 0 }]);
    expect(splitCovered(r(0, 30), [0, 10, 20], 10)).toEqual([{ startMs: 0, endMs: 30, bars: 3 }]);
  });
  test('intersect, totalMs and covers', () => {
    expect(intersect([r(0, 10), r(20, 30)], r(5, 25))).toEqual([r(5, 10), r(20, 25)]);
    expect(totalMs([r(0, 10), r(5, 15)])).toBe(15);
    expect(covers([r(0, 10), r(10, 20)], r(2, 18))).toBe(true);
    expect(covers([r(0, 10), r(11, 20)], r(2, 18))).toBe(false);
  });
});

/** IB's announced spans (gateway-ib's capabilities): a day of 1-min bars, 7 days of 5-min, 31 of hourly, a year of daily. */
const DAY_MS = 86_400_000;
/** The bar sizes gateway-ib announces. */
const IB_SERVED = [
  '1s',
  '5s',
  '10s',
  '15s',
  '30s',
  '1m',
  '2m',
  '3m',
  '5m',
  '10m',
  '15m',
  '20m',
  '30m',
  '1h',
  '2h',
  '3h',
  '4h',
  '8h',
  '1d',
  '1w',
  '1mo',
];

describe('chunk plan', () => {
  test('the source bar size is one the broker announces: the timeframe itself, else the largest that tiles it', () => {
    const ib = ['1s', '5s', '1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w', '1mo'];
    expect(sourceTimeframe('5m', ib)).toBe('5m');
    expect(sourceTimeframe('7m', ib)).toBe('1m');
    expect(sourceTimeframe('45m', ib)).toBe('15m');
    expect(sourceTimeframe('2h', ib)).toBe('1h');
    expect(sourceTimeframe('2d', ib)).toBe('1d');
    expect(sourceTimeframe('3mo', ib)).toBe('1mo');
    // A broker serving minutes, hours and days only (Alpaca-like): 5m is resampled from 1m, 1w from 1d.
    const coarse = ['1m', '1h', '1d'];
    expect(sourceTimeframe('5m', coarse)).toBe('1m');
    expect(sourceTimeframe('1w', coarse)).toBe('1d');
    expect(sourceTimeframe('1mo', coarse)).toBeUndefined();
    expect(sourceTimeframe('30s', coarse)).toBeUndefined();
  });
  test('one year of 1-minute bars is 365 one-day chunks that tile the range exactly', () => {
    const start = Date.parse('2024-01-01T00:00:00Z');
    const end = Date.parse('2024-12-31T00:00:00Z');
    const chunks = planChunks([r(start, end)], '1m', DAY_MS);
    expect(chunks).toHaveLength(365);
    expect(chunks[0]).toEqual({ startMs: start, endMs: start + 86_400_000 });
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]?.startMs).toBe(chunks[i - 1]?.endMs);
    expect(chunks.at(-1)?.endMs).toBe(end);
  });
  test('unaligned ranges are cut at span boundaries; a smaller span shrinks chunks but never below one bar', () => {
    const day = 86_400_000;
    const chunks = planChunks([r(day / 2, 2 * day), r(3 * day, 3 * day + 60_000)], '1m', DAY_MS);
    expect(chunks.map((c) => [c.startMs, c.endMs])).toEqual([
      [day / 2, day],
      [day, 2 * day],
      [3 * day, 3 * day + 60_000],
    ]);
    expect(planChunks([r(0, 3_600_000)], '1m', 600_000)).toHaveLength(6);
    expect(planChunks([r(0, 3_600_000)], '1h', 1)).toHaveLength(1);
    expect(barSizeMs('5m')).toBe(300_000);
  });
  test('a bigger bar size allows longer chunks', () => {
    const year = 365 * 86_400_000;
    expect(planChunks([r(0, year)], '1d', 365 * DAY_MS)).toHaveLength(1);
    expect(planChunks([r(0, 28 * 86_400_000)], '1h', 31 * DAY_MS)).toHaveLength(1);
    expect(planChunks([r(0, 28 * 86_400_000)], '5m', 7 * DAY_MS).length).toBeGreaterThanOrEqual(4);
  });
});

const bar = (tsStartMs: number, o: string, h: string, l: string, c: string, v: string, extra = {}): BarData => ({
  tsStartMs,
  tsEndMs: tsStartMs + 60_000,
  open: o,
  high: h,
  low: l,
  close: c,
  volume: v,
  gap: false,
  ...extra,
});

describe('resample', () => {
  test('7-minute buckets are aligned to the epoch and aggregate OHLCV exactly', () => {
    const t0 = 7 * 60_000 * 1000; // a bucket boundary
    const bars = [
      bar(t0 - 60_000, '1', '1', '1', '1', '1'),
      bar(t0, '10.1', '10.5', '10', '10.2', '100', { count: 3, wap: '10.2' }),
      bar(t0 + 60_000, '10.2', '10.9', '9.9', '10.7', '50.5', { count: 2, wap: '10.5' }),
      bar(t0 + 6 * 60_000, '10.7', '10.8', '10.6', '10.65', '0.5', { count: 1, wap: '10.7' }),
      bar(t0 + 7 * 60_000, '11', '11', '11', '11', '1'),
    ];
    const out = resample(bars, '7m');
    expect(out.map((b) => b.tsStartMs)).toEqual([t0 - 7 * 60_000, t0, t0 + 7 * 60_000]);
    expect(out[1]).toEqual({
      tsStartMs: t0,
      tsEndMs: t0 + 7 * 60_000,
      open: '10.1',
      high: '10.9',
      low: '9.9',
      close: '10.65',
      volume: '151',
      count: 6,
      wap: '10.30198675', // (10.2*100 + 10.5*50.5 + 10.7*0.5) / 151
      gap: false,
    });
    expect(out[0]?.count).toBeUndefined();
    expect(out[0]?.wap).toBeUndefined();
  });
  test('weeks start on Monday 00:00 UTC, months on the 1st', () => {
    const wed = Date.parse('2024-03-13T14:30:00Z');
    expect(new Date(bucketStart(wed, '1w')).toISOString()).toBe('2024-03-11T00:00:00.000Z');
    expect(new Date(bucketStart(wed, '1mo')).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(new Date(bucketStart(wed, '2h')).toISOString()).toBe('2024-03-13T14:00:00.000Z');
  });
  test('on a trading calendar, 7m bars start at the session open (09:30, 09:37 …) as market-data builds them live', () => {
    const grid = { calendar: 'NYSE', hours: 'regular' } as const;
    const open = Date.parse('2024-03-14T13:30:00Z'); // Thu 09:30 New York; not a multiple of 7 minutes since 1970
    const bars = Array.from({ length: 20 }, (_, i) => bar(open + i * 60_000, '10', '11', '9', '10.5', '1'));
    const out = resample(bars, '7m', grid);
    expect(out.map((b) => [new Date(b.tsStartMs).toISOString(), b.volume])).toEqual([
      ['2024-03-14T13:30:00.000Z', '7'],
      ['2024-03-14T13:37:00.000Z', '7'],
      ['2024-03-14T13:44:00.000Z', '6'],
    ]);
    expect(out.map((b) => b.tsStartMs)).toEqual(out.map((b) => calendarBucket(grid, 7 * 60_000, b.tsStartMs)?.startMs));
    // The epoch grid would have cut a 09:26 bucket first.
    expect(resample(bars, '7m')[0]?.tsStartMs).toBeLessThan(open);
  });
  test('on a trading calendar, a 3d bar resampled from daily bars holds three sessions, never starting on a closed day', () => {
    const grid = { calendar: 'NYSE', hours: 'regular' } as const;
    // Daily bars (New York midnight) from Wed 2024-11-20 to Wed 2024-12-04; Thanksgiving (28th) has none.
    const days = ['11-20', '11-21', '11-22', '11-25', '11-26', '11-27', '11-29', '12-02', '12-03', '12-04'];
    const daily = days.map((d) => ({
      ...bar(Date.parse(`2024-${d}T05:00:00Z`), '1', '1', '1', '1', '1'),
      tsEndMs: Date.parse(`2024-${d}T05:00:00Z`) + 86_400_000,
    }));
    const out = resample(daily, '3d', grid);
    expect(out.every((b) => ['1', '2', '3'].includes(b.volume))).toBe(true);
    const full = out.filter((b) => b.volume === '3');
    expect(full.length).toBeGreaterThanOrEqual(2);
    for (const b of out) expect([0, 6]).not.toContain(new Date(b.tsStartMs - 5 * 3_600_000).getUTCDay());
    expect(out.map((b) => new Date(b.tsStartMs).toISOString().slice(5, 10))).not.toContain('11-28');
    const plan = planBarRange(
      {
        broker: 'sim',
        instrument: { id: '1' },
        barSize: '3 days',
        whatToShow: 'TRADES',
        useRth: true,
        cachedOnly: false,
        startMs: Date.parse('2024-11-27T17:00:00Z'),
        endMs: Date.parse('2024-11-29T17:00:00Z'),
      },
      Date.parse('2024-12-10T00:00:00Z'),
      IB_SERVED,
      'America/New_York',
      'NYSE',
    );
    expect(plan.grid).toEqual(grid);
    expect(plan.base.startMs).toBe(calendarBucket(grid, 3 * 86_400_000, Date.parse('2024-11-27T17:00:00Z'))?.startMs);
  });
  test('a bucket of gap bars is a gap; an empty input gives no bars', () => {
    expect(resample([bar(0, '1', '1', '1', '1', '0', { gap: true })], '5m')[0]?.gap).toBe(true);
    expect(resample([], '5m')).toEqual([]);
  });
});

describe('durations', () => {
  const tuesday = Date.parse('2024-03-12T15:00:00Z'); // 11:00 in New York
  test('"5d" is five trading days in the exchange zone, w/mo/y and s are calendar spans; IB\'s "5 D" is the same', () => {
    expect(durationStart('5d', tuesday, 'America/New_York')).toBe(Date.parse('2024-03-06T05:00:00Z'));
    expect(durationStart('2w', tuesday, 'America/New_York')).toBe(tuesday - 14 * 86_400_000);
    expect(durationStart('3600s', tuesday, 'America/New_York')).toBe(tuesday - 3_600_000);
    // Tue, Mon, Fri, Thu, Wed: from Wednesday 00:00 New York (EST, before the DST change).
    expect(durationStart('5 D', tuesday, 'America/New_York')).toBe(Date.parse('2024-03-06T05:00:00Z'));
    expect(durationStart('1 D', tuesday, 'America/New_York')).toBe(Date.parse('2024-03-12T04:00:00Z'));
    expect(durationStart('2 W', tuesday, 'America/New_York')).toBe(tuesday - 14 * 86_400_000);
    expect(durationStart('3600 S', tuesday, 'America/New_York')).toBe(tuesday - 3_600_000);
    expect(durationStart('5 D', tuesday, undefined)).toBe(tuesday - 5 * 86_400_000);
  });

  test('"5 D" ending the day after a holiday holds five sessions (the calendar skips the holiday)', () => {
    // Tuesday after Labor Day 2024, 16:00 New York: Tue 3, Fri 30, Thu 29, Wed 28, Tue 27 (Monday 2 is closed).
    const tuesday = Date.parse('2024-09-03T20:00:00Z');
    expect(durationStart('5 D', tuesday, 'America/New_York', 'NYSE')).toBe(Date.parse('2024-08-27T04:00:00Z'));
    // Weekdays alone count the holiday and reach back only to Wednesday: four sessions.
    expect(durationStart('5 D', tuesday, 'America/New_York')).toBe(Date.parse('2024-08-28T04:00:00Z'));
    // The day after Thanksgiving: Fri 29, Wed 27, Tue 26, Mon 25, Fri 22.
    expect(durationStart('5 D', Date.parse('2024-11-29T18:00:00Z'), undefined, 'NYSE')).toBe(
      Date.parse('2024-11-22T05:00:00Z'),
    );
  });
  test('planBarRange applies it to a query with a duration; explicit start/end win', () => {
    const q = {
      broker: 'sim',
      instrument: { id: '1' },
      barSize: '1 hour',
      whatToShow: 'TRADES',
      useRth: true,
      cachedOnly: false,
    } as const;
    const plan = planBarRange({ ...q, duration: '5 D', endMs: tuesday }, tuesday, IB_SERVED, 'America/New_York');
    expect(plan.requested).toEqual({ startMs: Date.parse('2024-03-06T05:00:00Z'), endMs: tuesday });
    const explicit = planBarRange(
      { ...q, startMs: tuesday - 1_000, endMs: tuesday },
      tuesday,
      IB_SERVED,
      'America/New_York',
    );
    expect(explicit.requested.startMs).toBe(tuesday - 1_000);
  });
});
