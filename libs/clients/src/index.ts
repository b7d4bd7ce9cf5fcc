/**
 * Public surface of @trading-system/clients: one client per service's bus API (orders, market-data, history, a
 * broker's gateway, a gateway process), typed from the contracts (the reply type follows from the request), shared
 * by the SDK, the CLI, the services, the bench and the tests, so a lib never imports a service to talk to it. Every
 * error a call throws carries a registry code (`registryCodeOf`).
 */
export { BrokerClient } from './broker.js';
export { GatewayClient } from './gateway.js';
export {
  type BarColumnsResult,
  type BarsResult,
  DEFAULT_STREAM_WINDOW,
  fetchBarColumns,
  fetchBars,
  fetchExport,
  HistoryStreamError,
  type StreamOptions,
  type TextResult,
} from './history.js';
export { HistoryClient } from './history-client.js';
export { MarketDataClient } from './market-data.js';
export { OrdersClient } from './orders.js';
export { type CallOptions, callBroker, callGateway, callService, requestBroker } from './request.js';
export { type ServiceClients, serviceClients } from './service-clients.js';
