/**
 * History plans intraday ranges and chunks on the broker's bar grid: local midnight in the instrument's time zone
 * (IB's and ib-sim's), not the UTC epoch. For 3-hour bars of a New York stock the two differ by an hour or two, and
 * on the epoch grid a chunk ended inside a bar (cached as the part before the cut) and "up to now" took in the bar
 * in progress. Pure.
 */
import type { HistBarsQuery } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { planBarRange } from '../src/bar-range.js';
import { gridFloor, planChunks } from '../src/chunk-plan.js';

const NY = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (s: string) => Date.parse(s);

describe('the bar grid of the instrument zone', () => {
  test('3-hour slots start at New York 00:00, 03:00, …: 04:00, 07:00 … UTC in summer time, 05:00, 08:00 … in winter', () => {
    expect(gridFloor(utc('2024-03-12T15:00:00Z'), 3 * HOUR, NY)).toBe(utc('2024-03-12T13:00:00Z'));
    expect(gridFloor(utc('2024-01-10T00:30:00Z'), 3 * HOUR, NY)).toBe(utc('2024-01-09T23:00:00Z'));
    // UTC, and an hour in a whole-hour zone: the epoch grid, as before.
    expect(gridFloor(utc('2024-03-12T15:20:00Z'), 3 * HOUR)).toBe(utc('2024-03-12T15:00:00Z'));
    expect(gridFloor(utc('2024-03-12T15:20:00Z'), HOUR, NY)).toBe(utc('2024-03-12T15:00:00Z'));
  });

  test('chunks of 3-hour bars end on the New York grid: none cuts the 18:00–21:00 bar at 00:00 UTC (19:00 EST)', () => {
    const start = utc('2024-01-08T05:00:00Z'); // Monday 00:00 EST
    const end = utc('2024-03-18T04:00:00Z'); // Monday 00:00 EDT, ten weeks on (across the change to summer time)
    const chunks = planChunks([{ startMs: start, endMs: end }], '3h', 31 * DAY, NY);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(gridFloor(c.endMs, 3 * HOUR, NY), new Date(c.endMs).toISOString()).toBe(c.endMs);
      expect(c.endMs - c.startMs).toBeLessThanOrEqual(31 * DAY);
    }
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]?.startMs).toBe(chunks[i - 1]?.endMs);
    expect(chunks.at(-1)?.endMs).toBe(end);
    // Without a zone: the epoch grid, as before (UTC midnights).
    const epoch = planChunks([{ startMs: start, endMs: end }], '3h', 31 * DAY);
    expect(epoch[0]?.endMs).toBe(Math.floor(start / (248 * 3 * HOUR)) * 248 * 3 * HOUR + 248 * 3 * HOUR);
  });

  test('"up to now" in 3-hour bars stops before the bar in progress (09:30–12:00 at 11:00 New York)', () => {
    const now = utc('2024-03-12T15:00:00Z'); // Tuesday 11:00 EDT
    const q: HistBarsQuery = {
      broker: 'b',
      instrument: { id: '1' },
      barSize: '3 hours',
      whatToShow: 'TRADES',
      useRth: true,
      cachedOnly: false,
      duration: '1d',
    };
    const plan = planBarRange(q, now, ['1h', '3h'], NY, 'NYSE');
    expect(plan.resample).toBe(false);
    // Bars starting before 09:00 New York (13:00 UTC): Tuesday's 09:30 bar is not complete.
    expect(plan.base.endMs).toBe(utc('2024-03-12T13:00:00Z'));
    expect(gridFloor(plan.base.startMs, 3 * HOUR, NY)).toBe(plan.base.startMs);
  });

  test('3-hour bars from a broker serving 1m, 1h, 1d: from minutes in regular hours (1-hour bars straddle 12:30)', () => {
    const base = (useRth: boolean) =>
      planBarRange(
        {
          broker: 'b',
          instrument: { id: '1' },
          barSize: '3 hours',
          whatToShow: 'TRADES',
          useRth,
          cachedOnly: false,
          duration: '1d',
        },
        utc('2024-03-12T21:00:00Z'),
        ['1m', '1h', '1d'],
        NY,
        'NYSE',
      ).baseTimeframe;
    // Buckets from the 09:30 open (09:30–12:30, …): the 12:00–13:00 hour would fall in two of them.
    expect(base(true)).toBe('1m');
    // Extended hours open at 04:00, on the hour: hours nest in 3-hour buckets from it.
    expect(base(false)).toBe('1h');
  });
});

