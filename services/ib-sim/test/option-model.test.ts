import { describe, expect, test } from 'vitest';
import {
  forward,
  impliedVolatility,
  normCdf,
  type OptionSpec,
  surfaceVolatility,
  valueOption,
} from '../src/market/option-model.js';

const base: OptionSpec = { spot: 100, strike: 105, years: 0.5, rate: 0.04, dividendYield: 0.01, call: true };

describe('Black-Scholes-Merton', () => {
  test('a textbook value: S=100 K=100 T=1 r=5% σ=20% call = 10.4506', () => {
    const v = valueOption({ spot: 100, strike: 100, years: 1, rate: 0.05, dividendYield: 0, call: true }, 0.2);
    expect(v.price).toBeCloseTo(10.4506, 3);
    expect(v.delta).toBeCloseTo(0.6368, 3);
    expect(normCdf(1.96)).toBeCloseTo(0.975, 4);
  });

  test('put-call parity with dividends: C − P = S·e^(−qT) − K·e^(−rT)', () => {
    const c = valueOption(base, 0.3).price;
    const p = valueOption({ ...base, call: false }, 0.3).price;
    expect(c - p).toBeCloseTo(100 * Math.exp(-0.01 * 0.5) - 105 * Math.exp(-0.04 * 0.5), 6);
  });

  test('greeks equal finite differences in IB units (vega per vol point, theta per day)', () => {
    const v = valueOption(base, 0.3);
    const h = 0.01;
    const up = valueOption({ ...base, spot: 100 + h }, 0.3).price;
    const down = valueOption({ ...base, spot: 100 - h }, 0.3).price;
    expect(v.delta).toBeCloseTo((up - down) / (2 * h), 4);
    expect(v.gamma).toBeCloseTo((up - 2 * v.price + down) / (h * h), 3);
    expect(v.vega).toBeCloseTo(valueOption(base, 0.31).price - valueOption(base, 0.3).price, 3);
    expect(v.theta).toBeCloseTo(valueOption({ ...base, years: 0.5 - 1 / 365 }, 0.3).price - v.price, 3);
    expect(v.theta).toBeLessThan(0);
    expect(v.pvDividend).toBeCloseTo(100 * (1 - Math.exp(-0.005)), 8);
  });

  test('implied volatility inverts the price, and refuses prices no volatility reaches', () => {
    for (const vol of [0.08, 0.25, 0.9]) {
      for (const call of [true, false]) {
        const o = { ...base, call };
        expect(impliedVolatility(o, valueOption(o, vol).price)).toBeCloseTo(vol, 5);
      }
    }
    expect(impliedVolatility({ ...base, strike: 80 }, 15)).toBeUndefined(); // below intrinsic (≈ 20)
    expect(impliedVolatility(base, 0)).toBeUndefined();
  });

  test('at expiry: intrinsic value and a step delta', () => {
    const v = valueOption({ ...base, strike: 95, years: 0 }, 0.3);
    expect(v.price).toBe(5);
    expect(v.delta).toBe(1);
    expect(v.gamma).toBe(0);
  });
});

describe('volatility surface', () => {
  const fwd = forward(100, 0.25, 0.04, 0.01);

  test('smile with equity skew: low strikes dearer than high ones, the far call wing curving up', () => {
    const atm = surfaceVolatility(0.25, fwd, fwd, 0.25);
    const low = surfaceVolatility(0.25, fwd, 80, 0.25);
    const high = surfaceVolatility(0.25, fwd, 120, 0.25);
    expect(low).toBeGreaterThan(atm);
    expect(low).toBeGreaterThan(high);
    // The call wing bottoms out one standard deviation up (x = 1) and curves up beyond it.
    const bottom = surfaceVolatility(0.25, fwd, fwd * Math.exp(0.5), 0.25);
    expect(surfaceVolatility(0.25, fwd, fwd * Math.exp(1), 0.25)).toBeGreaterThan(bottom);
    expect(surfaceVolatility(0.25, fwd, fwd * Math.exp(0.25), 0.25)).toBeGreaterThan(bottom);
  });

  test('term structure: the at-the-money volatility rises with expiry and stays near the base', () => {
    const short = surfaceVolatility(0.25, 100, 100, 7 / 365);
    const long = surfaceVolatility(0.25, 100, 100, 1);
    expect(long).toBeGreaterThan(short);
    expect(short).toBeGreaterThan(0.2);
    expect(long).toBeLessThan(0.3);
  });
});
