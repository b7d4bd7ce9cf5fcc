import { describe, expect, test } from 'vitest';
import {
  BarSizeSpec,
  barSizeToTimeframe,
  formatTimeframe,
  normalizeSpan,
  parseBarSize,
  parseSpan,
  parseTimeframe,
  SpanSpec,
  spanCovering,
  Timeframe,
  TimeframeError,
  timeframeSeconds,
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

describe('bar size specs', () => {
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

describe('spans', () => {
  test.each([
    ['30s', 30, 's', 30],
    ['5d', 5, 'd', 5 * 86_400],
    ['2w', 2, 'w', 14 * 86_400],
    ['6mo', 6, 'mo', 6 * 31 * 86_400],
    ['1y', 1, 'y', 366 * 86_400],
    // IB's spelling, as people write it, is an alias
    ['30 S', 30, 's', 30],
    ['5 D', 5, 'd', 5 * 86_400],
    ['2 W', 2, 'w', 14 * 86_400],
    ['6 M', 6, 'mo', 6 * 31 * 86_400],
    ['1 Y', 1, 'y', 366 * 86_400],
  ])('%s', (s, count, unit, maxSeconds) => {
    expect(parseSpan(s)).toEqual({ count, unit, maxSeconds });
    expect(SpanSpec.parse(s)).toBe(s);
    expect(normalizeSpan(s)).toBe(`${count}${unit}`);
  });
  test.each(['5D', '5 d', '0 D', '5 H', '0d', '5h', '1.5d', '5m', ''])('%j is refused with the accepted forms', (s) => {
    expect(() => parseSpan(s)).toThrow(TimeframeError);
    const r = SpanSpec.safeParse(s);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/"5d".*"5 D"/);
  });
  test('covering span', () => {
    expect(spanCovering(1800)).toBe('1800s');
    expect(spanCovering(3 * 86_400 + 1)).toBe('4d');
    expect(spanCovering(400 * 86_400)).toBe('2y');
  });
});
