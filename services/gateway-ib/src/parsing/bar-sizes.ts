/**
 * IB's words for historical requests, pure: its bar sizes ("5 mins", barSizeSetting) and durations ("5 D",
 * durationStr). The broker contract speaks domain timeframes and epoch-ms ranges (FetchHistoryRequest); this is
 * where a request becomes IB's, and nowhere else.
 */
import { ContractError, normalizeTimeframe, parseTimeframe, TimeframeError } from '@trading-system/contracts';

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
/** Timeframe token of an IB bar size ("5 mins" → `5m`); singular and plural unit words are accepted. */
export function parseIbBarSize(barSize: string): string {
  const m = /^([1-9][0-9]*) (secs?|mins?|hours?|days?|weeks?|months?)$/.exec(barSize);
  if (m === null) throw new TimeframeError(`'${barSize}' is not an IB bar size like "5 mins" or "1 hour"`, barSize);
  const unit = { sec: 's', min: 'm', hour: 'h', day: 'd', week: 'w', month: 'mo' }[m[2]!.replace(/s$/, '')];
  const token = `${m[1]}${unit}`;
  return unit === 'mo' ? token : normalizeTimeframe(token);
}

/** IB bar size string for a timeframe IB serves directly, or undefined. */
export function toIbBarSize(token: string): IbBarSize | undefined {
  const canonical = normalizeTimeframe(token);
  const hit = Object.entries(IB_BAR_SIZES).find(([, t]) => t === canonical);
  return hit?.[0] as IbBarSize | undefined;
}

const DAY_S = 86_400;
/** IB refuses a duration under 30 S (error 321, "duration is invalid"): a shorter span asks for 30 S and is cut. */
const MIN_DURATION_S = 30;

/**
 * IB duration string covering `spanMs` with the unit IB accepts for it: seconds (at least 30) up to one day, whole
 * days up to a year, else years. D/Y count trading periods back from the end, which covers at least the calendar span.
 */
export function ibDurationCovering(spanMs: number): string {
  const seconds = Math.ceil(spanMs / 1_000);
  if (seconds <= DAY_S) return `${Math.max(seconds, MIN_DURATION_S)} S`;
  const days = Math.ceil(seconds / DAY_S);
  if (days <= 365) return `${days} D`;
  return `${Math.ceil(days / 365)} Y`;
}

/** A domain history request in IB's words. */
export interface IbHistoryParams {
  readonly barSize: IbBarSize;
  /** IB's durationStr covering the span (back from the end, or from when it is sent when the end is now). */
  readonly duration: string;
  /** Bar length in seconds; undefined for monthly bars. */
  readonly barSeconds: number | undefined;
}

/**
 * IB's barSizeSetting and durationStr for bars of `timeframe` over `spanMs`. A timeframe IB does not serve is
 * refused VALIDATION_FAILED (callers resample from one it announces).
 */
export function toIbHistoryParams(timeframe: string, spanMs: number): IbHistoryParams {
  const barSize = toIbBarSize(timeframe);
  if (barSize === undefined)
    throw new ContractError('VALIDATION_FAILED', `IB serves no ${timeframe} bars`, {
      details: { served: Object.values(IB_BAR_SIZES) },
    });
  if (!(spanMs > 0)) throw new ContractError('VALIDATION_FAILED', 'the range must not be empty');
  return { barSize, duration: ibDurationCovering(spanMs), barSeconds: parseTimeframe(timeframe).seconds };
}
