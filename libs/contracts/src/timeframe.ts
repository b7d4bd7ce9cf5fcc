import { z } from 'zod';
import { ContractError } from './errors.js';

/**
 * Timeframe tokens name bar sizes in subjects (`md.bar.<timeframe>.*`) and requests: `<count><unit>` with unit
 * s, m, h, d, w (whole multiples of seconds) or `mo` (calendar months, IB's "1 month"; no fixed length).
 * The canonical token uses the largest unit that divides the length exactly (`60s` → `1m`, `90m` → `90m`,
 * `120m` → `2h`), so one timeframe has exactly one subject.
 */
export class TimeframeError extends ContractError {
  override readonly name = 'TimeframeError';
  constructor(
    message: string,
    readonly input: string,
  ) {
    super('VALIDATION_FAILED', message, { details: { input } });
  }
}

const UNIT_SECONDS = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
type FixedUnit = keyof typeof UNIT_SECONDS;
const TOKEN_RE = /^([1-9][0-9]{0,8})(s|m|h|d|w|mo)$/;

export interface ParsedTimeframe {
  readonly count: number;
  readonly unit: FixedUnit | 'mo';
  /** Length in seconds; undefined for calendar months. */
  readonly seconds: number | undefined;
}

export function parseTimeframe(token: string): ParsedTimeframe {
  const m = TOKEN_RE.exec(token);
  if (m === null) throw new TimeframeError(`'${token}' is not a timeframe token like 1s, 5m, 1h, 1d, 1w, 1mo`, token);
  const count = Number(m[1]);
  const unit = m[2] as FixedUnit | 'mo';
  return { count, unit, seconds: unit === 'mo' ? undefined : count * UNIT_SECONDS[unit] };
}

/** Length of a fixed timeframe in seconds; throws for calendar months. */
export function timeframeSeconds(token: string): number {
  const { seconds } = parseTimeframe(token);
  if (seconds === undefined) throw new TimeframeError(`'${token}' is a calendar timeframe without fixed length`, token);
  return seconds;
}

/** Canonical token for a whole number of seconds: `formatTimeframe(3600)` → `'1h'`. */
export function formatTimeframe(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds <= 0)
    throw new TimeframeError(`timeframe must be a positive whole number of seconds, got ${seconds}`, String(seconds));
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}

/** Canonical form of any valid token (`'60s'` → `'1m'`). */
export function normalizeTimeframe(token: string): string {
  const p = parseTimeframe(token);
  return p.seconds === undefined ? token : formatTimeframe(p.seconds);
}

export function isCanonicalTimeframe(token: string): boolean {
  return TOKEN_RE.test(token) && normalizeTimeframe(token) === token;
}

/** A canonical timeframe token (schema). */
export const Timeframe = z
  .string()
  .check((ctx) => {
    if (!TOKEN_RE.test(ctx.value)) {
      ctx.issues.push({
        code: 'custom',
        message: `'${ctx.value}' is not a timeframe token (1s, 5m, 1h, 1d, 1w, 1mo)`,
        input: ctx.value,
      });
    } else if (!isCanonicalTimeframe(ctx.value)) {
      ctx.issues.push({
        code: 'custom',
        message: `use the canonical token '${normalizeTimeframe(ctx.value)}'`,
        input: ctx.value,
      });
    }
  })
  .meta({
    description: 'Canonical timeframe token: <n>s|m|h|d|w|mo, largest exact unit (60s is written 1m)',
    pattern: '^[1-9][0-9]{0,8}(s|m|h|d|w|mo)$',
  });
export type Timeframe = z.infer<typeof Timeframe>;

