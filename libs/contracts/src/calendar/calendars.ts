/**
 * The calendars we know: which holiday rules, which zone and which hours. "Regular" hours are the liquid
 * session (IB's liquidHours, useRTH=1); "extended" hours are the full trading session (IB's tradingHours,
 * outsideRth orders), the regular session included. Minutes are counted from the trade date's local midnight;
 * a negative open is the evening before (CME Globex opens 17:00 Chicago time on the previous calendar day).
 */
import { z } from 'zod';
import { CME_EQUITY_RULES, CME_FX_RULES, type HolidayRule, NYSE_RULES } from './rules.js';

export const CALENDAR_IDS = [
  'NYSE',
  'NASDAQ',
  'US_OPTIONS',
  'US_INDEX',
  'CME_EQUITY',
  'CME_FX',
  'FOREX',
  'METALS',
  'CRYPTO',
] as const;
export const CalendarId = z.enum(CALENDAR_IDS).meta({
  description:
    'Trading calendar: NYSE / NASDAQ (US stocks, 04:00-20:00 with 09:30-16:00 regular), US_OPTIONS (US equity options), US_INDEX (cash indices), CME_EQUITY / CME_FX (CME Globex futures, Chicago time), FOREX (24x5, IDEALPRO hours), METALS (spot metals, 23x5), CRYPTO (24x7, UTC days)',
});
export type CalendarId = z.infer<typeof CalendarId>;

interface Hours {
  readonly openMin: number;
  readonly closeMin: number;
}

export interface CalendarSpec {
  readonly id: CalendarId;
  readonly name: string;
  /** IANA zone of the hours and of the trade date. */
  readonly timeZone: string;
  /** Weekdays (0 = Sunday) that are trade dates unless a rule closes them. */
  readonly weekdays: readonly number[];
  readonly regular: Hours;
  readonly extended: Hours;
  /** On an early-close day: the extended session's close when the rule gives the regular close (NYSE: 17:00). */
  readonly extendedCloseOnEarlyClose?: number;
  readonly rules: readonly HolidayRule[];
  /** Where the rules come from and for which years they are known. */
  readonly source: string;
}

const MON_FRI = [1, 2, 3, 4, 5];
const HM = (h: number, m = 0): number => h * 60 + m;
const NYSE_SOURCE =
  'NYSE holidays and early closings (nyse.com/markets/hours-calendars) as kept by pandas_market_calendars; ad-hoc closures 2001-2025 listed in rules.ts; known 2000-2030';
const CME_SOURCE =
  'CME Group holiday calendar (cmegroup.com/tools-information/holiday-calendar.html) as kept by pandas_market_calendars (CME Globex Equities / FX); known 2000-2030';

