import type { ContractDetails } from '@stoqey/ib';
import { describe, expect, test } from 'vitest';
import { classifyIbCode, isHistoryNoData, isPacingViolation } from '../src/ib-error-classes.js';
import { descriptionKey, toIbContract, toInstrument } from '../src/parsing/contracts.js';
import {
  appendBar,
  barEndFn,
  parseFinishedMarker,
  parseIbTime,
  toBarData,
  toIbEndDateTime,
} from '../src/parsing/history.js';
import { priceOrUndefined, sizeOrUndefined, toDecimalString } from '../src/parsing/numbers.js';
import { toRtBar } from '../src/parsing/rtbars.js';
import { applyTickPrice, applyTickSize, applyTickString, newTickState, toTick } from '../src/parsing/ticks.js';

describe('numbers', () => {
  test('doubles become decimal strings without exponent or float noise; sentinels vanish', () => {
    expect(toDecimalString(187.25)).toBe('187.25');
    expect(toDecimalString(0.1 + 0.2)).toBe('0.3');
    expect(toDecimalString(1e-7)).toBe('0.0000001');
    expect(toDecimalString(-0)).toBe('0');
    expect(toDecimalString(1.7976931348623157e308)).toBeUndefined();
    expect(toDecimalString(Number.NaN)).toBeUndefined();
    expect(priceOrUndefined(-1)).toBeUndefined();
    expect(priceOrUndefined(0)).toBe('0');
    expect(sizeOrUndefined(-1)).toBeUndefined();
    expect(sizeOrUndefined(300)).toBe('300');
  });
});

describe('ticks', () => {
  test('bid/ask/last/sizes/OHLC/volume map to the tick; -1 no-quote sentinels are ignored', () => {
    const s = newTickState(1_000);
    expect(applyTickPrice(s, 1, 187.24, 2_000)).toBe(true);
    expect(applyTickPrice(s, 2, 187.26, 2_000)).toBe(true);
    expect(applyTickPrice(s, 1, -1, 3_000)).toBe(false);
    expect(applyTickPrice(s, 1, 187.24, 3_000)).toBe(false); // unchanged
    expect(applyTickSize(s, 0, 300, 3_000)).toBe(true);
    expect(applyTickSize(s, 3, -1, 3_000)).toBe(false);
    for (const [f, v] of [
      [6, 190],
      [7, 185],
      [9, 186],
      [14, 186.5],
      [4, 187.25],
    ] as const)
      applyTickPrice(s, f, v, 4_000);
    applyTickSize(s, 8, 1_234_500, 4_000);
    applyTickSize(s, 5, 100, 4_000);
    expect(applyTickPrice(s, 99, 1, 4_000)).toBe(false); // unknown tick type
    const t = toTick('sim', '265598', s, 5_000);
    expect(t).toEqual({
      v: 1,
      broker: 'sim',
      instrumentId: '265598',
      bid: '187.24',
      ask: '187.26',
      last: '187.25',
      bidSize: '300',
      lastSize: '100',
      volume: '1234500',
      open: '186.5',
      high: '190',
      low: '185',
      close: '186',
      tsEventMs: 4_000,
      tsInitMs: 5_000,
      delayed: false,
    });
    expect(t.askSize).toBeUndefined();
  });

  test('delayed tick types mark the state delayed; RTVolume carries trade and exchange time', () => {
    const s = newTickState(0);
    applyTickPrice(s, 66, 10.5, 1);
    expect(s.delayed).toBe(true);
    expect(s.bid).toBe('10.5');
    expect(applyTickString(s, 48, '187.3;200;1710255600123;5000;187.2;true')).toBe(true);
    expect(s.last).toBe('187.3');
    expect(s.lastSize).toBe('200');
    expect(s.volume).toBe('5000');
    expect(s.tsEventMs).toBe(1710255600123);
    expect(applyTickString(s, 48, ';0;1710255600999;5000;;false')).toBe(true);
    applyTickString(s, 45, '1710255700');
    expect(s.tsEventMs).toBe(1710255700000);
  });
});

