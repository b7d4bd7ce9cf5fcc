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

/**
 * A span back from a range's end, in the domain's words: `<n>s` seconds, `<n>d` trading days (n sessions of the
 * instrument's calendar, the end's trade date included; n weekdays without a calendar), `<n>w` weeks, `<n>mo`
 * months, `<n>y` years (calendar spans). People also write spans as IB does ("30 S", "5 D", "2 W", "6 M", "1 Y"):
 * that spelling is accepted as an alias and means the same.
 */
export type SpanUnit = 's' | 'd' | 'w' | 'mo' | 'y';
export interface ParsedSpan {
  readonly count: number;
  readonly unit: SpanUnit;
  /**
   * Upper bound of the span in calendar seconds (d = 86 400 s, w = 7 d, mo = 31 d, y = 366 d); `d` counts sessions
   * back from the end, so the bars returned may cover less.
   */
  readonly maxSeconds: number;
}
const SPAN_UNIT_SECONDS: Record<SpanUnit, number> = {
  s: 1,
  d: 86_400,
  w: 7 * 86_400,
  mo: 31 * 86_400,
  y: 366 * 86_400,
};
const SPAN_RE = /^([1-9][0-9]{0,8})(s|d|w|mo|y)$/;
const SPAN_ALIAS_RE = /^([1-9][0-9]{0,8}) ([SDWMY])$/;
const SPAN_ALIAS_UNITS: Record<string, SpanUnit> = { S: 's', D: 'd', W: 'w', M: 'mo', Y: 'y' };
const SPAN_FORMS = '"30s", "5d", "2w", "6mo", "1y" (or "30 S", "5 D", "2 W", "6 M", "1 Y")';

/** A span written as a token ("5d") or in IB's spelling ("5 D"); throws TimeframeError naming the forms otherwise. */
export function parseSpan(text: string): ParsedSpan {
  const t = text.trim();
  const m = SPAN_RE.exec(t);
  const alias = m === null ? SPAN_ALIAS_RE.exec(t) : null;
  const count = Number((m ?? alias)?.[1]);
  const unit = m !== null ? (m[2] as SpanUnit) : alias !== null ? SPAN_ALIAS_UNITS[alias[2] as string] : undefined;
  if (unit === undefined) throw new TimeframeError(`'${text}' is not a span; write it as ${SPAN_FORMS}`, text);
  return { count, unit, maxSeconds: count * SPAN_UNIT_SECONDS[unit] };
}

/** Canonical token of a span ("5 D" → "5d"). */
export function normalizeSpan(text: string): string {
  const p = parseSpan(text);
  return `${p.count}${p.unit}`;
}

/** Smallest span token covering `seconds`: seconds up to a day, then days (sessions) up to a year, else years. */
export function spanCovering(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new TimeframeError('span must be positive', String(seconds));
  if (seconds <= 86_400) return `${Math.ceil(seconds)}s`;
  const days = Math.ceil(seconds / 86_400);
  if (days <= 365) return `${days}d`;
  return `${Math.ceil(days / 365)}y`;
}

/** A span back from a range's end (see parseSpan): "5d", "2w", "6mo", "1y", "30s", or IB's "5 D". */
export const SpanSpec = z
  .string()
  .check((ctx) => {
    try {
      parseSpan(ctx.value);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: err instanceof Error ? err.message : String(err), input: ctx.value });
    }
  })
  .meta({
    description: `Span back from a range's end: ${SPAN_FORMS}; d counts trading sessions`,
    examples: ['5d', '2w', '6mo', '1y', '5 D'],
  });
