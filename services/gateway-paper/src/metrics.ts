/**
 * gateway-paper's Prometheus series beside the bus and database ones: each hosted broker's connection state, read at scrape time
 * under the name and labels gateway-ib uses, so one Grafana panel shows every broker of every type.
 */
import { ConnectionState } from '@trading-system/contracts';
import { type Registry, sampledGauge } from '@trading-system/metrics';
import type { PaperGateway } from './app.js';

export function registerGatewayMetrics(registry: Registry, gateway: Pick<PaperGateway, 'brokers'>): void {
  sampledGauge(
    registry,
    {
      name: 'trading_broker_connection_state',
      help: 'Broker connection state: 1 for the state it is in (connected, degraded, disconnected), else 0',
      labelNames: ['broker', 'state'],
    },
    (g) => {
      for (const b of gateway.brokers())
        for (const state of ConnectionState.options) g.set({ broker: b.name, state }, b.state === state ? 1 : 0);
    },
  );
}
