import { describe, expect, test } from 'vitest';
import { calendarBucket, isTradingDay, localDay, sessionOn, tradingDaysBetween } from '../src/index.js';

const NY = 'America/New_York';
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const isoDay = (ms: number): string => new Date(localDay(NY, ms) * 86_400_000).toISOString().slice(0, 10);
const MIN = 60_000;
const DAY = 86_400_000;

describe('intraday grids start at the session open', () => {
  const regular = { calendar: 'NYSE', hours: 'regular' } as const;

  test('a 7m bar of a NYSE stock starts at 09:30, 09:37, … (the epoch grid would give 09:26)', () => {
    // 2024-03-14 is EDT: 09:30 New York = 13:30Z.
    expect(iso(calendarBucket(regular, 7 * MIN, at('2024-03-14T13:30:00Z'))?.startMs ?? 0)).toBe(
      '2024-03-14T13:30:00.000Z',
    );
    const b = calendarBucket(regular, 7 * MIN, at('2024-03-14T13:40:00Z'));
    expect(b && [iso(b.startMs), iso(b.endMs)]).toEqual(['2024-03-14T13:37:00.000Z', '2024-03-14T13:44:00.000Z']);
    // The epoch grid differs here, which is why the calendar grid exists.
    expect(Math.floor(at('2024-03-14T13:30:00Z') / (7 * MIN)) * 7 * MIN).not.toBe(at('2024-03-14T13:30:00Z'));
  });

  test('every session opens a fresh grid, whatever the previous day ended on', () => {
    for (const day of ['2024-03-14', '2024-03-15', '2024-11-29', '2025-01-02']) {
      const open = sessionOn('NYSE', day)?.regular.openMs as number;
      expect(calendarBucket(regular, 7 * MIN, open + 1)?.startMs, day).toBe(open);
      expect(calendarBucket(regular, 45 * MIN, open + 50 * MIN)?.startMs, day).toBe(open + 45 * MIN);
    }
  });

  test('the last bucket before the next open is cut at it (extended hours: 20:00 → next day 04:00)', () => {
    const extended = { calendar: 'NYSE', hours: 'extended' } as const;
    const nextOpen = sessionOn('NYSE', '2024-03-14')?.extended.openMs as number;
    const b = calendarBucket(extended, 7 * 60 * MIN, nextOpen - 1);
    expect(b?.endMs).toBe(nextOpen);
    expect(b?.startMs).toBeLessThan(nextOpen);
  });
});

describe('N-day bars hold N trading days', () => {
  const grid = { calendar: 'NYSE', hours: 'regular' } as const;

  test('a 3d bar never starts on a weekend or holiday, holds 3 sessions, and bars never overlap', () => {
    const seen = new Set<number>();
    let previousEnd: number | undefined;
    for (let t = at('2024-01-02T15:00:00Z'); t < at('2025-01-02T15:00:00Z'); t += DAY) {
      const b = calendarBucket(grid, 3 * DAY, t);
      expect(b).toBeDefined();
      if (b === undefined || seen.has(b.startMs)) continue;
      if (previousEnd !== undefined) expect(b.startMs).toBeGreaterThanOrEqual(previousEnd);
      seen.add(b.startMs);
      previousEnd = b.endMs;
      expect(isTradingDay('NYSE', isoDay(b.startMs)), iso(b.startMs)).toBe(true);
      expect(tradingDaysBetween('NYSE', isoDay(b.startMs), isoDay(b.endMs - 1)).length, iso(b.startMs)).toBe(3);
    }
    expect(seen.size).toBeGreaterThan(80);
  });

  test("a Friday's daily bar of a stock closes at Friday's midnight; a Saturday instant maps to it", () => {
    const friday = calendarBucket(grid, 1 * DAY, at('2024-03-15T15:00:00Z'));
    expect(calendarBucket(grid, 1 * DAY, at('2024-03-16T15:00:00Z'))).toEqual(friday);
    expect(friday && [iso(friday.startMs), iso(friday.endMs)]).toEqual([
      '2024-03-15T04:00:00.000Z',
      '2024-03-16T04:00:00.000Z',
    ]);
  });

  test('CME daily bars run from the session open (17:00 Chicago the evening before) to the next one', () => {
    const cme = { calendar: 'CME_EQUITY', hours: 'extended' } as const;
    // Sunday 2024-03-10 18:00 CDT: the Monday session has opened.
    const monday = calendarBucket(cme, 1 * DAY, at('2024-03-10T23:00:00Z'));
    expect(monday && [iso(monday.startMs), iso(monday.endMs)]).toEqual([
      '2024-03-10T22:00:00.000Z',
      '2024-03-11T22:00:00.000Z',
    ]);
    expect(calendarBucket(cme, 1 * DAY, at('2024-03-11T22:30:00Z'))?.startMs).toBe(monday?.endMs);
  });

  test('weeks stay on the civil grid (the caller applies it)', () => {
    expect(calendarBucket(grid, 7 * DAY, at('2024-03-15T15:00:00Z'))).toBeUndefined();
  });
});
