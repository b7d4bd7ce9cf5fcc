/** CSV time columns read in the file's zone (contracts' zoned-time does the zone arithmetic). */
import { expect, test } from 'vitest';
import { parseTime } from '../src/data/csv.js';

test('wall times are read in the given zone, on both sides of DST; explicit offsets and epochs win', () => {
  const NY = 'America/New_York';
  expect(parseTime('2024-01-16 09:30', NY)).toBe(Date.parse('2024-01-16T14:30:00Z'));
  expect(parseTime('2024-07-16T09:30:00.250', NY)).toBe(Date.parse('2024-07-16T13:30:00.250Z'));
  expect(parseTime('7/16/2024 09:30', NY)).toBe(Date.parse('2024-07-16T13:30:00Z'));
  expect(parseTime('20240116 09:30:00', 'Europe/Berlin')).toBe(Date.parse('2024-01-16T08:30:00Z'));
  expect(parseTime('2024-01-16 09:30', 'UTC')).toBe(Date.parse('2024-01-16T09:30:00Z'));
  expect(parseTime('2024-01-16T09:30:00-05:00', 'Europe/Berlin')).toBe(Date.parse('2024-01-16T14:30:00Z'));
  expect(parseTime('1705415400', NY)).toBe(Date.parse('2024-01-16T14:30:00Z'));
  expect(parseTime('yesterday', NY)).toBeUndefined();
});
