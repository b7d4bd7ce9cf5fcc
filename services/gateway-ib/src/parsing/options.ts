import type { Instrument, OptionChain, OptionChainListing } from '@trading-system/contracts';
import type { IbOptionChainListing } from '../ib-port.js';
import { toDecimalString } from './numbers.js';

const EXPIRY_RE = /^\d{8}$/;

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

/** One IB securityDefinitionOptionParameter → a listing (bad expirations / strikes are dropped, sorted). */
export function toOptionChainListing(l: IbOptionChainListing): OptionChainListing | undefined {
  const multiplier = toDecimalString(l.multiplier);
  if (l.exchange === '' || l.tradingClass === '' || multiplier === undefined || !(Number(multiplier) > 0))
    return undefined;
  const strikes = [...new Set(l.strikes.map((k) => toDecimalString(k)).filter((k): k is string => k !== undefined))];
  return {
    exchange: l.exchange,
    tradingClass: l.tradingClass,
    multiplier,
    expirations: [...new Set(l.expirations.filter((e) => EXPIRY_RE.test(e)))].sort(),
    strikes: strikes.sort(byNumber),
  };
}

/** The broker-neutral chain: listings (optionally of one exchange) and the union of expirations and strikes. */
export function toOptionChain(
  underlying: Instrument,
  listings: readonly IbOptionChainListing[],
  exchange: string | undefined,
  tsMs: number,
): OptionChain {
  const kept = listings
    .filter((l) => exchange === undefined || l.exchange === exchange)
    .map(toOptionChainListing)
    .filter((l): l is OptionChainListing => l !== undefined);
  const expirations = new Set<string>();
  const strikes = new Set<string>();
  for (const l of kept) {
    for (const e of l.expirations) expirations.add(e);
    for (const k of l.strikes) strikes.add(k);
  }
  return {
    underlying,
    expirations: [...expirations].sort(),
    strikes: [...strikes].sort(byNumber),
    listings: kept,
    tsMs,
  };
}
