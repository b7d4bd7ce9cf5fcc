import { ConnectionState } from '@trading-system/contracts';
import { type Registry, sampledGauge } from './registry.js';

/** A hosted broker as the connection-state series reads it at scrape time. */
export interface BrokerConnectionReading {
  readonly broker: string;
  readonly state: ConnectionState;
}

/**
 * `trading_broker_connection_state{broker,state}`: 1 for the state each hosted broker is in, else 0. Every gateway
 * type registers it under this one name and these labels, so one Grafana panel and one alert see every broker.
 */
export function brokerConnectionStateGauge(registry: Registry, brokers: () => Iterable<BrokerConnectionReading>): void {
  sampledGauge(
    registry,
    {
      name: 'trading_broker_connection_state',
      help: 'Broker connection state: 1 for the state it is in (connected, degraded, disconnected), else 0',
      labelNames: ['broker', 'state'],
    },
    (g) => {
      for (const b of brokers())
        for (const state of ConnectionState.options) g.set({ broker: b.broker, state }, b.state === state ? 1 : 0);
    },
  );
}