/** IB historical/real-time bar size strings, in IB's spelling, with their timeframe token. */
export const IB_BAR_SIZES = {
  '1 secs': '1s',
  '5 secs': '5s',
  '10 secs': '10s',
  '15 secs': '15s',
  '30 secs': '30s',
  '1 min': '1m',
  '2 mins': '2m',
  '3 mins': '3m',
  '5 mins': '5m',
  '10 mins': '10m',
  '15 mins': '15m',
  '20 mins': '20m',
  '30 mins': '30m',
  '1 hour': '1h',
  '2 hours': '2h',
  '3 hours': '3h',
  '4 hours': '4h',
  '8 hours': '8h',
  '1 day': '1d',
  '1 week': '1w',
  '1 month': '1mo',
} as const;
export type IbBarSize = keyof typeof IB_BAR_SIZES;
export const IbBarSizeSchema = z
  .enum(Object.keys(IB_BAR_SIZES) as [IbBarSize, ...IbBarSize[]])
  .meta({ description: 'IB bar size string, e.g. "5 mins", "1 hour", "1 day"' });

/**
 * Timeframe token of an IB bar size ("5 mins" → `5m`). Accepts singular and plural unit words (secs/sec,
 * min/mins, hour/hours, day/days, week/weeks, month/months) as people write them; `toIbBarSize` gives IB's spelling.
 */
export function parseIbBarSize(barSize: string): string {
  const m = /^([1-9][0-9]*) (secs?|mins?|hours?|days?|weeks?|months?)$/.exec(barSize);
  if (m === null) throw new TimeframeError(`'${barSize}' is not an IB bar size like "5 mins" or "1 hour"`, barSize);
  const unit = { sec: 's', min: 'm', hour: 'h', day: 'd', week: 'w', month: 'mo' }[m[2]!.replace(/s$/, '')];
  const token = `${m[1]}${unit}`;
  return unit === 'mo' ? token : normalizeTimeframe(token);
}

/** IB bar size string for a timeframe IB serves directly, or undefined (then resample from `ibBaseBarSize`). */
export function toIbBarSize(token: string): IbBarSize | undefined {
  const canonical = normalizeTimeframe(token);
  const hit = Object.entries(IB_BAR_SIZES).find(([, t]) => t === canonical);
  return hit?.[0] as IbBarSize | undefined;
}

/**
 * The largest IB bar size whose bars tile `token` exactly (e.g. `7m` → "1 min", `45m` → "15 mins", `2d` → "1 day"),
 * from which a timeframe IB does not serve is resampled.
 */
export function ibBaseBarSize(token: string): IbBarSize {
  const p = parseTimeframe(token);
  if (p.seconds === undefined) return '1 month';
  const target = p.seconds;
  let best: IbBarSize = '1 secs';
  let bestSeconds = 1;
  for (const [ib, t] of Object.entries(IB_BAR_SIZES) as [IbBarSize, string][]) {
    const s = parseTimeframe(t).seconds;
    if (s !== undefined && target % s === 0 && s > bestSeconds) {
      best = ib;
      bestSeconds = s;
    }
  }
  return best;
}

/**
 * Bar-size units as IB, pandas and trading tools spell them. Case matters only where the spellings collide:
 * `m` is minutes and `M` months (pandas, ccxt); `T` minutes and `B` business (trading) days are pandas aliases,
 * `MS`/`ME` pandas month start/end. Words are case-insensitive (`Mins`, `HOUR`).
 */
const UNIT_WORDS: Readonly<Record<string, FixedUnit | 'mo'>> = {
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  w: 'w',
  wk: 'w',
  wks: 'w',
  week: 'w',
  weeks: 'w',
  mo: 'mo',
  mon: 'mo',
  mons: 'mo',
  month: 'mo',
  months: 'mo',
};
const UNIT_EXACT: Readonly<Record<string, FixedUnit | 'mo'>> = { m: 'm', T: 'm', B: 'd', M: 'mo', MS: 'mo', ME: 'mo' };
const SPEC_RE = /^([1-9][0-9]{0,8})?\s*([A-Za-z]+)$/;

/** What a bar-size error lists: the forms accepted. */
export const BAR_SIZE_FORMS =
  'IB ("5 secs", "7 mins", "1 hour", "3 days", "1 week", "1 month"), a token ("7m", "1h", "1d", "1w", "1mo") or ' +
  'pandas ("15min", "15T", "1H", "1D", "1B", "1W", "1M"); whole seconds or more (1s is the finest)';

