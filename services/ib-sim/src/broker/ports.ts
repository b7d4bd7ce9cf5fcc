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

/** The exchange core's (opaque) id of a sim instrument: its conId's decimal string, as gateway-ib names it. */
export const coreIdOf = (conId: number): string => String(conId);

export function instrumentSpec(i: Instrument): InstrumentSpec {
  return {
    instrumentId: coreIdOf(i.conId),
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
  const cache = new Map<string, InstrumentSpec>();
  return (id) => {
    const hit = cache.get(id);
    if (hit) return hit;
    // Every id the core holds was made by coreIdOf, so it reads back as the conId.
    const i = catalog.get(Number(id));
    if (!i) return undefined;
    const spec = instrumentSpec(i);
    cache.set(id, spec);
    return spec;
  };
}

/**
 * Quotes for the core. A matching step asks for the same (conId, instant) once per resting order, so the
 * quotes of the latest instant are memoised (the source is a pure function of both).
 */
export function coreQuotes(catalog: Catalog, quotes: SimQuotes): QuoteSource {
  let instant = Number.NaN;
  const memo = new Map<string, Quote>();
  return {
    quoteAt(id: string, tMs: number): Quote | undefined {
      const conId = Number(id);
      if (!catalog.get(conId)) return undefined;
      if (tMs !== instant) {
        instant = tMs;
        memo.clear();
      }
      let q = memo.get(id);
      if (!q) {
        q = quotes.quoteAt(conId, tMs);
        memo.set(id, q);
      }
      return q;
    },
  };
}

export function coreClock(clock: Clock): CoreClock {
  return { nowMs: () => clock.now() };
}
