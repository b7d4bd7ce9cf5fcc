/**
 * Alpaca's paging of historical series (bars, trades, quotes) across symbols: symbols in alphabetical order, each
 * symbol's items in `sort` order, at most `limit` items per page; `next_page_token` names the last item returned
 * (symbol and instant), so the next page resumes right after it. Items of one symbol have distinct instants.
 */
import { API_ERRORS } from '../core/errors.js';
import type { Asset } from './assets.js';

export interface Timed {
  readonly tMs: number;
}

/** A symbol's items in [startMs, endMs] (both inclusive) in `sort` order, lazily. */
export type SeriesOf<T> = (asset: Asset, startMs: number, endMs: number, sort: 'asc' | 'desc') => Iterable<T>;

export interface SeriesQuery {
  readonly assets: readonly Asset[];
  readonly startMs: number;
  readonly endMs: number;
  readonly limit: number;
  readonly sort: 'asc' | 'desc';
  readonly pageToken: string | undefined;
}

export interface SeriesPage<T> {
  readonly items: ReadonlyMap<string, readonly T[]>;
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

export function seriesPage<T extends Timed>(q: SeriesQuery, series: SeriesOf<T>): SeriesPage<T> {
  const resume = q.pageToken === undefined ? undefined : decodeToken(q.pageToken);
  const out = new Map<string, T[]>();
  let taken = 0;
  let last: Cursor | undefined;
  const assets = [...q.assets].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  for (const asset of assets) {
    if (resume && asset.symbol < resume.symbol) continue;
    let start = q.startMs;
    let end = q.endMs;
    if (resume && asset.symbol === resume.symbol) {
      if (q.sort === 'asc') start = resume.tMs + 1;
      else end = Math.min(end, resume.tMs - 1);
    }
    for (const item of series(asset, start, end, q.sort)) {
      if (taken === q.limit) return { items: out, nextPageToken: last ? encodeToken(last) : null };
      const list = out.get(asset.symbol) ?? [];
      list.push(item);
      out.set(asset.symbol, list);
      taken++;
      last = { symbol: asset.symbol, tMs: item.tMs };
    }
  }
  return { items: out, nextPageToken: null };
}
