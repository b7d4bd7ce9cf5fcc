import { describe, expect, test } from 'vitest';
import { localDay, localToInstant, weekdayOfDay, weekdaysBackStart } from '../src/zoned-time.js';

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
});
