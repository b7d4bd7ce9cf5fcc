import { describe, expect, test } from 'vitest';
import {
  calendarForInstrument,
  closureReason,
  currentOrNextSession,
  isTradingDay,
  latestSession,
  nextSession,
  nextTradingDay,
  previousSession,
  previousTradingDay,
  sessionAt,
  sessionOn,
  specialDays,
  tradeDateAt,
  tradingDaysBackStart,
  tradingDaysBetween,
} from '../src/index.js';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('NYSE holidays', () => {
  test('Good Friday, Thanksgiving and Christmas are closed, with their names', () => {
    expect(isTradingDay('NYSE', '2024-03-29')).toBe(false);
    expect(closureReason('NYSE', '2024-03-29')).toBe('Good Friday');
    expect(isTradingDay('NYSE', '2025-04-18')).toBe(false);
    expect(closureReason('NYSE', '2024-11-28')).toBe('Thanksgiving Day');
    expect(closureReason('NYSE', '2024-12-25')).toBe('Christmas Day');
    expect(closureReason('NYSE', '2024-03-30')).toBe('weekend');
    expect(closureReason('NYSE', '2024-03-28')).toBeUndefined();
  });

  test('the day after Thanksgiving and Christmas Eve close at 13:00, extended hours at 17:00', () => {
    const friday = sessionOn('NYSE', '2024-11-29');
    expect(iso(friday?.regular.openMs)).toBe('2024-11-29T14:30:00.000Z');
    expect(iso(friday?.regular.closeMs)).toBe('2024-11-29T18:00:00.000Z');
    expect(iso(friday?.extended.closeMs)).toBe('2024-11-29T22:00:00.000Z');
    expect(friday?.special).toEqual({ kind: 'early-close', name: 'Day after Thanksgiving' });
    expect(iso(sessionOn('NYSE', '2024-12-24')?.regular.closeMs)).toBe('2024-12-24T18:00:00.000Z');
    // Christmas on a Saturday: Friday the 24th is the holiday, not an early close.
    expect(closureReason('NYSE', '2021-12-24')).toBe('Christmas Day');
    expect(iso(sessionOn('US_OPTIONS', '2024-11-29')?.extended.closeMs)).toBe('2024-11-29T18:00:00.000Z');
  });

  test('Juneteenth from 2022 only, observed on the nearest weekday', () => {
    expect(isTradingDay('NYSE', '2021-06-18')).toBe(true);
    expect(closureReason('NYSE', '2022-06-20')).toBe('Juneteenth');
    expect(closureReason('NYSE', '2023-06-19')).toBe('Juneteenth');
    expect(closureReason('NYSE', '2027-06-18')).toBe('Juneteenth');
  });

  test('July 4 on a weekend moves to the nearest weekday; the day before closes early', () => {
    expect(closureReason('NYSE', '2020-07-03')).toBe('Independence Day');
    expect(isTradingDay('NYSE', '2020-07-02')).toBe(true);
    expect(sessionOn('NYSE', '2020-07-02')?.special).toBeUndefined();
    expect(closureReason('NYSE', '2021-07-05')).toBe('Independence Day');
    expect(closureReason('NYSE', '2026-07-03')).toBe('Independence Day');
    expect(sessionOn('NYSE', '2023-07-03')?.special?.kind).toBe('early-close');
    expect(sessionOn('NYSE', '2024-07-03')?.special?.kind).toBe('early-close'); // a Wednesday, since 2013
    expect(sessionOn('NYSE', '2002-07-03')?.special).toBeUndefined(); // a Wednesday before 2013: a full day …
    expect(sessionOn('NYSE', '2002-07-05')?.special?.kind).toBe('early-close'); // … the Friday after closed early
  });

  test('a Saturday New Year is not observed; a Sunday one moves to Monday', () => {
    expect(isTradingDay('NYSE', '2021-12-31')).toBe(true);
    expect(closureReason('NYSE', '2023-01-02')).toBe("New Year's Day");
  });

  test('unscheduled closures: September 11, Hurricane Sandy, national days of mourning', () => {
    for (const d of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14'])
      expect(closureReason('NYSE', d)).toBe('September 11 attacks');
    expect(iso(sessionOn('NYSE', '2001-09-17')?.regular.openMs)).toBe('2001-09-17T13:33:00.000Z');
    expect(iso(sessionOn('NYSE', '2001-09-17')?.extended.openMs)).toBe('2001-09-17T08:00:00.000Z');
    expect(isTradingDay('NYSE', '2012-10-29')).toBe(false);
    expect(isTradingDay('NYSE', '2012-10-30')).toBe(false);
    expect(closureReason('NYSE', '2018-12-05')).toMatch(/Bush/);
    expect(closureReason('NYSE', '2025-01-09')).toBe('National day of mourning for President Carter');
    expect(previousTradingDay('NYSE', '2001-09-17')).toBe('2001-09-10');
  });

  test('trading days per year match the published counts', () => {
    const count = (y: number) => tradingDaysBetween('NYSE', `${y}-01-01`, `${y}-12-31`).length;
    expect(count(2022)).toBe(251);
    expect(count(2023)).toBe(250);
    expect(count(2024)).toBe(252);
    expect(count(2025)).toBe(250);
  });

  test('the table of a year lists closures and early closes in date order', () => {
    const days = specialDays('NYSE', 2024);
    expect(days.filter((d) => d.kind === 'closed')).toHaveLength(10);
    expect(days.filter((d) => d.kind === 'early-close').map((d) => `${d.date} ${d.time}`)).toEqual([
      '2024-07-03 13:00',
      '2024-11-29 13:00',
      '2024-12-24 13:00',
    ]);
  });
});

describe('CME Globex', () => {
  test('equity futures: a trade date opens at 17:00 Chicago time the evening before', () => {
    const monday = sessionOn('CME_EQUITY', '2024-03-11');
    expect(iso(monday?.extended.openMs)).toBe('2024-03-10T22:00:00.000Z'); // Sunday 17:00 CDT
    expect(iso(monday?.extended.closeMs)).toBe('2024-03-11T21:00:00.000Z');
    expect(iso(monday?.regular.openMs)).toBe('2024-03-11T13:30:00.000Z');
  });

  test('equity futures holidays: closed Christmas and New Year, early halts on US holidays', () => {
    expect(closureReason('CME_EQUITY', '2024-12-25')).toBe('Christmas Day');
    expect(iso(sessionOn('CME_EQUITY', '2024-12-24')?.extended.closeMs)).toBe('2024-12-24T18:15:00.000Z');
    expect(iso(sessionOn('CME_EQUITY', '2024-12-26')?.extended.openMs)).toBe('2024-12-25T23:00:00.000Z');
    expect(iso(sessionOn('CME_EQUITY', '2024-01-15')?.extended.closeMs)).toBe('2024-01-15T18:00:00.000Z');
    expect(iso(sessionOn('CME_EQUITY', '2009-01-19')?.extended.closeMs)).toBe('2009-01-19T16:30:00.000Z');
    expect(iso(sessionOn('CME_EQUITY', '2024-11-28')?.extended.closeMs)).toBe('2024-11-28T18:00:00.000Z');
    expect(iso(sessionOn('CME_EQUITY', '2024-11-29')?.extended.closeMs)).toBe('2024-11-29T18:15:00.000Z');
    expect(sessionOn('CME_EQUITY', '2024-06-19')?.special?.name).toBe('Juneteenth');
    expect(closureReason('CME_EQUITY', '2019-04-19')).toBe('Good Friday');
    const goodFriday = sessionOn('CME_EQUITY', '2026-04-03');
    expect(iso(goodFriday?.extended.openMs)).toBe('2026-04-02T22:00:00.000Z');
    expect(iso(goodFriday?.extended.closeMs)).toBe('2026-04-03T13:15:00.000Z');
    expect(goodFriday?.regular.openMs).toBe(goodFriday?.regular.closeMs); // no regular hours that day
  });

  test('FX futures follow their own table', () => {
    expect(sessionOn('CME_FX', '2022-01-17')?.special).toBeUndefined();
    expect(closureReason('CME_FX', '2022-04-15')).toBe('Good Friday');
    expect(iso(sessionOn('CME_FX', '2022-11-25')?.extended.closeMs)).toBe('2022-11-25T18:15:00.000Z');
  });

  test('an evening belongs to the next trade date', () => {
    expect(tradeDateAt('CME_EQUITY', Date.parse('2024-03-11T23:30:00Z'))).toBe('2024-03-12');
    expect(tradeDateAt('CME_EQUITY', Date.parse('2024-03-10T12:00:00Z'))).toBe('2024-03-08'); // Sunday noon
  });
});

describe('forex 24x5', () => {
  test('Sunday 17:15 New York to Friday 17:00, no holidays', () => {
    const monday = sessionOn('FOREX', '2024-12-23');
    expect(iso(monday?.extended.openMs)).toBe('2024-12-22T22:15:00.000Z');
    expect(isTradingDay('FOREX', '2024-12-25')).toBe(true);
    expect(isTradingDay('FOREX', '2024-12-28')).toBe(false);
    expect(sessionAt('FOREX', Date.parse('2024-12-27T22:05:00Z'), 'extended')).toBeUndefined(); // Friday 17:05
  });
});

describe('crypto 24x7', () => {
  test('every day is a trade date of whole UTC days: weekends and US holidays trade, sessions abut', () => {
    const christmas = sessionOn('CRYPTO', '2024-12-25');
    expect(iso(christmas?.regular.openMs)).toBe('2024-12-25T00:00:00.000Z');
    expect(iso(christmas?.regular.closeMs)).toBe('2024-12-26T00:00:00.000Z');
    expect(isTradingDay('CRYPTO', '2024-12-28')).toBe(true); // a Saturday
    expect(closureReason('CRYPTO', '2024-12-29')).toBeUndefined(); // a Sunday
    const saturdayNight = Date.parse('2024-12-28T23:59:00Z');
    expect(sessionAt('CRYPTO', saturdayNight)?.date).toBe('2024-12-28');
    expect(nextSession('CRYPTO', saturdayNight).date).toBe('2024-12-29');
    expect(previousSession('CRYPTO', saturdayNight).date).toBe('2024-12-27');
    expect(tradingDaysBetween('CRYPTO', '2024-12-23', '2024-12-30')).toHaveLength(8); // both ends, the weekend too
    expect(specialDays('CRYPTO', 2024)).toEqual([]);
  });
});

describe('session navigation', () => {
  const wednesdayEvening = Date.parse('2024-11-27T21:00:00Z'); // 16:00 New York, before Thanksgiving

  test('next, previous, latest and current-or-next session skip the holiday', () => {
    expect(nextSession('NYSE', wednesdayEvening).date).toBe('2024-11-29');
    expect(previousSession('NYSE', wednesdayEvening).date).toBe('2024-11-27');
    expect(latestSession('NYSE', Date.parse('2024-11-28T16:00:00Z')).date).toBe('2024-11-27');
    expect(sessionAt('NYSE', Date.parse('2024-11-27T20:59:59Z'))?.date).toBe('2024-11-27');
    expect(sessionAt('NYSE', wednesdayEvening)).toBeUndefined();
    expect(sessionAt('NYSE', wednesdayEvening, 'extended')?.date).toBe('2024-11-27');
    const dayClose = currentOrNextSession('NYSE', wednesdayEvening);
    expect(iso(dayClose.regular.closeMs)).toBe('2024-11-29T18:00:00.000Z');
  });

  test('next and previous trading day, and the days between two dates', () => {
    expect(nextTradingDay('NYSE', '2024-08-30')).toBe('2024-09-03');
    expect(previousTradingDay('NYSE', '2024-09-03')).toBe('2024-08-30');
    expect(tradingDaysBetween('NYSE', '2024-12-23', '2025-01-03')).toEqual([
      '2024-12-23',
      '2024-12-24',
      '2024-12-26',
      '2024-12-27',
      '2024-12-30',
      '2024-12-31',
      '2025-01-02',
      '2025-01-03',
    ]);
  });

  test('"5 D" ending the day after a holiday reaches back five sessions', () => {
    const tuesdayClose = Date.parse('2024-09-03T20:00:00Z'); // Tuesday after Labor Day, 16:00 New York
    expect(iso(tradingDaysBackStart('NYSE', tuesdayClose, 5))).toBe('2024-08-27T04:00:00.000Z');
    // Ending at Tuesday's midnight: Monday is the holiday, so the span is Monday 26th .. Friday 30th.
    expect(iso(tradingDaysBackStart('NYSE', Date.parse('2024-09-03T04:00:00Z'), 5))).toBe('2024-08-26T04:00:00.000Z');
    // A CME trade date starts the evening before.
    expect(iso(tradingDaysBackStart('CME_EQUITY', Date.parse('2024-03-12T20:00:00Z'), 2))).toBe(
      '2024-03-10T22:00:00.000Z',
    );
  });

  test('rejects a malformed date', () => {
    expect(() => isTradingDay('NYSE', '2024-02-30')).toThrow(/not a calendar date/);
  });
});

describe('instrument to calendar', () => {
  test('by security type, listing and futures class', () => {
    expect(calendarForInstrument({ secType: 'STK', primaryExchange: 'NASDAQ' })).toBe('NASDAQ');
    expect(calendarForInstrument({ secType: 'STK', primaryExchange: 'ARCA' })).toBe('NYSE');
    expect(calendarForInstrument({ secType: 'OPT' })).toBe('US_OPTIONS');
    expect(calendarForInstrument({ secType: 'FUT', symbol: 'ES' })).toBe('CME_EQUITY');
    expect(calendarForInstrument({ secType: 'FUT', symbol: 'EUR', tradingClass: '6E' })).toBe('CME_FX');
    expect(calendarForInstrument({ secType: 'CASH' })).toBe('FOREX');
    expect(calendarForInstrument({ secType: 'CRYPTO', symbol: 'BTC/USD' })).toBe('CRYPTO');
  });
});
