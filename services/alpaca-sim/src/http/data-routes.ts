/**
 * Market Data API routes for bars, latest quotes and latest trades, for stocks (`/v2/stocks`) and crypto
 * (`/v1beta3/crypto/us`); historical bars page with next_page_token (series.ts). Historical trades and quotes are
 * in data-history-routes.ts, latest bars, snapshots and order books in data-snapshot-routes.ts.
 */
import type { Clock } from '../clock.js';
import { API_ERRORS } from '../core/errors.js';
import type { Asset, AssetCatalog } from '../market/assets.js';
import { type Bar, barOf, bucketStarts, parseTimeframe, type Timeframe, TimeframeError } from '../market/bars.js';
import type { MarketModel } from '../market/prices.js';
import { type SeriesPage, type SeriesQuery, seriesPage } from '../market/series.js';
import { barWire, quoteWire, tradeWire } from '../market/wire.js';
import { knownAssets, seriesQuery, symbolsParam } from './data-query.js';
import type { Request, Route } from './router.js';

export interface DataDeps {
  readonly catalog: AssetCatalog;
  readonly model: MarketModel;
  readonly clock: Clock;
}

export function barsPage(model: MarketModel, q: SeriesQuery, tf: Timeframe, nowMs: number): SeriesPage<Bar> {
  return seriesPage(q, function* (asset, start, end, sort) {
    for (const t of bucketStarts(asset, tf, start, end, sort)) {
      const bar = barOf(model, asset, tf, t, nowMs);
      if (bar) yield bar;
    }
  });
}

function timeframeParam(q: URLSearchParams): Timeframe {
  const text = q.get('timeframe');
  if (!text) throw API_ERRORS.invalid('timeframe is required');
  try {
    return parseTimeframe(text);
  } catch (err) {
    if (err instanceof TimeframeError) throw API_ERRORS.invalid(err.message);
    throw err;
  }
}

export function dataRoutes(d: DataDeps): Route[] {
  const { catalog, model, clock } = d;
  const bars = (q: URLSearchParams, assets: Asset[]) => {
    const now = clock.now();
    return barsPage(model, seriesQuery(q, assets, now), timeframeParam(q), now);
  };
  const multiBars = (r: Request, cls: Asset['class']) => {
    const page = bars(r.query, knownAssets(catalog, symbolsParam(r.query), cls));
    const out: Record<string, unknown> = {};
    for (const [symbol, list] of page.items) out[symbol] = list.map(barWire);
    return { status: 200, body: { bars: out, next_page_token: page.nextPageToken } };
  };
  const latest = (r: Request, cls: Asset['class'], what: 'quotes' | 'trades') => {
    const out: Record<string, unknown> = {};
    const now = clock.now();
    for (const a of knownAssets(catalog, symbolsParam(r.query), cls)) {
      out[a.symbol] = what === 'quotes' ? quoteWire(a, model.quoteAt(a, now)) : tradeWire(a, model.lastTrade(a, now));
    }
    return { status: 200, body: { [what]: out } };
  };
  const route = (pattern: RegExp, handle: Route['handle']): Route => ({ method: 'GET', pattern, api: 'data', handle });
  return [
    route(/^\/v2\/stocks\/bars$/, (r) => multiBars(r, 'us_equity')),
    route(/^\/v2\/stocks\/quotes\/latest$/, (r) => latest(r, 'us_equity', 'quotes')),
    route(/^\/v2\/stocks\/trades\/latest$/, (r) => latest(r, 'us_equity', 'trades')),
    route(/^\/v2\/stocks\/([^/]+)\/bars$/, (r) => {
      const symbol = (r.params[0] ?? '').toUpperCase();
      const page = bars(r.query, knownAssets(catalog, [symbol], 'us_equity'));
      const list = page.items.get(symbol);
      return {
        status: 200,
        body: { bars: list ? list.map(barWire) : null, symbol, next_page_token: page.nextPageToken },
      };
    }),
    route(/^\/v2\/stocks\/([^/]+)\/quotes\/latest$/, (r) => {
      const [asset] = knownAssets(catalog, [r.params[0] ?? ''], 'us_equity');
      if (!asset) throw API_ERRORS.notFound(`no quote found for ${r.params[0]}`);
      return {
        status: 200,
        body: { symbol: asset.symbol, quote: quoteWire(asset, model.quoteAt(asset, clock.now())) },
      };
    }),
    route(/^\/v2\/stocks\/([^/]+)\/trades\/latest$/, (r) => {
      const [asset] = knownAssets(catalog, [r.params[0] ?? ''], 'us_equity');
      if (!asset) throw API_ERRORS.notFound(`no trade found for ${r.params[0]}`);
      return {
        status: 200,
        body: { symbol: asset.symbol, trade: tradeWire(asset, model.lastTrade(asset, clock.now())) },
      };
    }),
    route(/^\/v1beta3\/crypto\/us\/bars$/, (r) => multiBars(r, 'crypto')),
    route(/^\/v1beta3\/crypto\/us\/latest\/quotes$/, (r) => latest(r, 'crypto', 'quotes')),
    route(/^\/v1beta3\/crypto\/us\/latest\/trades$/, (r) => latest(r, 'crypto', 'trades')),
  ];
}