/**
 * Daylight-saving days are 23 or 25 hours long: the grid restarts at each local midnight (elapsed hours from it, the
 * last slot cut at the next midnight), as gateway-ib ends bars and ib-sim builds them, in both directions and in a
 * European zone (changes on 2024-03-31 and 2024-10-27 at 01:00 UTC) as well as New York (2024-03-10, 2024-11-03).
 */
describe('the bar grid on daylight-saving days', () => {
  const BERLIN = 'Europe/Berlin';
  const changes = [
    { zone: NY, day: '2024-03-10', hours: 23, midnight: '2024-03-10T05:00:00Z', next: '2024-03-11T04:00:00Z' },
    { zone: NY, day: '2024-11-03', hours: 25, midnight: '2024-11-03T04:00:00Z', next: '2024-11-04T05:00:00Z' },
    { zone: BERLIN, day: '2024-03-31', hours: 23, midnight: '2024-03-30T23:00:00Z', next: '2024-03-31T22:00:00Z' },
    { zone: BERLIN, day: '2024-10-27', hours: 25, midnight: '2024-10-26T22:00:00Z', next: '2024-10-27T23:00:00Z' },
  ];

  for (const c of changes)
    test(`${c.zone} ${c.day} (${c.hours} h): slots from its midnight, cut at the next, the next day on its own grid`, () => {
      const midnight = utc(c.midnight);
      const next = utc(c.next);
      expect(next - midnight).toBe(c.hours * HOUR);
      for (const size of [30 * 60_000, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 8 * HOUR]) {
        // Every instant of the day floors to midnight + a whole number of slots, never past the instant.
        for (let t = midnight; t < next; t += 15 * 60_000) {
          const f = gridFloor(t, size, c.zone);
          expect((f - midnight) % size).toBe(0);
          expect(t - f).toBeGreaterThanOrEqual(0);
          expect(t - f).toBeLessThan(size);
        }
        // The day after starts a fresh grid at its own midnight (an hour off the elapsed grid carried on).
        expect(gridFloor(next + 1, size, c.zone)).toBe(next);
        expect(gridFloor(next - 1, size, c.zone)).toBe(midnight + Math.floor((next - 1 - midnight) / size) * size);
      }
    });

  test('New York 3-hour slots on 2024-03-10: 00:00 EST, then 04:00, 07:00 … 22:00 EDT, the last cut at 24:00', () => {
    const starts = [];
    for (let t = utc('2024-03-10T05:00:00Z'); t < utc('2024-03-11T04:00:00Z'); t += HOUR)
      starts.push(gridFloor(t, 3 * HOUR, NY));
    expect([...new Set(starts)].map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '05:00',
      '08:00',
      '11:00',
      '14:00',
      '17:00',
      '20:00',
      '23:00',
      '02:00',
    ]);
  });

  test('chunks across both changes end on the grid of their own local day, in New York and Berlin', () => {
    for (const zone of [NY, BERLIN])
      for (const [from, to] of [
        ['2024-03-01T00:00:00Z', '2024-04-05T00:00:00Z'],
        ['2024-10-20T00:00:00Z', '2024-11-10T00:00:00Z'],
      ]) {
        const start = gridFloor(utc(from as string), 3 * HOUR, zone);
        const end = gridFloor(utc(to as string), 3 * HOUR, zone);
        for (const span of [DAY, 4 * DAY + 5 * HOUR]) {
          const chunks = planChunks([{ startMs: start, endMs: end }], '3h', span, zone);
          for (const [i, ch] of chunks.entries()) {
            expect(gridFloor(ch.endMs, 3 * HOUR, zone), `${zone} ${new Date(ch.endMs).toISOString()}`).toBe(ch.endMs);
            expect(ch.startMs).toBe(i === 0 ? start : chunks[i - 1]?.endMs);
            expect(ch.endMs - ch.startMs).toBeLessThanOrEqual(span);
          }
          expect(chunks.at(-1)?.endMs).toBe(end);
        }
      }
  });
});
