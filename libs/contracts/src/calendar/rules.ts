/**
 * Holiday rule tables. A rule names a date per year and what happens on it (closed, early close, late open);
 * ad-hoc entries are one-off dates (national days of mourning, September 11, Hurricane Sandy). Times are minutes
 * after the trade date's local midnight in the calendar's zone.
 *
 * Source: the exchanges' published holiday schedules, as transcribed and kept by pandas_market_calendars
 * (rsheftel/pandas_market_calendars, `holidays/nyse.py`, `holidays/cme.py`, `holidays/us.py`, snapshot of
 * 2026-04-04), whose NYSE history follows the NYSE's own closings list. Validated here for 2000-2030; see
 * README.md for how to add a year's announcement.
 */
import {
  dayFromIso,
  dayOf,
  easterSunday,
  nearestWorkday,
  nthWeekday,
  partsOfDay,
  sundayToMonday,
  weekdayOf,
} from './days.js';

export type SpecialKind = 'closed' | 'early-close' | 'late-open';

export interface SpecialDay {
  readonly kind: SpecialKind;
  readonly name: string;
  /** early-close: the close; late-open: the open (minutes after local midnight of the trade date). */
  readonly atMin?: number;
}

export interface HolidayRule {
  readonly name: string;
  readonly kind: SpecialKind;
  readonly atMin?: number;
  /** First and last year the rule applies (inclusive). */
  readonly from?: number;
  readonly to?: number;
  /** The rule's day in `year`, or undefined when it has none that year. */
  readonly date: (year: number) => number | undefined;
}

const MON = 1;
const TUE = 2;
const WED = 3;
const THU = 4;
const FRI = 5;

const HM = (h: number, m = 0): number => h * 60 + m;

/** A one-off date. */
function adHoc(iso: string, kind: SpecialKind, name: string, atMin?: number): HolidayRule {
  const day = dayFromIso(iso);
  const year = partsOfDay(day).year;
  return { name, kind, atMin, from: year, to: year, date: () => day };
}

const newYear = (y: number) => sundayToMonday(dayOf(y, 1, 1));
const mlk = (y: number) => nthWeekday(y, 1, MON, 3);
const presidents = (y: number) => nthWeekday(y, 2, MON, 3);
const goodFriday = (y: number) => easterSunday(y) - 2;
const memorial = (y: number) => nthWeekday(y, 5, MON, -1);
const juneteenth = (y: number) => nearestWorkday(dayOf(y, 6, 19));
const independence = (y: number) => nearestWorkday(dayOf(y, 7, 4));
const labor = (y: number) => nthWeekday(y, 9, MON, 1);
const thanksgiving = (y: number) => nthWeekday(y, 11, THU, 4);
const christmas = (y: number) => nearestWorkday(dayOf(y, 12, 25));
const onWeekdays = (day: number, weekdays: readonly number[]) => (weekdays.includes(weekdayOf(day)) ? day : undefined);
const july3 = (weekdays: readonly number[]) => (y: number) => onWeekdays(dayOf(y, 7, 3), weekdays);
const christmasEve = (y: number) => onWeekdays(dayOf(y, 12, 24), [MON, TUE, WED, THU]);

