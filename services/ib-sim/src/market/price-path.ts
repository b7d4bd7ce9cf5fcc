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