describe('contracts', () => {
  const details = (over: Partial<ContractDetails['contract']>, minTick = 0.01): ContractDetails => ({
    contract: {
      conId: 265598,
      symbol: 'AAPL',
      secType: 'STK' as never,
      exchange: 'SMART',
      primaryExch: 'NASDAQ',
      currency: 'USD',
      localSymbol: 'AAPL',
      tradingClass: 'NMS',
      ...over,
    },
    minTick,
    longName: 'APPLE INC',
    timeZoneId: 'US/Eastern',
  });

  test('contract details become an Instrument', () => {
    expect(toInstrument(details({}))).toEqual({
      id: '265598',
      secType: 'STK',
      symbol: 'AAPL',
      localSymbol: 'AAPL',
      exchange: 'SMART',
      primaryExchange: 'NASDAQ',
      currency: 'USD',
      minTick: '0.01',
      tradingClass: 'NMS',
      timeZone: 'US/Eastern',
      longName: 'APPLE INC',
    });
    const opt = toInstrument(
      details({
        secType: 'OPT' as never,
        lastTradeDateOrContractMonth: '20240419',
        strike: 180,
        right: 'C' as never,
        multiplier: 100,
      }),
    );
    expect(opt).toMatchObject({ expiry: '20240419', strike: '180', right: 'C', multiplier: '100' });
  });

  test('an option without strike, or no minTick, is refused', () => {
    expect(() => toInstrument(details({ secType: 'OPT' as never, lastTradeDateOrContractMonth: '20240419' }))).toThrow(
      /strike/,
    );
    expect(() => toInstrument(details({}, Number.NaN))).toThrow(/minTick/);
  });

  test('references become IB contracts; description keys ignore field order', () => {
    expect(toIbContract({ id: '1', exchange: 'SMART' })).toEqual({ conId: 1, exchange: 'SMART' });
    // an id no IB gateway assigned (an Alpaca asset UUID, a conId out of range) is refused, never sent to IB
    for (const id of ['61e69015-8549-4bfd-b9c3-01e75843f47d', '0', '2147483648', '01', 'AAPL'])
      expect(() => toIbContract({ id }), id).toThrow(expect.objectContaining({ code: 'CONTRACT_UNKNOWN' }));
    expect(toIbContract({ secType: 'OPT', symbol: 'AAPL', expiry: '202404', strike: '180', right: 'C' })).toEqual({
      secType: 'OPT',
      symbol: 'AAPL',
      lastTradeDateOrContractMonth: '202404',
      strike: 180,
      right: 'C',
    });
    expect(descriptionKey({ symbol: 'A', secType: 'STK' })).toBe(descriptionKey({ secType: 'STK', symbol: 'A' }));
  });
});

