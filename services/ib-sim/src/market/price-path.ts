/**
 * The synthetic price path: a pure function of (seed, instrument, time). It is multi-octave value noise in
 * log-price — 14 octaves with periods 1 s, 4 s, 16 s … 4^13 s (about 2 years), each a hash-seeded lattice
 * linearly interpolated, with amplitudes growing as sqrt(period) so that returns over any horizon scale like a
 * random walk with the instrument's annual volatility. Any instant can be evaluated directly (no state, no
 * integration from an origin), so the same bar is identical on every request and every run.
 */
import { mix, signedUnit } from './hash.js';

const OCTAVES = 14;
const SECONDS_PER_YEAR = 365.25 * 86_400;
const PERIODS = Array.from({ length: OCTAVES }, (_, k) => 4 ** k);

/** Log-price offset at tMs; `maxPeriodSeconds` limits the octaves (used for intraday texture only). */
export function logNoise(
  seed: number,
  tMs: number,
  annualVol: number,
  maxPeriodSeconds = Number.POSITIVE_INFINITY,
): number {
  const t = tMs / 1000;
  let sum = 0;
  for (let k = 0; k < OCTAVES; k++) {
    const period = PERIODS[k] ?? 1;
    if (period > maxPeriodSeconds) break;
    const x = t / period;
    const i = Math.floor(x);
    const f = x - i;
    const a = signedUnit(seed, k, i);
    const b = signedUnit(seed, k, i + 1);
    sum += (a + (b - a) * f) * annualVol * Math.sqrt(period / SECONDS_PER_YEAR) * 0.9;
  }
  return sum;
}

export function pathSeed(globalSeed: number, conId: number): number {
  return mix(globalSeed, conId);
}

/** Black-Scholes price (no dividends); `years` ≤ 0 gives intrinsic value. */
export function blackScholes(
  spot: number,
  strike: number,
  years: number,
  vol: number,
  rate: number,
  call: boolean,
): number {
  if (years <= 0 || vol <= 0) return Math.max(0, call ? spot - strike : strike - spot);
  const sqrtT = Math.sqrt(years);
  const d1 = (Math.log(spot / strike) + (rate + (vol * vol) / 2) * years) / (vol * sqrtT);
  const d2 = d1 - vol * sqrtT;
  const discounted = strike * Math.exp(-rate * years);
  return call ? spot * normCdf(d1) - discounted * normCdf(d2) : discounted * normCdf(-d2) - spot * normCdf(-d1);
}

function normCdf(x: number): number {
  // Abramowitz–Stegun 26.2.17, error < 7.5e-8: plenty for a simulator's option quotes.
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = (Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI)) * poly;
  return x >= 0 ? 1 - tail : tail;
}
