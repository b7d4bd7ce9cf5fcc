/**
 * Market Data API routes: historical bars with next_page_token pagination (stocks single and multi symbol,
 * crypto), latest quotes and latest trades, for stocks (`/v2/stocks`) and crypto (`/v1beta3/crypto/us`).
 */
import type { Clock } from '../clock.js';
import { API_ERRORS } from '../core/errors.js';
import type { Asset, AssetCatalog } from '../market/assets.js';
import { type Bar, barOf, bucketStarts, parseTimeframe, type Timeframe, TimeframeError } from '../market/bars.js';
import { nyDay, nyWallToMs } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';
import { barWire, quoteWire, tradeWire } from '../market/wire.js';
import type { Request, Route } from './router.js';

export interface DataDeps {
  readonly catalog: AssetCatalog;
  readonly model: MarketModel;
  readonly clock: Clock;
}

export interface BarsPage {
  readonly bars: ReadonlyMap<string, readonly Bar[]>;
  readonly nextPageToken: string | null;
}

interface Cursor {
  readonly symbol: string;
  readonly tMs: number;
}

function encodeToken(c: Cursor): string {
  return Buffer.from(`${c.symbol}|${c.tMs}`).toString('base64');
}

function decodeToken(token: string): Cursor {
  const [symbol, t] = Buffer.from(token, 'base64').toString('utf8').split('|');
  const tMs = Number(t);
  if (!symbol || !Number.isInteger(tMs)) throw API_ERRORS.invalid('invalid page_token');
  return { symbol, tMs };
}

export interface BarsQuery {
  readonly assets: readonly Asset[];
  readonly timeframe: Timeframe;
  readonly startMs: number;
  readonly endMs: number;
  readonly limit: number;
  readonly sort: 'asc' | 'desc';
  readonly pageToken: string | undefined;
}

/**
 * One page: symbols in alphabetical order, each symbol's bars in `sort` order, at most `limit` bars in all;
 * the token names the last bar returned, so the next page resumes right after it.
 */
export function barsPage(model: MarketModel, q: BarsQuery, nowMs: number): BarsPage {
  const resume = q.pageToken === undefined ? undefined : decodeToken(q.pageToken);
  const out = new Map<string, Bar[]>();
  let taken = 0;
  let last: Cursor | undefined;
  const assets = [...q.assets].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  for (const asset of assets) {
    if (resume && asset.symbol < resume.symbol) continue;
    let start = q.startMs;
    let end = Math.min(q.endMs, nowMs);
    if (resume && asset.symbol === resume.symbol) {
      if (q.sort === 'asc') start = resume.tMs + 1;
      else end = Math.min(end, resume.tMs - 1);
    }
    for (const t of bucketStarts(asset, q.timeframe, start, end, q.sort)) {
      const bar = barOf(model, asset, q.timeframe, t, nowMs);
      if (!bar) continue;
      if (taken === q.limit) return { bars: out, nextPageToken: last ? encodeToken(last) : null };
      const list = out.get(asset.symbol) ?? [];
      list.push(bar);
      out.set(asset.symbol, list);
      taken++;
      last = { symbol: asset.symbol, tMs: bar.tMs };
    }
  }
  return { bars: out, nextPageToken: null };
}

function time(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null) return undefined;
  const ms = Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(ms)) throw API_ERRORS.invalid(`invalid ${key}`);
  return ms;
}

function symbolsParam(query: URLSearchParams): string[] {
  const symbols = (query.get('symbols') ?? '').split(',').filter((s) => s !== '');
  if (symbols.length === 0) throw API_ERRORS.invalid('symbols is required');
  return symbols;
}

export function dataRoutes(d: DataDeps): Route[] {
  const { catalog, model, clock } = d;
  const known = (symbols: readonly string[], cls: Asset['class']): Asset[] =>
    symbols.flatMap((s) => {
      const a = catalog.find(s);
      return a && a.class === cls && a.symbol === s.toUpperCase() ? [a] : [];
    });
  const barsQuery = (q: URLSearchParams, assets: Asset[]): BarsQuery => {
    const tfText = q.get('timeframe');
    if (!tfText) throw API_ERRORS.invalid('timeframe is required');
    let timeframe: Timeframe;
    try {
      timeframe = parseTimeframe(tfText);
    } catch (err) {
      if (err instanceof TimeframeError) throw API_ERRORS.invalid(err.message);
      throw err;
    }
    const now = clock.now();
    const limitText = q.get('limit');
    const limit = limitText === null ? 1000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw API_ERRORS.invalid('invalid limit');
    const sort = q.get('sort') ?? 'asc';
    if (sort !== 'asc' && sort !== 'desc') throw API_ERRORS.invalid('invalid sort');
    const startMs = time(q, 'start') ?? nyWallToMs(nyDay(now), 0);
    const endMs = time(q, 'end') ?? now;
    if (endMs < startMs) throw API_ERRORS.invalid('end should not be before start');
    return { assets, timeframe, startMs, endMs, limit, sort, pageToken: q.get('page_token') ?? undefined };
  };
  const multiBars = (r: Request, cls: Asset['class']) => {
    const page = barsPage(model, barsQuery(r.query, known(symbolsParam(r.query), cls)), clock.now());
    const bars: Record<string, unknown> = {};
    for (const [symbol, list] of page.bars) bars[symbol] = list.map(barWire);
    return { status: 200, body: { bars, next_page_token: page.nextPageToken } };
  };
  const latest = (r: Request, cls: Asset['class'], what: 'quotes' | 'trades') => {
    const out: Record<string, unknown> = {};
    const now = clock.now();
    for (const a of known(symbolsParam(r.query), cls)) {
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
      const page = barsPage(model, barsQuery(r.query, known([symbol], 'us_equity')), clock.now());
      const list = page.bars.get(symbol);
      return {
        status: 200,
        body: { bars: list ? list.map(barWire) : null, symbol, next_page_token: page.nextPageToken },
      };
    }),
    route(/^\/v2\/stocks\/([^/]+)\/quotes\/latest$/, (r) => {
      const [asset] = known([r.params[0] ?? ''], 'us_equity');
      if (!asset) throw API_ERRORS.notFound(`no quote found for ${r.params[0]}`);
      return {
        status: 200,
        body: { symbol: asset.symbol, quote: quoteWire(asset, model.quoteAt(asset, clock.now())) },
      };
    }),
    route(/^\/v2\/stocks\/([^/]+)\/trades\/latest$/, (r) => {
      const [asset] = known([r.params[0] ?? ''], 'us_equity');
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