/** NYSE (and NASDAQ, which keeps the same holidays): closures and 13:00 early closes, New York time. */
export const NYSE_RULES: readonly HolidayRule[] = [
  { name: "New Year's Day", kind: 'closed', date: newYear },
  { name: 'Martin Luther King Jr. Day', kind: 'closed', from: 1998, date: mlk },
  { name: "Washington's Birthday", kind: 'closed', date: presidents },
  { name: 'Good Friday', kind: 'closed', date: goodFriday },
  { name: 'Memorial Day', kind: 'closed', date: memorial },
  { name: 'Juneteenth', kind: 'closed', from: 2022, date: juneteenth },
  { name: 'Independence Day', kind: 'closed', date: independence },
  { name: 'Labor Day', kind: 'closed', date: labor },
  { name: 'Thanksgiving Day', kind: 'closed', date: thanksgiving },
  { name: 'Christmas Day', kind: 'closed', date: christmas },
  adHoc('2001-09-11', 'closed', 'September 11 attacks'),
  adHoc('2001-09-12', 'closed', 'September 11 attacks'),
  adHoc('2001-09-13', 'closed', 'September 11 attacks'),
  adHoc('2001-09-14', 'closed', 'September 11 attacks'),
  adHoc('2004-06-11', 'closed', 'National day of mourning for President Reagan'),
  adHoc('2007-01-02', 'closed', 'National day of mourning for President Ford'),
  adHoc('2012-10-29', 'closed', 'Hurricane Sandy'),
  adHoc('2012-10-30', 'closed', 'Hurricane Sandy'),
  adHoc('2018-12-05', 'closed', 'National day of mourning for President George H. W. Bush'),
  adHoc('2025-01-09', 'closed', 'National day of mourning for President Carter'),
  // July 4 on a Tuesday, Wednesday or Friday: the day before closes at 13:00; on a Thursday, the Friday after
  // closed early until 2012, the Wednesday before from 2013.
  { name: 'Day before Independence Day', kind: 'early-close', atMin: HM(13), date: july3([MON, TUE, THU]) },
  { name: 'Day before Independence Day', kind: 'early-close', atMin: HM(13), from: 2013, date: july3([WED]) },
  {
    name: 'Day after Independence Day',
    kind: 'early-close',
    atMin: HM(13),
    to: 2012,
    date: (y) => onWeekdays(dayOf(y, 7, 5), [FRI]),
  },
  { name: 'Day after Thanksgiving', kind: 'early-close', atMin: HM(13), date: (y) => thanksgiving(y) + 1 },
  { name: 'Christmas Eve', kind: 'early-close', atMin: HM(13), from: 1999, date: christmasEve },
  adHoc('2003-12-26', 'early-close', 'Day after Christmas', HM(13)),
  adHoc('2005-06-01', 'early-close', 'Systems problem', HM(15, 56)),
  adHoc('2001-09-17', 'late-open', 'Moment of silence for September 11', HM(9, 33)),
  adHoc('2001-10-08', 'late-open', 'Moment of silence for Operation Enduring Freedom', HM(9, 31)),
  adHoc('2002-09-11', 'late-open', 'September 11 anniversary', HM(12)),
  adHoc('2003-03-20', 'late-open', 'Moment of silence for Operation Iraqi Freedom', HM(9, 32)),
  adHoc('2004-06-07', 'late-open', 'Moment of silence for President Reagan', HM(9, 32)),
  adHoc('2006-12-27', 'late-open', 'Moment of silence for President Ford', HM(9, 32)),
];

const cmeGoodFridayShort = (y: number) => y === 2010 || y === 2012 || y === 2015 || y === 2021 || y >= 2023;

/**
 * CME Globex equity index futures (ES, NQ, RTY …), Chicago time, by trade date: Globex closes on New Year's Day,
 * Good Friday (except the years it traded until 08:15 for a jobs report) and Christmas; US holidays are trade
 * dates that halt early (10:30 until 2013/2014, 12:00 since); the days before/after Christmas, Independence Day
 * and Thanksgiving halt at 12:15.
 */
