import { describe, expect, test } from 'vitest';
import {
  dayNumber,
  dayNumberToDate,
  fromWall,
  isValidZone,
  localAsUtc,
  localDay,
  localToInstant,
  toWall,
  weekdayOfDay,
  weekdaysBackStart,
  zoneAbbreviation,
  zoneOffsetMs,
} from '../src/zoned-time.js';

const NY = 'America/New_York';

describe('zoned time', () => {
  test('local midnight across DST, local day and weekday', () => {
    // 2024-03-10 is the spring-forward Sunday in New York: midnight is still UTC-5.
    expect(new Date(localToInstant(NY, Date.UTC(2024, 2, 10))).toISOString()).toBe('2024-03-10T05:00:00.000Z');
    expect(new Date(localToInstant(NY, Date.UTC(2024, 2, 11))).toISOString()).toBe('2024-03-11T04:00:00.000Z');
    const day = localDay(NY, Date.parse('2024-03-12T03:00:00Z')); // 23:00 Monday in New York
    expect(weekdayOfDay(day)).toBe(1);
  });

  test('"5 D" is five weekdays back, the end day included: a Tuesday reaches back to the Wednesday before', () => {
    const tuesday = Date.parse('2024-03-12T15:00:00Z');
    expect(new Date(weekdaysBackStart(NY, tuesday, 5)).toISOString()).toBe('2024-03-06T05:00:00.000Z');
    expect(new Date(weekdaysBackStart(NY, tuesday, 1)).toISOString()).toBe('2024-03-12T04:00:00.000Z');
    // From a Saturday: Monday to Friday of that week.
    const saturday = Date.parse('2024-03-16T15:00:00Z');
    expect(new Date(weekdaysBackStart(NY, saturday, 5)).toISOString()).toBe('2024-03-11T04:00:00.000Z');
    // An end exactly at local midnight belongs to the day before.
    expect(new Date(weekdaysBackStart(NY, Date.parse('2024-03-13T04:00:00Z'), 1)).toISOString()).toBe(
      '2024-03-12T04:00:00.000Z',
    );
  });

  test('offsets: EST and EDT, IB legacy ids, zones a half hour off, unknown zones', () => {
    const HOUR = 3_600_000;
    expect(zoneOffsetMs(NY, Date.parse('2024-01-16T12:00:00Z'))).toBe(-5 * HOUR);
    expect(zoneOffsetMs('US/Eastern', Date.parse('2024-07-16T12:00:00Z'))).toBe(-4 * HOUR);
    expect(zoneOffsetMs('Europe/Berlin', Date.parse('2024-01-16T12:00:00Z'))).toBe(HOUR);
    expect(zoneOffsetMs('UTC', Date.parse('2024-01-16T12:00:00Z'))).toBe(0);
    expect(zoneOffsetMs('Asia/Kolkata', Date.parse('2024-01-16T12:00:00Z'))).toBe(5.5 * HOUR);
    // Adelaide (+10:30 / +9:30) leaves summer time at 03:00 local on 2024-04-07, which is 16:30 UTC the day
    // before: not a whole UTC hour, so the cache must not reuse one offset for the whole hour.
    expect(zoneOffsetMs('Australia/Adelaide', Date.parse('2024-04-06T16:29:59Z'))).toBe(10.5 * HOUR);
    expect(zoneOffsetMs('Australia/Adelaide', Date.parse('2024-04-06T16:30:00Z'))).toBe(9.5 * HOUR);
    expect(zoneOffsetMs('Australia/Adelaide', Date.parse('2024-04-06T16:00:00Z'))).toBe(10.5 * HOUR);
    expect(isValidZone('US/Central')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
    expect(() => zoneOffsetMs('Mars/Olympus', 0)).toThrow(RangeError);
  });

  test('wall time of an instant, with weekday; milliseconds kept', () => {
    const t = Date.parse('2024-03-12T03:04:05.678Z'); // Monday 23:04:05 in New York (EDT)
    expect(toWall(NY, t)).toEqual({ year: 2024, month: 3, day: 11, hour: 23, minute: 4, second: 5, weekday: 1 });
    expect(toWall('UTC', t)).toEqual({ year: 2024, month: 3, day: 12, hour: 3, minute: 4, second: 5, weekday: 2 });
    expect(localAsUtc(NY, t)).toBe(Date.UTC(2024, 2, 11, 23, 4, 5, 678));
  });

  test('the instant of a wall time: both sides of DST, the skipped hour and the repeated one', () => {
    expect(new Date(fromWall(NY, 2024, 1, 16, 9 * 60 + 30)).toISOString()).toBe('2024-01-16T14:30:00.000Z');
    expect(new Date(fromWall('US/Eastern', 2024, 7, 16, 9 * 60 + 30)).toISOString()).toBe('2024-07-16T13:30:00.000Z');
    expect(new Date(fromWall('Europe/Berlin', 2024, 1, 16, 9 * 60 + 30)).toISOString()).toBe(
      '2024-01-16T08:30:00.000Z',
    );
    // Minutes past 24 h roll into the next day; negative ones into the day before.
    expect(fromWall(NY, 2024, 1, 16, 24 * 60)).toBe(fromWall(NY, 2024, 1, 17, 0));
    expect(fromWall(NY, 2024, 1, 16, -60)).toBe(fromWall(NY, 2024, 1, 15, 23 * 60));
    // 02:30 on 2024-03-10 does not exist in New York: an hour earlier, 01:30 EST.
    expect(new Date(fromWall(NY, 2024, 3, 10, 2 * 60 + 30)).toISOString()).toBe('2024-03-10T06:30:00.000Z');
    // 01:30 on 2024-11-03 happens twice: the first showing (EDT).
    expect(new Date(fromWall(NY, 2024, 11, 3, 60 + 30)).toISOString()).toBe('2024-11-03T05:30:00.000Z');
    // A round trip through the wall clock lands on the same instant.
    for (const iso of [
      '2024-03-10T06:59:00Z',
      '2024-03-10T07:00:00Z',
      '2024-11-03T05:59:00Z',
      '2024-11-03T07:00:00Z',
    ]) {
      const t = Date.parse(iso);
      const w = toWall(NY, t);
      expect(fromWall(NY, w.year, w.month, w.day, w.hour * 60 + w.minute)).toBe(t);
    }
  });

  test('zone abbreviations: EST/EDT and the id itself where there is none', () => {
    expect(zoneAbbreviation('US/Eastern', Date.parse('2024-01-16T12:00:00Z'))).toBe('EST');
    expect(zoneAbbreviation(NY, Date.parse('2024-07-16T12:00:00Z'))).toBe('EDT');
    expect(zoneAbbreviation('US/Central', Date.parse('2024-01-16T12:00:00Z'))).toBe('CST');
    expect(zoneAbbreviation('Asia/Kolkata', Date.parse('2024-01-16T12:00:00Z'))).toBe('Asia/Kolkata');
  });

  test('day numbers: calendar dates and weekdays, independent of zones', () => {
    expect(dayNumber(1970, 1, 1)).toBe(0);
    const n = dayNumber(2024, 3, 12);
    expect(dayNumberToDate(n)).toEqual({ year: 2024, month: 3, day: 12, weekday: 2 });
    expect(dayNumberToDate(n + 20)).toEqual({ year: 2024, month: 4, day: 1, weekday: 1 });
    expect(weekdayOfDay(n)).toBe(2);
    expect(localDay(NY, Date.parse('2024-03-12T15:00:00Z'))).toBe(n);
  });
});
