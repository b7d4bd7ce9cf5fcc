/**
 * Historical trades and quotes of the deterministic market, as the real-time stream publishes them: one trade per
 * second slot while the asset trades, and the quote at each whole second where it differs from the previous
 * second's. So a client that pages `/trades` or `/quotes` over a span sees exactly what the stream sent for it.
 * Stock series jump over closed hours instead of walking them second by second.
 */
import type { Asset } from './assets.js';
import { currentOrNextSession, lastSessionAtOrBefore } from './calendar.js';
import type { MarketModel, MarketQuote, MarketTrade } from './prices.js';

const SECOND_MS = 1_000;

/** Whole seconds in [startMs, endMs] where the asset trades, in `sort` order. */
function* tradingSeconds(
  model: MarketModel,
  asset: Asset,
  startMs: number,
  endMs: number,
  sort: 'asc' | 'desc',
): Generator<number> {
  if (sort === 'asc') {
    let s = Math.ceil(startMs / SECOND_MS) * SECOND_MS;
    while (s <= endMs) {
      if (model.isTrading(asset, s)) {
        yield s;
        s += SECOND_MS;
      } else {
        s = Math.max(s + SECOND_MS, Math.ceil(currentOrNextSession(s).openMs / SECOND_MS) * SECOND_MS);
      }
    }
    return;
  }
  let s = Math.floor(endMs / SECOND_MS) * SECOND_MS;
  while (s >= startMs) {
    if (model.isTrading(asset, s)) {
      yield s;
      s -= SECOND_MS;
    } else {
      const before = lastSessionAtOrBefore(s).closeMs - 1;
      s = Math.min(s - SECOND_MS, Math.floor(before / SECOND_MS) * SECOND_MS);
    }
  }
}

/** The trades with t in [startMs, endMs]. */
export function* tradesBetween(
  model: MarketModel,
  asset: Asset,
  startMs: number,
  endMs: number,
  sort: 'asc' | 'desc',
): Generator<MarketTrade> {
  // A trade happens inside its second, so the seconds that can hold one start up to a second before startMs.
  for (const s of tradingSeconds(model, asset, startMs - SECOND_MS + 1, endMs, sort)) {
    const t = model.tradeInSecond(asset, s);
    if (t && t.tMs >= startMs && t.tMs <= endMs) yield t;
  }
}

export function sameQuote(a: MarketQuote, b: MarketQuote): boolean {
  return a.bid === b.bid && a.ask === b.ask && a.bidSize === b.bidSize && a.askSize === b.askSize;
}

/** The quotes set at whole seconds in [startMs, endMs] that changed from the second before. */
export function* quotesBetween(
  model: MarketModel,
  asset: Asset,
  startMs: number,
  endMs: number,
  sort: 'asc' | 'desc',
): Generator<MarketQuote> {
  for (const s of tradingSeconds(model, asset, startMs, endMs, sort)) {
    const q = model.quoteAt(asset, s);
    if (!sameQuote(q, model.quoteAt(asset, s - SECOND_MS))) yield q;
  }
}
