/**
 * IB's historical request vocabulary: bar sizes, durations and the duration → bar-size step table
 * (spec §3.6 and §4.3), with the exact refusal texts clients see.
 */

export interface BarSize {
  readonly text: string;
  /** Length in seconds for intraday bars; 86400 for a day; weeks and months are calendar units. */
  readonly seconds: number;
  readonly unit: 'intraday' | 'day' | 'week' | 'month';
}

const INTRADAY: Array<[string, number]> = [
  ['1 secs', 1],
  ['5 secs', 5],
  ['10 secs', 10],
  ['15 secs', 15],
  ['30 secs', 30],
  ['1 min', 60],
  ['2 mins', 120],
  ['3 mins', 180],
  ['5 mins', 300],
  ['10 mins', 600],
  ['15 mins', 900],
  ['20 mins', 1200],
  ['30 mins', 1800],
  ['1 hour', 3600],
  ['2 hours', 7200],
  ['3 hours', 10800],
  ['4 hours', 14400],
  ['8 hours', 28800],
];

const BAR_SIZES = new Map<string, BarSize>([
  ...INTRADAY.map(([text, seconds]): [string, BarSize] => [text, { text, seconds, unit: 'intraday' }]),
  ['1 day', { text: '1 day', seconds: 86_400, unit: 'day' }],
  ['1 week', { text: '1 week', seconds: 7 * 86_400, unit: 'week' }],
  ['1w', { text: '1 week', seconds: 7 * 86_400, unit: 'week' }],
  ['1 month', { text: '1 month', seconds: 30 * 86_400, unit: 'month' }],
  ['1m', { text: '1 month', seconds: 30 * 86_400, unit: 'month' }],
]);

export const BAR_SIZE_INVALID =
  'Historical data bar size setting is invalid. Legal ones are: 1 secs, 5 secs, 10 secs, 15 secs, 30 secs, 1 min, 2 mins, 3 mins, 5 mins, 10 mins, 15 mins, 20 mins, 30 mins, 1 hour, 2 hours, 3 hours, 4 hours, 8 hours, 1 day, 1W, 1M';

export function parseBarSize(text: string): BarSize | undefined {
  return BAR_SIZES.get(text.trim().toLowerCase().replace(/\s+/g, ' '));
}

export interface Duration {
  readonly count: number;
  readonly unit: 'S' | 'D' | 'W' | 'M' | 'Y';
  /** Nominal length in seconds (D = 86400, W = 7 D, M = 30 D, Y = 365 D), for the step table. */
  readonly seconds: number;
}

export type DurationResult = { ok: true; duration: Duration } | { ok: false; cause: string };

const UNIT_SECONDS = { S: 1, D: 86_400, W: 7 * 86_400, M: 30 * 86_400, Y: 365 * 86_400 } as const;

export function parseDuration(text: string): DurationResult {
  const t = text.trim();
  if (t === '') return { ok: false, cause: 'Historical data request duration not specified.' };
  const m = /^(-?\d+)(?: ([A-Za-z]))?$/.exec(t);
  const unit = (m?.[2] ?? 'S').toUpperCase();
  if (!m || !(unit in UNIT_SECONDS)) {
    return {
      ok: false,
      cause: 'When specifying a unit, historical data request duration format is integer{SPACE}unit (S|D|W|M|Y).',
    };
  }
  const count = Number(m[1]);
  const u = unit as keyof typeof UNIT_SECONDS;
  if (count < 1 || (u === 'S' && count < 30))
    return { ok: false, cause: 'Historical data requested duration is invalid.' };
  if (u === 'S' && count > 86_400)
    return { ok: false, cause: 'Historical data request for greater than 86400 seconds rejected.' };
  if ((u === 'D' && count > 365) || (u === 'W' && count > 52) || (u === 'M' && count > 12)) {
    return { ok: false, cause: 'Historical data requests for durations longer than 365 days must be made in years.' };
  }
  return { ok: true, duration: { count, unit: u, seconds: count * UNIT_SECONDS[u] } };
}

/** IB's step table: for durations up to `upTo` seconds, bar sizes from `minBar` to `maxBar` seconds. */
const STEPS: ReadonlyArray<{ upTo: number; minBar: number; maxBar: number }> = [
  { upTo: 60, minBar: 1, maxBar: 60 },
  { upTo: 120, minBar: 1, maxBar: 120 },
  { upTo: 1_800, minBar: 1, maxBar: 1_800 },
  { upTo: 3_600, minBar: 5, maxBar: 3_600 },
  { upTo: 14_400, minBar: 10, maxBar: 10_800 },
  { upTo: 28_800, minBar: 30, maxBar: 28_800 },
  { upTo: 86_400, minBar: 60, maxBar: 86_400 },
  { upTo: 2 * 86_400, minBar: 120, maxBar: 86_400 },
  { upTo: 7 * 86_400, minBar: 180, maxBar: 7 * 86_400 },
  { upTo: 31 * 86_400, minBar: 1_800, maxBar: 30 * 86_400 },
  { upTo: Number.POSITIVE_INFINITY, minBar: 86_400, maxBar: 30 * 86_400 },
];

/**
 * Checks the duration/bar-size combination. Too small a bar for the duration is HMDS's "Time length
 * exceed max." (162); a bar longer than the table allows for the duration is "invalid step" (162).
 */
export function checkStep(duration: Duration, bar: BarSize): string | undefined {
  const row = STEPS.find((s) => duration.seconds <= s.upTo);
  if (!row) return 'Time length exceed max.';
  if (bar.seconds < row.minBar) return 'Time length exceed max.';
  if (bar.seconds > row.maxBar) return `invalid step: ${bar.text} for ${duration.count} ${duration.unit}`;
  return undefined;
}

/**
 * whatToShow values reqHistoricalData accepts. HISTORICAL_VOLATILITY / OPTION_IMPLIED_VOLATILITY are bars of
 * annualised volatility; SCHEDULE is answered with HISTORICAL_SCHEDULE (106), never with bars.
 */
export const WHAT_TO_SHOW = [
  'TRADES',
  'MIDPOINT',
  'BID',
  'ASK',
  'BID_ASK',
  'ADJUSTED_LAST',
  'HISTORICAL_VOLATILITY',
  'OPTION_IMPLIED_VOLATILITY',
  'SCHEDULE',
] as const;
export type WhatToShow = (typeof WHAT_TO_SHOW)[number];

export function parseWhatToShow(text: string): WhatToShow | undefined {
  const upper = text.trim().toUpperCase();
  return (WHAT_TO_SHOW as readonly string[]).includes(upper) ? (upper as WhatToShow) : undefined;
}
