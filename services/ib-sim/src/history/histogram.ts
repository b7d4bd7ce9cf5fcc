/**
 * reqHistogramData: the volume traded at each price over a period ending now — a pure function of the sim's
 * trades. Volume is the session's cumulative volume curve (QuoteSource.volumeAt) cut into chunks of whole
 * seconds; each chunk's volume goes to the price of the trade at the chunk's first second. Per session the chunk
 * volumes telescope to exactly the volume of that session's TRADES daily bar over the same window, so the points
 * sum to the volume the bars report.
 */
import type { Instrument } from '../instruments/instrument.js';
import type { QuoteSource } from '../market/quote-source.js';
import type { Duration } from './bar-size.js';
import { windowStart } from './bars.js';

export interface HistogramPoint {
  readonly price: number;
  /** Integer volume (ib_async reads it with int()). */
  readonly size: number;
}

const UNIT_ALIASES: Readonly<Record<string, Duration['unit']>> = {
  s: 'S',
  sec: 'S',
  secs: 'S',
  second: 'S',
  seconds: 'S',
  d: 'D',
  day: 'D',
  days: 'D',
  w: 'W',
  week: 'W',
  weeks: 'W',
  m: 'M',
  month: 'M',
  months: 'M',
  y: 'Y',
  year: 'Y',
  years: 'Y',
};
const UNIT_SECONDS = { S: 1, D: 86_400, W: 7 * 86_400, M: 30 * 86_400, Y: 365 * 86_400 } as const;

/**
 * The histogram period: `<n> <unit>` as IB documents it ("3 days"); @stoqey/ib sends `1 weeks`, `2 months`, IB's
 * samples `1 week`, so singular, plural and the one-letter forms are all accepted. Days count sessions back from
 * now, like an "N D" bar request; weeks, months and years are calendar spans.
 */
export function parseHistogramPeriod(text: string): Duration | undefined {
  const m = /^(\d+)\s*([A-Za-z]+)$/.exec(text.trim());
  const unit = m?.[2] === undefined ? undefined : UNIT_ALIASES[m[2].toLowerCase()];
  const count = Number(m?.[1]);
  if (!unit || !(count >= 1)) return undefined;
  return { count, unit, seconds: count * UNIT_SECONDS[unit] };
}

/** Longest histogram period in years: the histogram is built on the sim's one thread while every client waits. */
export const HISTOGRAM_MAX_YEARS = 5;

/**
 * Why a well-formed period is refused, or undefined. Days, weeks and months past a year must be asked in years, as
 * for bar durations (the same 321 text); years are capped at HISTOGRAM_MAX_YEARS — "99999999 days" walked every
 * session back for 18 s with the sim's event loop blocked for all its clients.
 */
export function histogramPeriodRefusal(d: Duration): string | undefined {
  if ((d.unit === 'D' && d.count > 365) || (d.unit === 'W' && d.count > 52) || (d.unit === 'M' && d.count > 12))
    return 'Historical data requests for durations longer than 365 days must be made in years.';
  if (d.unit === 'Y' && d.count > HISTOGRAM_MAX_YEARS) return 'Historical data requested duration is invalid.';
  return undefined;
}

/** At most this many trade prices are looked up per request; longer periods use longer chunks. */
const MAX_CHUNKS = 100_000;

export function buildHistogram(
  source: QuoteSource,
  instrument: Instrument,
  endMs: number,
  duration: Duration,
  useRth: boolean,
): HistogramPoint[] {
  const startMs = windowStart({ instrument, endMs, duration, useRth });
  const spans = instrument.schedule
    .sessionsBetween(startMs, endMs, !useRth)
    .map((s): [number, number] => [Math.max(s.startMs, startMs), Math.min(s.endMs, endMs)])
    .filter(([a, b]) => b > a);
  const totalMs = spans.reduce((n, [a, b]) => n + (b - a), 0);
  const chunkMs = Math.max(1, Math.ceil(totalMs / MAX_CHUNKS / 1000)) * 1000;
  const volume = (tMs: number): number => source.volumeAt(instrument, tMs);
  const byPrice = new Map<number, number>();
  for (const [a, b] of spans) {
    // The last chunk ends at b - 1 ms, as a daily bar's volume does.
    for (let t = a; t < b; t += chunkMs) {
      const next = t + chunkMs;
      const size = (next >= b ? volume(b - 1) : volume(next)) - volume(t);
      if (size <= 0) continue;
      const price = source.tradePriceAt(instrument, t);
      byPrice.set(price, (byPrice.get(price) ?? 0) + size);
    }
  }
  return [...byPrice.entries()].sort(([p], [q]) => p - q).map(([price, size]) => ({ price, size }));
}