export const CALENDARS: Readonly<Record<CalendarId, CalendarSpec>> = {
  NYSE: {
    id: 'NYSE',
    name: 'New York Stock Exchange',
    timeZone: 'America/New_York',
    weekdays: MON_FRI,
    regular: { openMin: HM(9, 30), closeMin: HM(16) },
    extended: { openMin: HM(4), closeMin: HM(20) },
    extendedCloseOnEarlyClose: HM(17),
    rules: NYSE_RULES,
    source: NYSE_SOURCE,
  },
  NASDAQ: {
    id: 'NASDAQ',
    name: 'Nasdaq (same holidays as the NYSE)',
    timeZone: 'America/New_York',
    weekdays: MON_FRI,
    regular: { openMin: HM(9, 30), closeMin: HM(16) },
    extended: { openMin: HM(4), closeMin: HM(20) },
    extendedCloseOnEarlyClose: HM(17),
    rules: NYSE_RULES,
    source: NYSE_SOURCE,
  },
  US_OPTIONS: {
    id: 'US_OPTIONS',
    name: 'US equity options (NYSE holidays, regular hours only)',
    timeZone: 'America/New_York',
    weekdays: MON_FRI,
    regular: { openMin: HM(9, 30), closeMin: HM(16) },
    extended: { openMin: HM(9, 30), closeMin: HM(16) },
    rules: NYSE_RULES,
    source: NYSE_SOURCE,
  },
  US_INDEX: {
    id: 'US_INDEX',
    name: 'US cash indices (NYSE holidays; calculated until 16:15)',
    timeZone: 'America/New_York',
    weekdays: MON_FRI,
    regular: { openMin: HM(9, 30), closeMin: HM(16) },
    extended: { openMin: HM(9, 30), closeMin: HM(16, 15) },
    extendedCloseOnEarlyClose: HM(13, 15),
    rules: NYSE_RULES,
    source: NYSE_SOURCE,
  },
  CME_EQUITY: {
    id: 'CME_EQUITY',
    name: 'CME Globex equity index futures',
    timeZone: 'America/Chicago',
    weekdays: MON_FRI,
    regular: { openMin: HM(8, 30), closeMin: HM(15) },
    extended: { openMin: -HM(7), closeMin: HM(16) },
    rules: CME_EQUITY_RULES,
    source: CME_SOURCE,
  },
  CME_FX: {
    id: 'CME_FX',
    name: 'CME Globex FX futures',
    timeZone: 'America/Chicago',
    weekdays: MON_FRI,
    regular: { openMin: HM(8, 30), closeMin: HM(15) },
    extended: { openMin: -HM(7), closeMin: HM(16) },
    rules: CME_FX_RULES,
    source: CME_SOURCE,
  },
  FOREX: {
    id: 'FOREX',
    name: 'Forex 24x5 (IB IDEALPRO: 17:15 to 17:00 New York time)',
    timeZone: 'America/New_York',
    weekdays: MON_FRI,
    regular: { openMin: -HM(6, 45), closeMin: HM(17) },
    extended: { openMin: -HM(6, 45), closeMin: HM(17) },
    rules: [],
    source:
      'Spot FX trades Sunday evening to Friday 17:00 New York time without holidays (pandas_market_calendars FOREX)',
  },
  METALS: {
    id: 'METALS',
    name: 'Spot metals 23x5 (IB: 18:00 to 17:00 New York time)',
    timeZone: 'America/New_York',
    weekdays: MON_FRI,
    regular: { openMin: -HM(6), closeMin: HM(17) },
    extended: { openMin: -HM(6), closeMin: HM(17) },
    rules: [],
    source: 'IB spot metals hours; no holidays modelled',
  },
  CRYPTO: {
    id: 'CRYPTO',
    name: 'Crypto 24x7 (trade dates are UTC days)',
    timeZone: 'UTC',
    weekdays: [0, 1, 2, 3, 4, 5, 6],
    regular: { openMin: 0, closeMin: HM(24) },
    extended: { openMin: 0, closeMin: HM(24) },
    rules: [],
    source: 'Crypto venues (Alpaca, Coinbase) trade around the clock every day; UTC day boundaries, no holidays',
  },
};

const CME_FX_SYMBOLS = new Set(['EUR', 'GBP', 'JPY', 'AUD', 'CAD', 'CHF', 'MXN', 'NZD', 'M6E', 'M6A', 'M6B']);

/**
 * The calendar of an instrument, from what every message carries (security type, exchange, symbol). US
 * instruments only: STK by listing (NASDAQ or NYSE, same holidays), OPT US_OPTIONS, IND US_INDEX, FUT CME_FX for
 * currency futures (IB names 6E `EUR`, trading class `6E`) else CME_EQUITY, CASH FOREX, CMDTY METALS, CRYPTO CRYPTO
 * (round the clock).
 */
export function calendarForInstrument(i: {
  readonly secType: string;
  readonly symbol?: string | undefined;
  readonly primaryExchange?: string | undefined;
  readonly tradingClass?: string | undefined;
}): CalendarId {
  switch (i.secType) {
    case 'STK':
      return i.primaryExchange === 'NASDAQ' ? 'NASDAQ' : 'NYSE';
    case 'OPT':
      return 'US_OPTIONS';
    case 'IND':
      return 'US_INDEX';
    case 'FUT':
      return CME_FX_SYMBOLS.has(i.symbol ?? '') || /^6[A-Z]$/.test(i.tradingClass ?? '') ? 'CME_FX' : 'CME_EQUITY';
    case 'CASH':
      return 'FOREX';
    case 'CMDTY':
      return 'METALS';
    case 'CRYPTO':
      return 'CRYPTO';
    default:
      return 'NYSE';
  }
}