describe('history parsing', () => {
  test('times: epoch seconds, dates, UTC end form, end-of-data marker', () => {
    expect(toIbEndDateTime(Date.parse('2024-03-12T15:00:00Z'))).toBe('20240312-15:00:00');
    expect(toIbEndDateTime(undefined)).toBe('');
    expect(parseIbTime('1710255600')).toBe(1710255600000);
    expect(parseIbTime('20240312')).toBe(Date.parse('2024-03-12T00:00:00Z'));
    expect(parseFinishedMarker('finished-1710255600-1710259200')).toEqual({
      startMs: 1710255600000,
      endMs: 1710259200000,
    });
    expect(parseFinishedMarker('finished-20240311-20240312')).toEqual({
      startMs: Date.parse('2024-03-11T00:00:00Z'),
      endMs: Date.parse('2024-03-12T00:00:00Z'),
    });
    expect(parseFinishedMarker('1710255600')).toBeUndefined();
    expect(() => parseIbTime('yesterday')).toThrow(/unrecognised/);
  });

  test('bars: OHLCV, WAP and count kept; month bars end at the next month', () => {
    const bar = toBarData(
      { time: '1710255600', open: 1, high: 2, low: 0.5, close: 1.5, volume: 100, count: 7, wap: 1.2 },
      barEndFn(300),
    );
    expect(bar).toEqual({
      tsStartMs: 1710255600000,
      tsEndMs: 1710255900000,
      open: '1',
      high: '2',
      low: '0.5',
      close: '1.5',
      volume: '100',
      wap: '1.2',
      count: 7,
      gap: false,
    });
    expect(barEndFn(undefined)(Date.parse('2024-01-01T00:00:00Z'))).toBe(Date.parse('2024-02-01T00:00:00Z'));
    expect(() =>
      toBarData({ time: '1710255600', open: -1, high: 2, low: 1, close: 1, volume: 0, count: 0, wap: 0 }, barEndFn(5)),
    ).toThrow(/OHLC/);
  });

  test("intraday bars end on the exchange zone's grid from local midnight, not at start + size", () => {
    const end3h = barEndFn(3 * 3600, 'US/Eastern');
    // A session's first 3-hour bar starts at the 09:30 open (13:30 UTC in summer time) and ends at 12:00.
    expect(end3h(Date.parse('2024-03-11T13:30:00Z'))).toBe(Date.parse('2024-03-11T16:00:00Z'));
    expect(end3h(Date.parse('2024-03-11T16:00:00Z'))).toBe(Date.parse('2024-03-11T19:00:00Z'));
    // Another day, in winter time (UTC−5), after the summer one: the day is found again.
    expect(end3h(Date.parse('2024-01-10T14:30:00Z'))).toBe(Date.parse('2024-01-10T17:00:00Z'));
    // The last slot of a day ends at the next local midnight.
    expect(end3h(Date.parse('2024-01-10T02:00:00Z'))).toBe(Date.parse('2024-01-10T05:00:00Z'));
    expect(barEndFn(3600, 'US/Eastern')(Date.parse('2024-03-11T13:30:00Z'))).toBe(Date.parse('2024-03-11T14:00:00Z'));
    // No zone, or one this runtime does not know: start + size, as before.
    expect(barEndFn(3 * 3600)(Date.parse('2024-03-11T13:30:00Z'))).toBe(Date.parse('2024-03-11T16:30:00Z'));
    expect(barEndFn(3 * 3600, 'Nowhere/Else')(Date.parse('2024-03-11T13:30:00Z'))).toBe(
      Date.parse('2024-03-11T16:30:00Z'),
    );
    // Weeks: dated at their first trading day, ending at the next Monday (a Tuesday-dated week must not overlap it).
    expect(barEndFn(7 * 86_400, 'US/Eastern')(Date.parse('2024-01-02T00:00:00Z'))).toBe(
      Date.parse('2024-01-08T00:00:00Z'),
    );
    expect(barEndFn(7 * 86_400)(Date.parse('2024-01-08T00:00:00Z'))).toBe(Date.parse('2024-01-15T00:00:00Z'));
    // Months: dated at their first trading day, ending at the first of the next month.
    expect(barEndFn(undefined)(Date.parse('2023-04-03T00:00:00Z'))).toBe(Date.parse('2023-05-01T00:00:00Z'));
    // Days: start + size whatever the zone.
    expect(barEndFn(86_400, 'US/Eastern')(Date.parse('2024-03-11T00:00:00Z'))).toBe(Date.parse('2024-03-12T00:00:00Z'));
  });

  test('real-time bars become 5s Bars', () => {
    const b = toRtBar('sim', '1', 1710255600, [1, 2, 0.5, 1.5], 10, 1.1, 3, 9);
    expect(b).toMatchObject({ timeframe: '5s', tsStartMs: 1710255600000, tsEndMs: 1710255605000, complete: true });
    expect(toRtBar('sim', '1', 1710255600, [-1, 2, 0.5, 1.5], 10, 1.1, 3, 9)).toBeUndefined();
  });
});

