/** history's Prometheus series: cache lookups by outcome and bars served, counted as requests are answered. */
import { counter, type Registry } from '@trading-system/metrics';
import type { HistoryObserver } from './observer.js';

export function historyMetrics(registry: Registry): HistoryObserver {
  const lookups = counter(registry, {
    name: 'trading_history_lookups_total',
    help: 'Bars requests by cache outcome: hit (served from the cache), miss (downloaded), cachedOnlyPartial',
    labelNames: ['outcome'],
  });
  const served = counter(registry, { name: 'trading_history_bars_served_total', help: 'Bars sent to clients' });
  return {
    lookup: (outcome) => lookups.inc({ outcome }),
    served: (bars) => served.inc(bars),
  };
}
