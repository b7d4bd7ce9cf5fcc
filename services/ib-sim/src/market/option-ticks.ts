/**
 * Option computations as TWS sends them on every option market-data line (tickOptionComputation): from the
 * bid, the ask and the last price (implied volatility of that price, greeks at it) and from the model (surface
 * volatility, model price, greeks). All at one instant, with the underlying's simulated mid as undPrice.
 */
import type { Instrument } from '../instruments/instrument.js';
import type { OptionComputationFields } from '../wire/encoders.js';
import { impliedVolatility, type OptionSpec, valueOption } from './option-model.js';
import type { PriceModel } from './price-model.js';

/** Greeks and price at a volatility. */
export function computationAtVol(spec: OptionSpec, vol: number): OptionComputationFields {
  const v = valueOption(spec, vol);
  return {
    impliedVol: vol,
    delta: v.delta,
    optPrice: v.price,
    pvDividend: v.pvDividend,
    gamma: v.gamma,
    vega: v.vega,
    theta: v.theta,
    undPrice: spec.spot,
  };
}

/** Implied volatility of `price` and the greeks at it; not computable → only price, pvDividend, undPrice. */
export function computationFromPrice(spec: OptionSpec, price: number): OptionComputationFields {
  const iv = impliedVolatility(spec, price);
  if (iv === undefined) {
    return { optPrice: price, pvDividend: valueOption(spec, 0).pvDividend, undPrice: spec.spot };
  }
  return { ...computationAtVol(spec, iv), optPrice: price };
}

export interface OptionComputations {
  readonly bid: OptionComputationFields;
  readonly ask: OptionComputationFields;
  readonly last: OptionComputationFields;
  readonly model: OptionComputationFields;
}

/** The four computations of an option at tMs for the given quote prices. */
export function optionComputations(
  prices: PriceModel,
  instrument: Instrument,
  tMs: number,
  quote: { bid: number; ask: number; last: number },
): OptionComputations {
  const { spec, vol } = prices.optionAt(instrument, tMs);
  return {
    bid: computationFromPrice(spec, quote.bid),
    ask: computationFromPrice(spec, quote.ask),
    last: computationFromPrice(spec, quote.last),
    model: computationAtVol(spec, vol),
  };
}
