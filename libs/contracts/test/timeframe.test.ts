import { describe, expect, test } from 'vitest';
import {
  BarSizeSpec,
  barSizeToTimeframe,
  formatTimeframe,
  IbDurationSchema,
  ibBaseBarSize,
  ibDurationCovering,
  parseBarSize,
  parseIbBarSize,
  parseIbDuration,
  parseTimeframe,
  Timeframe,
  TimeframeError,
  timeframeSeconds,
  toIbBarSize,
} from '../src/index.js';

describe('timeframe tokens', () => {
  test.each([
    ['1s', 1],
    ['5s', 5],
    ['1m', 60],
    ['7m', 420],
    ['1h', 3600],
    ['2h', 7200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['90m', 5400],
  ])('%s = %i s and formats back', (token, seconds) => {
    expect(timeframeSeconds(token)).toBe(seconds);
    expect(formatTimeframe(seconds)).toBe(token);
  });

  test('format picks the largest exact unit', () => {
    expect(formatTimeframe(60)).toBe('1m');
    expect(formatTimeframe(7200)).toBe('2h');
    expect(formatTimeframe(90)).toBe('90s');
    expect(formatTimeframe(14 * 86_400)).toBe('2w');
  });

  test.each(['', '0m', '1', 'm', '1.5m', '1M', '1 m', '-1m', '01m', '1y'])('%j is rejected', (t) => {
    expect(() => parseTimeframe(t)).toThrow(TimeframeError);
    expect(Timeframe.safeParse(t).success).toBe(false);
  });

  test('schema requires the canonical token and says which', () => {
    const r = Timeframe.safeParse('60s');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/'1m'/);
    expect(Timeframe.parse('1mo')).toBe('1mo');
  });

  test('calendar months have no fixed length', () => {
    expect(parseTimeframe('1mo').seconds).toBeUndefined();
    expect(() => timeframeSeconds('1mo')).toThrow(TimeframeError);
  });

  test('format refuses non-integers', () => {
    expect(() => formatTimeframe(1.5)).toThrow(TimeframeError);
    expect(() => formatTimeframe(0)).toThrow(TimeframeError);
  });
});

describe('IB bar sizes', () => {
  test.each([
    ['1 secs', '1s'],
    ['5 secs', '5s'],
    ['1 min', '1m'],
    ['5 mins', '5m'],
    ['1 hour', '1h'],
    ['4 hours', '4h'],
    ['1 day', '1d'],
    ['1 week', '1w'],
    ['1 month', '1mo'],
  ])('%s ↔ %s', (ib, token) => {
    expect(parseIbBarSize(ib)).toBe(token);
    expect(toIbBarSize(token)).toBe(ib);
  });
  test('IB has no 7-minute bars: resample from 1 min', () => {
    expect(toIbBarSize('7m')).toBeUndefined();
    expect(ibBaseBarSize('7m')).toBe('1 min');
    expect(ibBaseBarSize('45m')).toBe('15 mins');
    expect(ibBaseBarSize('2d')).toBe('1 day');
    expect(ibBaseBarSize('1h')).toBe('1 hour');
  });
  test('bad bar sizes are rejected', () => {
    expect(() => parseIbBarSize('5 minutes')).toThrow(TimeframeError);
    expect(() => parseIbBarSize('5mins')).toThrow(TimeframeError);
  });
  test('a bar size spec is kept as written; barSizeToTimeframe gives the token', () => {
    expect(BarSizeSpec.parse('1 hour')).toBe('1 hour');
    expect(BarSizeSpec.parse('7m')).toBe('7m');
    expect(barSizeToTimeframe('1 hour')).toBe('1h');
    expect(barSizeToTimeframe('7m')).toBe('7m');
  });
});

describe('bar sizes as IB, pandas and trading tools write them (issue 14.7)', () => {
  test.each([
    // IB, written out, singular and plural, any count
    ['7 mins', '7m'],
    ['45 mins', '45m'],
    ['3 days', '3d'],
    ['1 hour', '1h'],
    ['2 hours', '2h'],
    ['1 sec', '1s'],
    ['30 secs', '30s'],
    ['1 day', '1d'],
    ['2 weeks', '2w'],
    ['1 month', '1mo'],
    ['5 minutes', '5m'],
    ['10 seconds', '10s'],
    ['1 hr', '1h'],
    ['4 hrs', '4h'],
    ['1 wk', '1w'],
    // tokens, canonical or not
    ['60m', '1h'],
    ['90m', '90m'],
    ['1h', '1h'],
    ['120s', '2m'],
    ['7d', '1w'],
    ['3mo', '3mo'],
    // pandas offset aliases
    ['1H', '1h'],
    ['H', '1h'],
    ['15min', '15m'],
    ['min', '1m'],
    ['15T', '15m'],
    ['30S', '30s'],
    ['1D', '1d'],
    ['1B', '1d'],
    ['1W', '1w'],
    ['1M', '1mo'],
    ['1MS', '1mo'],
    ['3ME', '3mo'],
    // spacing and case of words
    ['5mins', '5m'],
    ['5  Mins', '5m'],
    [' 1 HOUR ', '1h'],
  ])('%j → %s', (text, token) => {
    expect(parseBarSize(text)).toBe(token);
    expect(BarSizeSpec.safeParse(text).success).toBe(true);
    expect(barSizeToTimeframe(text)).toBe(token);
  });

  test.each(['', '0m', '1.5h', 'fortnight', '1 fortnight', '500ms', '1L', 'W-SUN', '1y', '60', '-1m', '5 t'])(
    '%j is refused with the accepted forms',
    (text) => {
      expect(() => parseBarSize(text)).toThrow(TimeframeError);
      const r = BarSizeSpec.safeParse(text);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/"7 mins".*"7m".*"15min"/);
    },
  );
});

describe('IB durations', () => {
  test.each([
    ['30 S', 30, 'S', 30],
    ['5 D', 5, 'D', 5 * 86_400],
    ['2 W', 2, 'W', 14 * 86_400],
    ['6 M', 6, 'M', 6 * 31 * 86_400],
    ['1 Y', 1, 'Y', 366 * 86_400],
  ])('%s', (s, count, unit, maxSeconds) => {
    expect(parseIbDuration(s)).toEqual({ count, unit, maxSeconds });
    expect(IbDurationSchema.parse(s)).toBe(s);
  });
  test.each(['5D', '5 d', '0 D', '5 H', ' 5 D', '1.5 D', ''])('%j is rejected', (s) => {
    expect(() => parseIbDuration(s)).toThrow(TimeframeError);
    expect(IbDurationSchema.safeParse(s).success).toBe(false);
  });
  test('covering duration', () => {
    expect(ibDurationCovering(1800)).toBe('1800 S');
    expect(ibDurationCovering(3 * 86_400 + 1)).toBe('4 D');
    expect(ibDurationCovering(400 * 86_400)).toBe('2 Y');
  });
});