/**
 * Canonical timeframe token of a bar size written any way IB, pandas and trading-tool users write it: `'7 mins'`,
 * `'45 mins'`, `'3 days'`, `'60m'`, `'1 hour'`, `'1h'`, `'1H'`, `'15min'`, `'15T'`, `'1D'`, `'1W'`, `'1M'`
 * (→ `7m`, `45m`, `3d`, `1h`, `1h`, `1h`, `1h`, `15m`, `15m`, `1d`, `1w`, `1mo`). A count of 1 may be left out
 * (`'H'`, `'min'`). Throws TimeframeError naming the accepted forms otherwise.
 */
export function parseBarSize(text: string): string {
  const m = SPEC_RE.exec(text.trim());
  const unit = m === null ? undefined : (UNIT_EXACT[m[2] as string] ?? UNIT_WORDS[(m[2] as string).toLowerCase()]);
  if (m === null || unit === undefined)
    throw new TimeframeError(`'${text}' is not a bar size; write it as ${BAR_SIZE_FORMS}`, text);
  const token = `${m[1] ?? '1'}${unit}`;
  return unit === 'mo' ? token : normalizeTimeframe(token);
}

/** A bar size as IB, pandas or a timeframe token writes it (see parseBarSize); `barSizeToTimeframe` normalises. */
export const BarSizeSpec = z
  .string()
  .check((ctx) => {
    try {
      parseBarSize(ctx.value);
    } catch (err) {
      ctx.issues.push({
        code: 'custom',
        message: err instanceof Error ? err.message : String(err),
        input: ctx.value,
      });
    }
  })
  .meta({
    description: `Bar size, written as ${BAR_SIZE_FORMS}`,
    examples: ['1 hour', '5 mins', '7m', '15min', '1D'],
  });
export function barSizeToTimeframe(spec: string): string {
  return parseBarSize(spec);
}

/** IB duration string units: seconds, days, weeks, months, years ("30 S", "5 D", "2 W", "6 M", "1 Y"). */
export type IbDurationUnit = 'S' | 'D' | 'W' | 'M' | 'Y';
export interface IbDuration {
  readonly count: number;
  readonly unit: IbDurationUnit;
  /**
   * Upper bound of the span in calendar seconds (D = 86 400 s, W = 7 d, M = 31 d, Y = 366 d); IB counts D/W/M/Y in
   * trading periods ending at endDateTime, so the bars returned may cover less.
   */
  readonly maxSeconds: number;
}
const DURATION_UNIT_SECONDS: Record<IbDurationUnit, number> = {
  S: 1,
  D: 86_400,
  W: 7 * 86_400,
  M: 31 * 86_400,
  Y: 366 * 86_400,
};
const DURATION_PATTERN = '^[1-9][0-9]{0,8} [SDWMY]$';

export function parseIbDuration(duration: string): IbDuration {
  const m = /^([1-9][0-9]{0,8}) ([SDWMY])$/.exec(duration);
  if (m === null)
    throw new TimeframeError(`'${duration}' is not an IB duration like "30 S", "5 D", "2 W", "6 M", "1 Y"`, duration);
  const count = Number(m[1]);
  const unit = m[2] as IbDurationUnit;
  return { count, unit, maxSeconds: count * DURATION_UNIT_SECONDS[unit] };
}

export function formatIbDuration(d: { count: number; unit: IbDurationUnit }): string {
  return `${d.count} ${d.unit}`;
}

/** Smallest IB duration string covering `seconds` (S up to a day, then D, W, M, Y as IB prefers). */
export function ibDurationCovering(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new TimeframeError('duration must be positive', String(seconds));
  if (seconds <= 86_400) return `${Math.ceil(seconds)} S`;
  const days = Math.ceil(seconds / 86_400);
  if (days <= 365) return `${days} D`;
  return `${Math.ceil(days / 365)} Y`;
}

export const IbDurationSchema = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), 'IB duration like "30 S", "5 D", "2 W", "6 M", "1 Y"')
  .meta({ description: 'IB duration string: "<n> S|D|W|M|Y", e.g. "5 D"' });
