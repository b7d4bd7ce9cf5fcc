/**
 * Options in the SDK: the chain of an underlying (`TradingSystem.getOptionChain`, broker command optionChain) as
 * plain values, and `optionContract` to pick one option of it for market data or an order. Greeks arrive on the
 * option's quotes (`Quote.greeks`). Pure conversions; the request itself is made by TradingSystem.
 */
import type { OptionChain as ChainMessage, OptionChainRequest } from '@trading-system/contracts';
import { toInstrumentRef } from './convert.js';
import { ValidationError } from './errors.js';
import type { Symbolish } from './requests.js';
import type { BrokerOption, Contract, ContractOptions } from './types.js';

export interface OptionChainOptions extends ContractOptions, BrokerOption {
  /** Only the listings of this exchange (default every exchange). */
  readonly exchange?: string;
}

export interface OptionChainListing {
  readonly exchange: string;
  readonly tradingClass: string;
  readonly multiplier: number;
  readonly expirations: readonly string[];
  readonly strikes: readonly number[];
}

/** The option chain of an underlying: every expiry (YYYYMMDD) and strike, and the listings per exchange. */
export interface OptionChain {
  readonly symbol: string;
  /** The underlying's contract id. */
  readonly instrumentId: string;
  readonly expirations: readonly string[];
  readonly strikes: readonly number[];
  readonly listings: readonly OptionChainListing[];
  /** When the broker answered. */
  readonly time: Date;
  /** The chain exactly as the broker command returned it (strikes as decimal strings). */
  readonly exact: ChainMessage;
}

export function optionChainRequest(symbol: Symbolish, options: OptionChainOptions): OptionChainRequest {
  const { exchange, broker: _broker, ...contract } = options;
  // The underlying is qualified on its own exchange (SMART for stocks); `exchange` only filters listings.
  const underlying = toInstrumentRef(symbol, undefined, contract);
  return { v: 1, underlying, ...(exchange === undefined ? {} : { exchange }) };
}

export function toOptionChain(c: ChainMessage): OptionChain {
  return {
    symbol: c.underlying.symbol,
    instrumentId: c.underlying.id,
    expirations: c.expirations,
    strikes: c.strikes.map(Number),
    listings: c.listings.map((l) => ({
      exchange: l.exchange,
      tradingClass: l.tradingClass,
      multiplier: Number(l.multiplier),
      expirations: l.expirations,
      strikes: l.strikes.map(Number),
    })),
    time: new Date(c.tsMs),
    exact: c,
  };
}

/**
 * The contract of one option of a chain, to pass to `subscribeMarketData` or `submitLimitOrder`:
 * `ts.submitLimitOrder(optionContract(chain, '20240315', 175, 'C'), 'SMART', 'buy', 1, 2.5)`.
 * Throws ValidationError when the chain has no such expiry or strike (not every pair is listed: the order or the
 * subscription then fails with CONTRACT_UNKNOWN).
 */
export function optionContract(
  chain: OptionChain,
  expiry: string,
  strike: number | string,
  right: 'C' | 'P' | 'CALL' | 'PUT',
  exchange = 'SMART',
): Contract {
  if (!chain.expirations.includes(expiry))
    throw new ValidationError('VALIDATION_FAILED', `${chain.symbol} has no expiry ${expiry} in its chain`);
  const k = chain.exact.strikes.find((s) => Number(s) === Number(strike));
  if (k === undefined) throw new ValidationError('VALIDATION_FAILED', `${chain.symbol} has no strike ${strike}`);
  const listing = chain.listings.find((l) => l.exchange === exchange) ?? chain.listings[0];
  return {
    symbol: chain.symbol,
    secType: 'OPT',
    exchange,
    currency: chain.exact.underlying.currency,
    expiry,
    strike: k,
    right,
    ...(listing === undefined ? {} : { tradingClass: listing.tradingClass, multiplier: String(listing.multiplier) }),
  };
}