export const CME_EQUITY_RULES: readonly HolidayRule[] = [
  { name: "New Year's Day", kind: 'closed', date: newYear },
  { name: 'Good Friday', kind: 'closed', date: (y) => (cmeGoodFridayShort(y) ? undefined : goodFriday(y)) },
  { name: 'Christmas Day', kind: 'closed', date: christmas },
  {
    name: 'Good Friday',
    kind: 'early-close',
    atMin: HM(8, 15),
    date: (y) => (cmeGoodFridayShort(y) ? goodFriday(y) : undefined),
  },
  { name: 'Martin Luther King Jr. Day', kind: 'early-close', atMin: HM(10, 30), from: 1998, to: 2014, date: mlk },
  { name: "Washington's Birthday", kind: 'early-close', atMin: HM(10, 30), to: 2014, date: presidents },
  { name: 'Memorial Day', kind: 'early-close', atMin: HM(10, 30), to: 2013, date: memorial },
  { name: 'Independence Day', kind: 'early-close', atMin: HM(10, 30), to: 2013, date: independence },
  { name: 'Labor Day', kind: 'early-close', atMin: HM(10, 30), to: 2013, date: labor },
  { name: 'Thanksgiving Day', kind: 'early-close', atMin: HM(10, 30), to: 2013, date: thanksgiving },
  { name: 'Martin Luther King Jr. Day', kind: 'early-close', atMin: HM(12), from: 2015, date: mlk },
  { name: "Washington's Birthday", kind: 'early-close', atMin: HM(12), from: 2015, date: presidents },
  { name: 'Memorial Day', kind: 'early-close', atMin: HM(12), from: 2014, date: memorial },
  { name: 'Independence Day', kind: 'early-close', atMin: HM(12), from: 2014, date: independence },
  { name: 'Labor Day', kind: 'early-close', atMin: HM(12), from: 2014, date: labor },
  { name: 'Thanksgiving Day', kind: 'early-close', atMin: HM(12), from: 2014, date: thanksgiving },
  { name: 'Juneteenth', kind: 'early-close', atMin: HM(12), from: 2022, date: juneteenth },
  { name: 'Day before Independence Day', kind: 'early-close', atMin: HM(12, 15), date: july3([MON, TUE, WED, THU]) },
  { name: 'Day after Thanksgiving', kind: 'early-close', atMin: HM(12, 15), date: (y) => thanksgiving(y) + 1 },
  { name: 'Christmas Eve', kind: 'early-close', atMin: HM(12, 15), from: 1993, date: christmasEve },
];

/**
 * CME Globex FX futures (6E, 6J …), Chicago time. The source is exact for 2020-2022 and says so; later years
 * follow its rules (US holidays other than the three closures trade a full session from 2022).
 */
export const CME_FX_RULES: readonly HolidayRule[] = [
  { name: "New Year's Day", kind: 'closed', date: newYear },
  { name: 'Good Friday', kind: 'closed', date: (y) => (y < 2021 || y === 2022 ? goodFriday(y) : undefined) },
  { name: 'Christmas Day', kind: 'closed', date: christmas },
  {
    name: 'Good Friday',
    kind: 'early-close',
    atMin: HM(10, 15),
    date: (y) => (y === 2021 || y >= 2023 ? goodFriday(y) : undefined),
  },
  { name: 'Martin Luther King Jr. Day', kind: 'early-close', atMin: HM(12), from: 1998, to: 2021, date: mlk },
  { name: "Washington's Birthday", kind: 'early-close', atMin: HM(12), to: 2021, date: presidents },
  { name: 'Memorial Day', kind: 'early-close', atMin: HM(12), to: 2021, date: memorial },
  { name: 'Independence Day', kind: 'early-close', atMin: HM(12), to: 2021, date: independence },
  { name: 'Labor Day', kind: 'early-close', atMin: HM(12), to: 2021, date: labor },
  { name: 'Thanksgiving Day', kind: 'early-close', atMin: HM(12), to: 2021, date: thanksgiving },
  { name: 'Day after Thanksgiving', kind: 'early-close', atMin: HM(12, 15), date: (y) => thanksgiving(y) + 1 },
  { name: 'Christmas Eve', kind: 'early-close', atMin: HM(12, 15), from: 1993, date: christmasEve },
];

/**
 * The special days of `year` under `rules`: a closure wins over an early close or late open on the same day, and
 * of two early closes the earlier one counts.
 */
export function specialDaysOf(rules: readonly HolidayRule[], year: number): Map<number, SpecialDay> {
  const out = new Map<number, SpecialDay>();
  for (const rule of rules) {
    if ((rule.from !== undefined && year < rule.from) || (rule.to !== undefined && year > rule.to)) continue;
    const day = rule.date(year);
    if (day === undefined || partsOfDay(day).year !== year) continue;
    const entry: SpecialDay =
      rule.atMin === undefined
        ? { kind: rule.kind, name: rule.name }
        : { kind: rule.kind, name: rule.name, atMin: rule.atMin };
    const prior = out.get(day);
    if (
      prior === undefined ||
      rank(entry) < rank(prior) ||
      (prior.kind === entry.kind && (entry.atMin ?? 0) < (prior.atMin ?? 0))
    )
      out.set(day, entry);
  }
  return out;
}

function rank(s: SpecialDay): number {
  return s.kind === 'closed' ? 0 : 1;
}
