import type { Bus, Subscription } from '@trading-system/bus';
import { type Bar, type HistoryCapabilities, Subjects, timeframeSeconds } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import type { BarStore } from './bar-store.js';
import type { BrokerHistory } from './broker-history.js';
import type { SeriesKey } from './series.js';

/** Longest live timeframe cached: daily and longer bars depend on session conventions brokers apply differently. */
const MAX_LIVE_SECONDS = 8 * 3600;

/**
 * The cached series a completed live bar belongs to, or undefined when it is not cached: in-progress or
 * gap-flagged bars (built across missing data, so not what the broker would return), and timeframes that are not
 * an intraday size the broker serves (`history`, its announcement: a 7m bar is resampled from cached 1m bars on
 * request instead). Live bars come from trades over the whole session: TRADES, all hours.
 */
export function liveSeriesOf(bar: Bar, history: HistoryCapabilities | undefined): SeriesKey | undefined {
  if (!bar.complete || bar.gap) return undefined;
  if (history?.bars.some((b) => b.timeframe === bar.timeframe) !== true) return undefined;
  if (bar.timeframe.endsWith('mo') || timeframeSeconds(bar.timeframe) > MAX_LIVE_SECONDS) return undefined;
  return {
    broker: bar.broker,
    instrumentId: bar.instrumentId,
    timeframe: bar.timeframe,
    whatToShow: 'TRADES',
    useRth: false,
  };
}

export interface LiveBarStats {
  stored: number;
  /** Already in the cache (the broker's bar or a repeat): left as it was. */
  known: number;
  /** Not cacheable (see liveSeriesOf). */
  skipped: number;
}

/**
 * Feeds completed `md.bar.*` bars from market-data into the bars cache, so the cache grows from live data too.
 * Subscribed in the instance's queue group (one instance stores each bar); bars of brokers this instance does not
 * serve are ignored. Core NATS: bars published while history is down are not replayed — the gap is fetched from
 * the broker on the next request, like any uncovered range.
 */
export function startLiveBars(deps: {
  readonly bus: Bus;
  readonly store: BarStore;
  readonly log: Logger;
  readonly queue: string;
  readonly mine: (broker: string) => boolean;
  readonly brokers: BrokerHistory;
}): { readonly stats: LiveBarStats; readonly subscription: Subscription } {
  const stats: LiveBarStats = { stored: 0, known: 0, skipped: 0 };
  const subscription = deps.bus.subscribe<Bar>(
    Subjects.mdBar.filter({}),
    async (msg) => {
      const bar = msg.data;
      let series: SeriesKey | undefined;
      try {
        series = deps.mine(bar.broker) ? liveSeriesOf(bar, await deps.brokers.of(bar.broker)) : undefined;
      } catch (err) {
        // Without the broker's announcement the bar's series is unknown; its range is fetched on request instead.
        deps.log.debug({ err, broker: bar.broker }, 'live bar not cached: broker history capabilities unknown');
      }
      if (series === undefined) {
        stats.skipped++;
        return;
      }
      try {
        if (await deps.store.storeLiveBar(series, bar)) stats.stored++;
        else stats.known++;
      } catch (err) {
        // The bar is not lost for good: its range stays uncovered and is fetched from the broker on request.
        deps.log.warn({ err, subject: msg.subject }, 'live bar not cached; its range will be fetched on request');
      }
    },
    { queue: deps.queue },
  );
  return { stats, subscription };
}
