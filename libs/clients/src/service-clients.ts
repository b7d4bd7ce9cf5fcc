import type { Bus } from '@trading-system/bus';
import { BrokerClient } from './broker.js';
import { GatewayClient } from './gateway.js';
import { HistoryClient } from './history-client.js';
import { MarketDataClient } from './market-data.js';
import { OrdersClient } from './orders.js';

/** One client of each service on one bus, sharing the request timeout (and the brokers' qualification cache). */
export interface ServiceClients {
  readonly orders: OrdersClient;
  readonly marketData: MarketDataClient;
  readonly history: HistoryClient;
  readonly brokers: BrokerClient;
  readonly gateways: GatewayClient;
}

export function serviceClients(bus: Bus, options: { readonly timeoutMs: number }): ServiceClients {
  return {
    orders: new OrdersClient(bus, options),
    marketData: new MarketDataClient(bus, options),
    history: new HistoryClient(bus, options),
    brokers: new BrokerClient(bus, options),
    gateways: new GatewayClient(bus, options),
  };
}