describe('IB code classes', () => {
  test('the table', () => {
    expect(classifyIbCode(1100, -1).cls).toBe('connectivity-lost');
    expect(classifyIbCode(2110, -1).cls).toBe('connectivity-lost');
    expect(classifyIbCode(1101, -1).cls).toBe('restored-data-lost');
    expect(classifyIbCode(1102, -1).cls).toBe('restored-data-kept');
    expect(classifyIbCode(2103, -1)).toEqual({ cls: 'farm-broken', farm: 'market' });
    expect(classifyIbCode(2106, -1)).toEqual({ cls: 'farm-ok', farm: 'hmds' });
    expect(classifyIbCode(2108, -1)).toMatchObject({ cls: 'farm-ok', inactive: true });
    expect(classifyIbCode(2158, -1)).toEqual({ cls: 'farm-ok', farm: 'secdef' });
    expect(classifyIbCode(200, 5).cls).toBe('request-failed');
    expect(classifyIbCode(201, 5).cls).toBe('order-rejected');
    expect(classifyIbCode(326, -1).cls).toBe('fatal');
    expect(classifyIbCode(2199, -1).cls).toBe('warning');
    expect(classifyIbCode(99999, 7).cls).toBe('request-failed');
    expect(classifyIbCode(99999, -1).cls).toBe('warning');
    expect(
      isPacingViolation(162, 'Historical Market Data Service error message:Historical data request pacing violation'),
    ).toBe(true);
    expect(isPacingViolation(162, 'HMDS query returned no data')).toBe(false);
    expect(isHistoryNoData(162, 'HMDS query returned no data: AAPL@SMART Trades')).toBe(true);
  });
});

describe('bar ends on daylight-saving days (23 and 25 hours long)', () => {
  const HOUR = 3_600_000;
  const z = (s: string) => Date.parse(`${s}Z`);
  test('3-hour bars: the grid of each local day from its midnight, the last slot cut at the next midnight', () => {
    const ny = barEndFn(3 * 3600, 'America/New_York');
    // Sunday 2024-03-10 (23 h): midnight 05:00 UTC (EST), slots in elapsed hours, the last 22:00–24:00 EDT.
    expect(ny(z('2024-03-10T05:00:00'))).toBe(z('2024-03-10T08:00:00'));
    expect(ny(z('2024-03-10T21:15:00'))).toBe(z('2024-03-10T23:00:00'));
    expect(ny(z('2024-03-11T02:00:00'))).toBe(z('2024-03-11T04:00:00'));
    // Monday: its own grid from 04:00 UTC (EDT).
    expect(ny(z('2024-03-11T04:00:00'))).toBe(z('2024-03-11T07:00:00'));
    // Sunday 2024-11-03 (25 h): midnight 04:00 UTC (EDT), the last slot 23:00–24:00 EST.
    expect(ny(z('2024-11-04T04:00:00'))).toBe(z('2024-11-04T05:00:00'));
    expect(ny(z('2024-11-04T05:00:00'))).toBe(z('2024-11-04T08:00:00'));
    // Berlin, 2024-03-31 (23 h) and 2024-10-27 (25 h).
    const berlin = barEndFn(3 * 3600, 'Europe/Berlin');
    expect(berlin(z('2024-03-31T20:00:00'))).toBe(z('2024-03-31T22:00:00'));
    expect(berlin(z('2024-03-31T22:00:00'))).toBe(z('2024-04-01T01:00:00'));
    expect(berlin(z('2024-10-27T22:00:00'))).toBe(z('2024-10-27T23:00:00'));
    // An hour divides both days: hour bars are an hour long through either change.
    const hours = barEndFn(3600, 'America/New_York');
    for (let t = z('2024-11-03T03:00:00'); t < z('2024-11-04T06:00:00'); t += HOUR) expect(hours(t)).toBe(t + HOUR);
  });

  test("a session's closing bar ends where the next session's opening bar in the same slot starts", () => {
    const endOf = barEndFn(3 * 3600, 'America/New_York');
    const bar = (time: string) =>
      toBarData(
        { time: String(z(time) / 1000), open: 1, high: 1, low: 1, close: 1, volume: 1, count: 1, wap: 1 },
        endOf,
      );
    const bars: ReturnType<typeof bar>[] = [];
    for (const t of ['2024-03-11T16:00:00', '2024-03-11T19:00:00', '2024-03-11T21:15:00', '2024-03-11T22:00:00'])
      appendBar(bars, bar(t));
    expect(bars.map((b) => [b.tsStartMs, b.tsEndMs])).toEqual([
      [z('2024-03-11T16:00:00'), z('2024-03-11T19:00:00')],
      [z('2024-03-11T19:00:00'), z('2024-03-11T21:15:00')],
      [z('2024-03-11T21:15:00'), z('2024-03-11T22:00:00')],
      [z('2024-03-11T22:00:00'), z('2024-03-12T01:00:00')],
    ]);
  });
});
