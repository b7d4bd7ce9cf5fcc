/**
 * What history reports about its cache as it works, for metrics: each bars request's cache lookup (served whole
 * from the cache, or needing a download; a `cachedOnly` request that found holes) and the bars it sent. The
 * default observer does nothing, so the app runs the same with or without metrics.
 */
export type CacheLookup = 'hit' | 'miss' | 'cachedOnlyPartial';

export interface HistoryObserver {
  lookup(outcome: CacheLookup): void;
  served(bars: number): void;
}

export const NO_HISTORY_OBSERVER: HistoryObserver = { lookup: () => undefined, served: () => undefined };
