/**
 * market-data's Prometheus series, read from its lines at scrape time: lines by broker and feed state, the
 * leases holding them, and staleness — the age of the oldest last tick among the broker's live lines (a feed
 * that went quiet shows here before any consumer notices). Aggregated per broker, never per instrument, so the
 * series stay few whatever the number of lines.
 */
import { FeedState } from '@trading-system/contracts';
import { type Registry, sampledGauge } from '@trading-system/metrics';
import type { MarketDataService } from './app.js';

export function registerMarketDataMetrics(
  registry: Registry,
  service: MarketDataService,
  now: () => number = Date.now,
): void {
  sampledGauge(
    registry,
    {
      name: 'trading_md_lines',
      help: 'Open market-data lines by broker and feed state',
      labelNames: ['broker', 'state'],
    },
    (g) => {
      const counts = new Map<string, number>();
      for (const line of service.lines().values()) {
        const key = `${line.broker}\u0000${line.state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [broker = '', state = ''] = key.split('\u0000');
        g.set({ broker, state }, n);
      }
    },
  );
  sampledGauge(registry, { name: 'trading_md_leases', help: 'Consumer leases held' }, (g) => {
    g.set(service.leases.size);
  });
  sampledGauge(
    registry,
    {
      name: 'trading_md_staleness_seconds',
      help: 'Age of the oldest last tick among the live lines of a broker, seconds',
      labelNames: ['broker'],
    },
    (g) => {
      const oldest = new Map<string, number>();
      const t = now();
      for (const line of service.lines().values()) {
        if (line.state !== FeedState.enum.live || line.lastTickAtMs === undefined) continue;
        const age = (t - line.lastTickAtMs) / 1_000;
        if (age > (oldest.get(line.broker) ?? -1)) oldest.set(line.broker, age);
      }
      for (const [broker, age] of oldest) g.set({ broker }, age);
    },
  );
}
