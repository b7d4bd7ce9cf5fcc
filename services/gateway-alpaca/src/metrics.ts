/**
 * gateway-alpaca's Prometheus series beside the bus ones: each hosted broker's connection state, read at scrape time
 * under the name and labels gateway-ib uses, so one Grafana panel shows every broker of every type.
 */
import { brokerConnectionStateGauge, type Registry } from '@trading-system/metrics';
import type { AlpacaGateway } from './app.js';

export function registerGatewayMetrics(registry: Registry, gateway: Pick<AlpacaGateway, 'brokers'>): void {
  brokerConnectionStateGauge(registry, () => gateway.brokers().map((b) => ({ broker: b.name, state: b.state })));
}
