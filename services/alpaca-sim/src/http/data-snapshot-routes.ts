/**
 * The "now" views of the Market Data API: latest bars, snapshots (latest trade and quote, the minute bar of the
 * latest trade, today's and the previous session's daily bar) and, for crypto, the latest order book (the sim's
 * book is its top level only). Stocks: `/v2/stocks/{symbol}/bars/latest`, `/v2/stocks/bars/latest`,
 * `/v2/stocks/{symbol}/snapshot`, `/v2/stocks/snapshots` (symbols at the top level, as Alpaca answers);
 * crypto: `/v1beta3/crypto/us/latest/bars|orderbooks`, `/v1beta3/crypto/us/snapshots`.
 */
import { API_ERRORS } from '../core/errors.js';
import type { Asset } from '../market/assets.js';
import { barOf } from '../market/bars.js';
import { lastSessionAtOrBefore, nyDay, nyWallToMs } from '../market/calendar.js';
import { barWire, quoteWire, rfc3339, tradeWire } from '../market/wire.js';
import { knownAssets, symbolsParam } from './data-query.js';
import type { DataDeps } from './data-routes.js';
import type { Route } from './router.js';

const MINUTE = { amount: 1, unit: 'Min' } as const;
const DAY = { amount: 1, unit: 'Day' } as const;

export function dataSnapshotRoutes(d: DataDeps): Route[] {
  const { catalog, model, clock } = d;
  /** The minute bar holding the latest trade (in progress while the market trades, as Alpaca's latest bar is). */
  const latestBar = (a: Asset, now: number) => {
    const t = model.lastTrade(a, now).tMs;
    const bar = barOf(model, a, MINUTE, Math.floor(t / 60_000) * 60_000, now);
    return bar && barWire(bar);
  };
  const snapshot = (a: Asset, now: number) => {
    const lastTradeMs = model.lastTrade(a, now).tMs;
    const dayStart = nyWallToMs(nyDay(lastTradeMs), 0);
    const daily = barOf(model, a, DAY, dayStart, now);
    // The previous trading day: for stocks the session before the latest trade's, for crypto yesterday.
    const prevStart =
      a.class === 'crypto'
        ? nyWallToMs(nyDay(dayStart) - 1, 0)
        : nyWallToMs(nyDay(lastSessionAtOrBefore(dayStart - 1).openMs), 0);
    const prev = barOf(model, a, DAY, prevStart, now);
    return {
      latestTrade: tradeWire(a, model.lastTrade(a, now)),
      latestQuote: quoteWire(a, model.quoteAt(a, now)),
      minuteBar: latestBar(a, now) ?? null,
      dailyBar: daily ? barWire(daily) : null,
      prevDailyBar: prev ? barWire(prev) : null,
    };
  };
  const orderbook = (a: Asset, now: number) => {
    const q = model.quoteAt(a, now);
    return { t: rfc3339(q.tMs), b: [{ p: q.bid, s: q.bidSize }], a: [{ p: q.ask, s: q.askSize }] };
  };
  const bySymbol = (query: URLSearchParams, cls: Asset['class'], view: (a: Asset, now: number) => unknown) => {
    const now = clock.now();
    const out: Record<string, unknown> = {};
    for (const a of knownAssets(catalog, symbolsParam(query), cls)) out[a.symbol] = view(a, now);
    return out;
  };
  const one = (symbol: string | undefined): Asset => {
    const [asset] = knownAssets(catalog, [symbol ?? ''], 'us_equity');
    if (!asset) throw API_ERRORS.notFound(`no data found for ${symbol}`);
    return asset;
  };
  const route = (pattern: RegExp, handle: Route['handle']): Route => ({ method: 'GET', pattern, api: 'data', handle });
  return [
    route(/^\/v2\/stocks\/bars\/latest$/, (r) => ({
      status: 200,
      body: { bars: bySymbol(r.query, 'us_equity', latestBar) },
    })),
    route(/^\/v2\/stocks\/snapshots$/, (r) => ({ status: 200, body: bySymbol(r.query, 'us_equity', snapshot) })),
    route(/^\/v2\/stocks\/([^/]+)\/bars\/latest$/, (r) => {
      const asset = one(r.params[0]);
      return { status: 200, body: { symbol: asset.symbol, bar: latestBar(asset, clock.now()) ?? null } };
    }),
    route(/^\/v2\/stocks\/([^/]+)\/snapshot$/, (r) => {
      const asset = one(r.params[0]);
      return { status: 200, body: { symbol: asset.symbol, ...snapshot(asset, clock.now()) } };
    }),
    route(/^\/v1beta3\/crypto\/us\/latest\/bars$/, (r) => ({
      status: 200,
      body: { bars: bySymbol(r.query, 'crypto', latestBar) },
    })),
    route(/^\/v1beta3\/crypto\/us\/latest\/orderbooks$/, (r) => ({
      status: 200,
      body: { orderbooks: bySymbol(r.query, 'crypto', orderbook) },
    })),
    route(/^\/v1beta3\/crypto\/us\/snapshots$/, (r) => ({
      status: 200,
      body: { snapshots: bySymbol(r.query, 'crypto', snapshot) },
    })),
  ];
}
