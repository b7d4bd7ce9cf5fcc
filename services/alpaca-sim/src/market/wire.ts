/**
 * Market data in Alpaca's compact JSON (single-letter keys), shared by the REST data routes and the data
 * stream. Numbers stay JSON numbers here: Alpaca's market data, unlike its trading objects, sends them so.
 */
import type { Asset } from './assets.js';
import type { Bar } from './bars.js';
import type { MarketQuote, MarketTrade } from './prices.js';

/** `2024-03-05T15:00:00Z` for whole seconds, millisecond precision otherwise. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function barWire(b: Bar): Record<string, unknown> {
  return { t: rfc3339(b.tMs), o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, n: b.n, vw: b.vw };
}

export function quoteWire(asset: Asset, q: MarketQuote): Record<string, unknown> {
  if (asset.class === 'crypto') return { t: rfc3339(q.tMs), bp: q.bid, bs: q.bidSize, ap: q.ask, as: q.askSize };
  return {
    t: rfc3339(q.tMs),
    ax: 'V',
    ap: q.ask,
    as: q.askSize / 100,
    bx: 'V',
    bp: q.bid,
    bs: q.bidSize / 100,
    c: ['R'],
    z: asset.exchange === 'NASDAQ' ? 'C' : 'A',
  };
}

export function tradeWire(asset: Asset, t: MarketTrade): Record<string, unknown> {
  if (asset.class === 'crypto') {
    return { t: rfc3339(t.tMs), p: t.price, s: t.size, tks: t.id % 2 === 0 ? 'B' : 'S', i: t.id };
  }
  return {
    t: rfc3339(t.tMs),
    x: 'V',
    p: t.price,
    s: t.size,
    c: ['@'],
    i: t.id,
    z: asset.exchange === 'NASDAQ' ? 'C' : 'A',
  };
}
