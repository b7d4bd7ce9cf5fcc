/**
 * Option pricing for the simulator: Black-Scholes-Merton on a continuous dividend yield, an implied-volatility
 * solver and a volatility surface. Pure functions.
 *
 * Model (documented in the README): European exercise, price V(S, K, T, σ, r, q) with
 *   d1 = (ln(S/K) + (r − q + σ²/2)·T) / (σ·√T),  d2 = d1 − σ·√T
 *   call = S·e^(−qT)·N(d1) − K·e^(−rT)·N(d2),  put = K·e^(−rT)·N(−d2) − S·e^(−qT)·N(−d1)
 * Greeks in IB's units: delta and gamma per 1 of underlying, vega per 1 volatility point (0.01), theta per
 * calendar day; pvDividend = S·(1 − e^(−qT)), the present value of the dividends paid until expiry.
 *
 * Surface: σ(K, T) = σ_atm(T) · (1 − 0.12·x + 0.06·x²), x = ln(K/F) / √T (moneyness in standard deviations,
 * F the forward): puts below the forward are dearer (equity skew), both wings curve up (smile).
 * σ_atm(T) = σ_base · (0.92 + 0.18·(1 − e^(−T/0.4))): short expiries quieter than long ones (contango).
 */

export const RISK_FREE_RATE = 0.04;
const DAYS_PER_YEAR = 365;

/** Continuous dividend yields of the underlyings we list options on (others: none). */
const DIVIDEND_YIELDS: Readonly<Record<string, number>> = { AAPL: 0.005, SPY: 0.013 };

export function dividendYield(underSymbol: string): number {
  return DIVIDEND_YIELDS[underSymbol] ?? 0;
}

export interface OptionSpec {
  readonly spot: number;
  readonly strike: number;
  /** Time to expiry in years (calendar time / 365). */
  readonly years: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly call: boolean;
}

export interface OptionValuation {
  readonly price: number;
  readonly delta: number;
  readonly gamma: number;
  /** Price change for +1 volatility point (σ + 0.01). */
  readonly vega: number;
  /** Price change per calendar day. */
  readonly theta: number;
  readonly pvDividend: number;
}

/** Standard normal CDF through Numerical Recipes' erfc fit (relative error < 1.2e-7 everywhere). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function normPdf(x: number): number {
  return Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
}

/** Price and greeks; at or past expiry (or with no volatility) the intrinsic value and a step delta. */
export function valueOption(o: OptionSpec, vol: number): OptionValuation {
  const { spot: S, strike: K, rate: r, dividendYield: q, call } = o;
  const T = o.years;
  const pvDividend = S * (1 - Math.exp(-q * Math.max(T, 0)));
  if (T <= 0 || vol <= 0) {
    const itm = call ? S > K : S < K;
    return {
      price: Math.max(0, call ? S - K : K - S),
      delta: itm ? (call ? 1 : -1) : 0,
      gamma: 0,
      vega: 0,
      theta: 0,
      pvDividend,
    };
  }
  const sqrtT = Math.sqrt(T);
  const d1 = (Math.log(S / K) + (r - q + (vol * vol) / 2) * T) / (vol * sqrtT);
  const d2 = d1 - vol * sqrtT;
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  const pdf = normPdf(d1);
  const price = call ? S * dq * normCdf(d1) - K * dr * normCdf(d2) : K * dr * normCdf(-d2) - S * dq * normCdf(-d1);
  const delta = call ? dq * normCdf(d1) : dq * (normCdf(d1) - 1);
  const gamma = (dq * pdf) / (S * vol * sqrtT);
  const vega = (S * dq * pdf * sqrtT) / 100;
  const decay = -(S * dq * pdf * vol) / (2 * sqrtT);
  const thetaYear = call
    ? decay - r * K * dr * normCdf(d2) + q * S * dq * normCdf(d1)
    : decay + r * K * dr * normCdf(-d2) - q * S * dq * normCdf(-d1);
  return { price: Math.max(0, price), delta, gamma, vega, theta: thetaYear / DAYS_PER_YEAR, pvDividend };
}

/**
 * The volatility that prices the option at `price`, or undefined when no volatility does (a price below the
 * discounted intrinsic value or above the upper bound). Bisection on [0.1%, 500%], then Newton polishing.
 */
export function impliedVolatility(o: OptionSpec, price: number): number | undefined {
  if (!(price > 0) || o.years <= 0) return undefined;
  let lo = 0.001;
  let hi = 5;
  const f = (v: number): number => valueOption(o, v).price - price;
  let flo = f(lo);
  const fhi = f(hi);
  if (flo > 0 || fhi < 0) return undefined;
  for (let i = 0; i < 60 && hi - lo > 1e-6; i++) {
    const mid = (lo + hi) / 2;
    const fm = f(mid);
    if (fm > 0) hi = mid;
    else {
      lo = mid;
      flo = fm;
    }
  }
  let v = (lo + hi) / 2;
  for (let i = 0; i < 3; i++) {
    const val = valueOption(o, v);
    const vegaUnit = val.vega * 100;
    if (vegaUnit < 1e-10) break;
    const next = v - (val.price - price) / vegaUnit;
    if (!(next > 0) || Math.abs(next - v) < 1e-10) break;
    v = next;
  }
  return v;
}

/** The forward of the underlying at T under the model's rate and dividend yield. */
export function forward(spot: number, years: number, rate: number, q: number): number {
  return spot * Math.exp((rate - q) * Math.max(years, 0));
}

/** σ(K, T) of the surface described above, kept within [5%, 300%]. */
export function surfaceVolatility(baseVol: number, fwd: number, strike: number, years: number): number {
  const T = Math.max(years, 1 / DAYS_PER_YEAR);
  const atm = baseVol * (0.92 + 0.18 * (1 - Math.exp(-T / 0.4)));
  const x = Math.log(strike / fwd) / Math.sqrt(T);
  const smile = Math.min(2.5, Math.max(0.5, 1 - 0.12 * x + 0.06 * x * x));
  return Math.min(3, Math.max(0.05, atm * smile));
}
