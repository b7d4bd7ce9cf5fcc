/**
 * gateway-paper's Prometheus series beside the bus and database ones: each hosted broker's connection state, read at scrape time
 * under the name and labels gateway-ib uses, so one Grafana panel shows every broker of every type.
 */
import { brokerConnectionStateGauge, type Registry } from '@trading-system/metrics';
import type { PaperGateway } from './app.js';

export function registerGatewayMetrics(registry: Registry, gateway: Pick<PaperGateway, 'brokers'>): void {
  brokerConnectionStateGauge(registry, () => gateway.brokers().map((b) => ({ broker: b.name, state: b.state })));
}
