/** Public surface of @trading-system/metrics: Prometheus metrics of every process (prom-client). */
export { type BrokerConnectionReading, brokerConnectionStateGauge } from './broker-connection.js';
export { busObserver } from './bus-observer.js';
export { type MetricsConfig, metricsConfigShape } from './config.js';
export { instrumentDatabase, queryTimingPlugin } from './database.js';
export {
  counter,
  createRegistry,
  gauge,
  histogram,
  LATENCY_BUCKETS,
  type Registry,
  type RegistryOptions,
  sampledGauge,
} from './registry.js';
export { parseMetrics, type Sample, scrape, sumOf } from './scrape.js';
export { type MetricsServer, type MetricsServerOptions, type Readiness, startMetricsServer } from './server.js';
export { type ServiceMetrics, startServiceMetrics } from './service-metrics.js';
