import type { InstrumentDescription, InstrumentRef } from './instrument.js';

/**
 * Symbols as IB users write them, turned into the description IB qualifies: a forex pair `EUR.USD`, `EURUSD`,
 * `EUR/USD` is CASH `EUR` quoted in `USD` on IDEALPRO (IB's form: symbol = base currency, currency = quote); a spot
 * metal `XAUUSD`, `XAU.USD` is CMDTY `XAUUSD`. Applied where descriptions are qualified (gateway-ib's contract
 * lookup), so the SDK, the CLI, history and orders resolve a symbol the same way.
 *
 * Only a description typed as a stock (what clients send when the user gave just a symbol) or as the pair's own
 * type is rewritten; the pair's quote currency wins over a defaulted `currency`. Anything else is returned as is.
 */

/** ISO codes IDEALPRO quotes pairs in. */
const FX_CURRENCIES: ReadonlySet<string> = new Set([
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CHF',
  'AUD',
  'NZD',
  'CAD',
  'SEK',
  'NOK',
  'DKK',
  'HKD',
  'SGD',
  'CNH',
  'MXN',
  'ZAR',
  'PLN',
  'HUF',
  'CZK',
  'TRY',
  'ILS',
  'KRW',
  'RUB',
]);
/** Spot metals IB lists as CMDTY `<metal><currency>` (XAUUSD London gold, XAGUSD silver, ...). */
const METALS: ReadonlySet<string> = new Set(['XAU', 'XAG', 'XPT', 'XPD']);
const PAIR = /^([A-Z]{3})[./]?([A-Z]{3})$/;

export function canonicalInstrumentRef(ref: InstrumentRef): InstrumentRef {
  if ('id' in ref) return ref;
  const m = PAIR.exec(ref.symbol.trim().toUpperCase());
  if (m === null) return ref;
  const base = m[1] as string;
  const quote = m[2] as string;
  if (METALS.has(base) && FX_CURRENCIES.has(quote) && (ref.secType === 'STK' || ref.secType === 'CMDTY')) {
    return withoutUndefined({
      secType: 'CMDTY',
      symbol: `${base}${quote}`,
      currency: quote,
      exchange: ref.exchange ?? 'SMART',
    });
  }
  if (FX_CURRENCIES.has(base) && FX_CURRENCIES.has(quote) && base !== quote) {
    if (ref.secType !== 'STK' && ref.secType !== 'CASH') return ref;
    return withoutUndefined({
      secType: 'CASH',
      symbol: base,
      currency: quote,
      exchange: ref.exchange === undefined || ref.exchange === 'SMART' ? 'IDEALPRO' : ref.exchange,
    });
  }
  return ref;
}

function withoutUndefined(d: InstrumentDescription): InstrumentDescription {
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as InstrumentDescription;
}
