/**
 * Query parameters shared by the Market Data routes: symbols, the time span, limit, sort and page token of a
 * historical series, with Alpaca's defaults (start: the beginning of the current New York day, end: now, limit
 * 1,000 of at most 10,000, sort asc).
 */
import { API_ERRORS } from '../core/errors.js';
import type { Asset, AssetCatalog } from '../market/assets.js';
import { nyDay, nyWallToMs } from '../market/calendar.js';
import type { SeriesQuery } from '../market/series.js';

export function timeParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null) return undefined;
  const ms = Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(ms)) throw API_ERRORS.invalid(`invalid ${key}`);
  return ms;
}

export function symbolsParam(query: URLSearchParams): string[] {
  const symbols = (query.get('symbols') ?? '').split(',').filter((s) => s !== '');
  if (symbols.length === 0) throw API_ERRORS.invalid('symbols is required');
  return symbols;
}

/** The catalogue's assets of a class among `symbols` (spelled as Alpaca's data host wants them); unknown ones drop. */
export function knownAssets(catalog: AssetCatalog, symbols: readonly string[], cls: Asset['class']): Asset[] {
  return symbols.flatMap((s) => {
    const a = catalog.find(s);
    return a && a.class === cls && a.symbol === s.toUpperCase() ? [a] : [];
  });
}

export function seriesQuery(q: URLSearchParams, assets: readonly Asset[], nowMs: number): SeriesQuery {
  const limitText = q.get('limit');
  const limit = limitText === null ? 1000 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw API_ERRORS.invalid('invalid limit');
  const sort = q.get('sort') ?? 'asc';
  if (sort !== 'asc' && sort !== 'desc') throw API_ERRORS.invalid('invalid sort');
  const startMs = timeParam(q, 'start') ?? nyWallToMs(nyDay(nowMs), 0);
  const endMs = timeParam(q, 'end') ?? nowMs;
  if (endMs < startMs) throw API_ERRORS.invalid('end should not be before start');
  // Nothing after now exists yet.
  return { assets, startMs, endMs: Math.min(endMs, nowMs), limit, sort, pageToken: q.get('page_token') ?? undefined };
}
