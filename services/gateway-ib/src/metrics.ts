/**
 * gateway-ib's Prometheus series, read from its connections at scrape time: connection state, the outbound
 * governor's queue and what it has sent, IB error 100 seen (must stay 0), the historical-data pacing queue, and
 * market-data lines in use against the account's budget. One series per hosted connection (`broker` label).
 */
import { brokerConnectionStateGauge, type Registry, sampledGauge } from '@trading-system/metrics';
import type { Gateway } from './app.js';

export function registerGatewayMetrics(registry: Registry, gateway: Gateway): void {
  const perBroker = (name: string, help: string, read: (b: ReturnType<Gateway['brokers']>[number]) => number) =>
    sampledGauge(registry, { name, help, labelNames: ['broker'] }, (g) => {
      for (const b of gateway.brokers()) g.set({ broker: b.conn.name }, read(b));
    });
  brokerConnectionStateGauge(registry, () =>
    gateway.brokers().map((b) => ({ broker: b.conn.name, state: b.conn.connectionState })),
  );
  perBroker('trading_governor_queue_depth', 'Messages waiting in the outbound governor', (b) => b.conn.governor.queued);
  perBroker('trading_governor_sent', 'Messages the outbound governor has sent to IB', (b) => b.conn.governor.totalSent);
  perBroker(
    'trading_governor_waited_seconds',
    'Time the sent messages waited in the governor, seconds, summed (÷ trading_governor_sent: the mean wait)',
    (b) => b.conn.governor.totalWaitMs / 1_000,
  );
  perBroker(
    'trading_broker_rate_violations',
    'IB error 100 (message rate exceeded) received',
    (b) => b.conn.rateViolations,
  );
  perBroker(
    'trading_history_pacing_queue_depth',
    'Historical-data requests waiting for pacing',
    (b) => b.history.queued,
  );
  perBroker('trading_market_data_lines_used', 'Market-data lines in use at the broker', (b) => b.marketData.linesInUse);
  perBroker(
    'trading_market_data_lines_budget',
    "Market-data lines of the account (the broker's budget)",
    (b) => b.conn.config.marketDataLines,
  );
}
