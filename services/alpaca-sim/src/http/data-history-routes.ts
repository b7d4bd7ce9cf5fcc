/**
 * Historical trades and quotes (`/v2/stocks/{symbol}/trades|quotes`, `/v2/stocks/trades|quotes?symbols=`,
 * `/v1beta3/crypto/us/trades|quotes?symbols=`), paged like bars. A single-symbol answer is
 * `{ trades, symbol, next_page_token }` (`trades: null` when empty, as for bars); a multi-symbol one maps symbols
 * to lists.
 */
import type { Asset } from '../market/assets.js';
import { quotesBetween, tradesBetween } from '../market/history.js';
import type { MarketQuote, MarketTrade } from '../market/prices.js';
import { type SeriesOf, seriesPage } from '../market/series.js';
import { quoteWire, tradeWire } from '../market/wire.js';
import { knownAssets, seriesQuery, symbolsParam } from './data-query.js';
import type { DataDeps } from './data-routes.js';
import type { Request, Route } from './router.js';

type Kind = 'trades' | 'quotes';

export function dataHistoryRoutes(d: DataDeps): Route[] {
  const { catalog, model, clock } = d;
  const series = {
    trades: ((a, s, e, sort) => tradesBetween(model, a, s, e, sort)) as SeriesOf<MarketTrade>,
    quotes: ((a, s, e, sort) => quotesBetween(model, a, s, e, sort)) as SeriesOf<MarketQuote>,
  };
  const wire = (kind: Kind, a: Asset, item: MarketTrade | MarketQuote) =>
    kind === 'trades' ? tradeWire(a, item as MarketTrade) : quoteWire(a, item as MarketQuote);
  const page = (r: Request, kind: Kind, assets: Asset[]) => {
    const q = seriesQuery(r.query, assets, clock.now());
    const p = seriesPage<MarketTrade | MarketQuote>(q, series[kind]);
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const a of assets) {
      const list = p.items.get(a.symbol);
      if (list) out[a.symbol] = list.map((item) => wire(kind, a, item));
    }
    return { out, next: p.nextPageToken };
  };
  const multi = (kind: Kind, cls: Asset['class']) => (r: Request) => {
    const { out, next } = page(r, kind, knownAssets(catalog, symbolsParam(r.query), cls));
    return { status: 200, body: { [kind]: out, next_page_token: next } };
  };
  const single = (kind: Kind) => (r: Request) => {
    const symbol = (r.params[0] ?? '').toUpperCase();
    const { out, next } = page(r, kind, knownAssets(catalog, [symbol], 'us_equity'));
    return { status: 200, body: { [kind]: out[symbol] ?? null, symbol, next_page_token: next } };
  };
  const route = (pattern: RegExp, handle: Route['handle']): Route => ({ method: 'GET', pattern, api: 'data', handle });
  return [
    route(/^\/v2\/stocks\/trades$/, multi('trades', 'us_equity')),
    route(/^\/v2\/stocks\/quotes$/, multi('quotes', 'us_equity')),
    route(/^\/v2\/stocks\/([^/]+)\/trades$/, single('trades')),
    route(/^\/v2\/stocks\/([^/]+)\/quotes$/, single('quotes')),
    route(/^\/v1beta3\/crypto\/us\/trades$/, multi('trades', 'crypto')),
    route(/^\/v1beta3\/crypto\/us\/quotes$/, multi('quotes', 'crypto')),
  ];
}
