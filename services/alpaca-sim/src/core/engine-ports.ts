/**
 * The asset catalogue and the deterministic market in the shapes of the exchange core's ports. Quantities are
 * core units (1/QTY_SCALE share or coin) and prices are per unit (price / QTY_SCALE), so the core's whole-unit
 * matching and its units × price money stay exact for fractional orders.
 */
import type {
  Clock as CoreClock,
  InstrumentLookup,
  InstrumentSpec,
  Quote,
  QuoteSource,
} from '@trading-system/exchange';
import type { Clock } from '../clock.js';
import { type Asset, type AssetCatalog, QTY_SCALE } from '../market/assets.js';
import { currentOrNextSession, isMarketOpen } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';

export function instrumentSpec(asset: Asset): InstrumentSpec {
  const crypto = asset.class === 'crypto';
  return {
    // The core keys instruments by the asset's UUID, the id Alpaca (and so gateway-alpaca) names it by.
    instrumentId: asset.id,
    // The core's margin and commission tables are not used (Alpaca's rules live in broker.ts); the type only
    // labels the instrument.
    secType: crypto ? 'CASH' : 'STK',
    symbol: asset.symbol,
    currency: 'USD',
    exchange: asset.exchange,
    minTick: asset.tick / QTY_SCALE,
    multiplier: 1,
    isOpen: (tMs, outsideRth) => crypto || isMarketOpen(tMs, outsideRth),
    sessionEndAfter: (tMs) => (crypto ? Number.MAX_SAFE_INTEGER : currentOrNextSession(tMs).closeMs),
  };
}

export function instrumentLookup(catalog: AssetCatalog): InstrumentLookup {
  const specs = new Map(catalog.all.map((a) => [a.id, instrumentSpec(a)]));
  return (id) => specs.get(id);
}

export function coreQuotes(catalog: AssetCatalog, model: MarketModel): QuoteSource {
  return {
    quoteAt(id: string, tMs: number): Quote | undefined {
      const asset = catalog.byIdOf(id);
      if (!asset) return undefined;
      const q = model.quoteAt(asset, tMs);
      const last = model.lastTrade(asset, tMs);
      return {
        bid: q.bid / QTY_SCALE,
        ask: q.ask / QTY_SCALE,
        last: last.price / QTY_SCALE,
        bidSize: Math.round(q.bidSize * QTY_SCALE),
        askSize: Math.round(q.askSize * QTY_SCALE),
        lastSize: Math.round(last.size * QTY_SCALE),
        volume: 0,
      };
    },
  };
}

export function coreClock(clock: Clock): CoreClock {
  return { nowMs: () => clock.now() };
}
