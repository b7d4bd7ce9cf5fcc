/**
 * The volatility series behind HISTORICAL_VOLATILITY and OPTION_IMPLIED_VOLATILITY bars: pure functions of time,
 * annualised, as decimals (0.25 = 25 %), like TWS's.
 *
 * Historical volatility at t: the sample standard deviation of the daily log returns of the last-trade price over
 * the regular sessions whose trade date lies in the 30 calendar days before t's session, followed by the return
 * from the last of them to the price at t (clamped to t's regular session), times √252. The prices are exactly the
 * closes of TRADES daily bars (the mid for quote-only instruments), so the series can be recomputed from them.
 *
 * Implied volatility at t: the 30-day at-the-money volatility of the option model (market/option-model.ts) — the
 * surface at T = 30/365 interpolated linearly between the two listed strikes around the forward, with the
 * underlying's mid as spot (clamped to the regular session: options trade in regular hours only). The model's base
 * volatility is constant, so the series moves only with the forward's place between strikes (skew and smile).
 */
import { OPTION_ROOTS } from '../instruments/catalog-data.js';
import type { Instrument } from '../instruments/instrument.js';
import type { Session } from '../instruments/trading-hours.js';
import { dividendYield, forward, RISK_FREE_RATE, surfaceVolatility } from '../market/option-model.js';
import type { QuoteSource } from '../market/quote-source.js';

export type VolatilityKind = 'HISTORICAL_VOLATILITY' | 'OPTION_IMPLIED_VOLATILITY';

const LOOKBACK_CALENDAR_DAYS = 30;
const TRADING_DAYS_PER_YEAR = 252;
const IV_YEARS = 30 / 365;

/**
 * Whether HMDS has this series for the instrument. IB's data-type table lists both volatilities for stocks, ETFs
 * and indices only; implied volatility also needs listed options (here: the catalog's option roots).
 */
export function hasVolatilityData(instrument: Instrument, kind: VolatilityKind): boolean {
  if (instrument.secType !== 'STK' && instrument.secType !== 'IND') return false;
  if (kind === 'HISTORICAL_VOLATILITY') return true;
  return OPTION_ROOTS.some((r) => r.underConId === instrument.conId);
}

/** The last-trade price at exactly tMs, as TRADES bars take it (the mid when the instrument has no trades). */
function lastPrice(source: QuoteSource, instrument: Instrument, tMs: number): number {
  return instrument.hasTrades ? source.tradePriceAt(instrument, tMs) : source.midAt(instrument, tMs);
}

/** Closes of the lookback sessions before a trade date, per source; bounded like the schedule's session cache. */
const lookbackCache = new WeakMap<QuoteSource, Map<string, readonly number[]>>();

function lookbackCloses(source: QuoteSource, instrument: Instrument, current: Session): readonly number[] {
  let cache = lookbackCache.get(source);
  if (!cache) {
    cache = new Map();
    lookbackCache.set(source, cache);
  }
  const key = `${instrument.conId}:${current.dayNumber}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const closes: number[] = [];
  for (let day = current.dayNumber - LOOKBACK_CALENDAR_DAYS; day < current.dayNumber; day++) {
    const s = instrument.schedule.sessionOf(day, false);
    if (s) closes.push(lastPrice(source, instrument, s.endMs - 1));
  }
  if (cache.size > 20_000) cache.clear();
  cache.set(key, closes);
  return closes;
}

/** Annualised sample standard deviation of the log returns of a price series; 0 with fewer than two returns. */
export function annualisedVolatility(prices: readonly number[]): number {
  const returns: number[] = [];
  for (let i = 1; i < prices.length; i++) {
    const a = prices[i - 1] ?? 0;
    const b = prices[i] ?? 0;
    if (a > 0 && b > 0) returns.push(Math.log(b / a));
  }
  if (returns.length < 2) return 0;
  const mean = returns.reduce((n, r) => n + r, 0) / returns.length;
  const variance = returns.reduce((n, r) => n + (r - mean) ** 2, 0) / (returns.length - 1);
  return Math.sqrt(variance * TRADING_DAYS_PER_YEAR);
}

export function historicalVolatilityAt(source: QuoteSource, instrument: Instrument, tMs: number): number {
  const current = instrument.schedule.lastSessionAtOrBefore(tMs, false);
  const prices = [
    ...lookbackCloses(source, instrument, current),
    lastPrice(source, instrument, Math.min(tMs, current.endMs - 1)),
  ];
  return annualisedVolatility(prices);
}

export function impliedVolatilityAt(source: QuoteSource, instrument: Instrument, tMs: number): number {
  const root = OPTION_ROOTS.find((r) => r.underConId === instrument.conId);
  if (!root) throw new RangeError(`${instrument.localSymbol} has no listed options`);
  const current = instrument.schedule.lastSessionAtOrBefore(tMs, false);
  const spot = source.midAt(instrument, Math.min(tMs, current.endMs - 1));
  const fwd = forward(spot, IV_YEARS, RISK_FREE_RATE, dividendYield(instrument.symbol));
  const lower = Math.floor(fwd / root.strikeStep) * root.strikeStep;
  const weight = (fwd - lower) / root.strikeStep;
  const below = surfaceVolatility(instrument.annualVol, fwd, lower, IV_YEARS);
  const above = surfaceVolatility(instrument.annualVol, fwd, lower + root.strikeStep, IV_YEARS);
  return below + (above - below) * weight;
}

export function volatilityAt(source: QuoteSource, instrument: Instrument, kind: VolatilityKind, tMs: number): number {
  return kind === 'HISTORICAL_VOLATILITY'
    ? historicalVolatilityAt(source, instrument, tMs)
    : impliedVolatilityAt(source, instrument, tMs);
}
