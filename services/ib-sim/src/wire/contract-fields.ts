/** Reading the contract block that many client messages share (spec §3.3–3.6). */
import type { ContractQuery } from '../instruments/contract-query.js';
import type { FieldReader } from './fields.js';

/**
 * conId, symbol, secType, lastTradeDateOrContractMonth, strike, right, multiplier, exchange, primaryExch,
 * currency, localSymbol, tradingClass (12 fields); includeExpired is read by the caller where present.
 */
export function readContract(r: FieldReader): Omit<ContractQuery, 'includeExpired'> {
  return {
    conId: r.int(),
    symbol: r.str(),
    secType: r.str(),
    lastTradeDateOrContractMonth: r.str(),
    strike: r.doubleMax(),
    right: r.str(),
    multiplier: r.str(),
    exchange: r.str(),
    primaryExch: r.str(),
    currency: r.str(),
    localSymbol: r.str(),
    tradingClass: r.str(),
  };
}

/** Short description for HMDS texts, e.g. `AAPL@SMART`. */
export function describeContract(q: { symbol: string; localSymbol: string; exchange: string }): string {
  return `${q.localSymbol || q.symbol}@${q.exchange}`;
}
