/**
 * The sim's catalog, quote source and clock in the shapes of the exchange core's ports. DAY orders expire at
 * the end of the instrument's regular session (the one in progress, else the next one).
 */

import type {
  Clock as CoreClock,
  InstrumentLookup,
  InstrumentSpec,
  Quote,
  QuoteSource,
} from '@trading-system/exchange';
import type { Clock } from '../clock.js';
import type { Catalog } from '../instruments/catalog.js';
import type { Instrument } from '../instruments/instrument.js';
import type { QuoteSource as SimQuotes } from '../market/quote-source.js';

export function instrumentSpec(i: Instrument): InstrumentSpec {
  return {
    conId: i.conId,
    secType: i.secType,
    symbol: i.symbol,
    currency: i.currency,
    exchange: i.exchange,
    minTick: i.minTick,
    multiplier: i.multiplier,
    isOpen: (tMs, outsideRth) => i.schedule.isOpen(tMs, outsideRth),
    sessionEndAfter: (tMs) => (i.schedule.sessionAt(tMs, false) ?? i.schedule.nextSessionAfter(tMs, false)).endMs,
  };
}

export function instrumentLookup(catalog: Catalog): InstrumentLookup {
  const cache = new Map<number, InstrumentSpec>();
  return (conId) => {
    const hit = cache.get(conId);
    if (hit) return hit;
    const i = catalog.get(conId);
    if (!i) return undefined;
    const spec = instrumentSpec(i);
    cache.set(conId, spec);
    return spec;
  };
}

/**
 * Quotes for the core. A matching step asks for the same (conId, instant) once per resting order, so the
 * quotes of the latest instant are memoised (the source is a pure function of both).
 */
export function coreQuotes(catalog: Catalog, quotes: SimQuotes): QuoteSource {
  let instant = Number.NaN;
  const memo = new Map<number, Quote>();
  return {
    quoteAt(conId: number, tMs: number): Quote | undefined {
      if (!catalog.get(conId)) return undefined;
      if (tMs !== instant) {
        instant = tMs;
        memo.clear();
      }
      let q = memo.get(conId);
      if (!q) {
        q = quotes.quoteAt(conId, tMs);
        memo.set(conId, q);
      }
      return q;
    },
  };
}

export function coreClock(clock: Clock): CoreClock {
  return { nowMs: () => clock.now() };
}
