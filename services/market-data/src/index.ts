export { type MarketDataDeps, type MarketDataService, start } from './app.js';
export { BarAggregator } from './bar-aggregator.js';
export { DEFAULT_CONFIG, type MarketDataConfig, MarketDataEnv, toMarketDataConfig } from './config.js';
export { LeaseTable } from './lease-table.js';
export { registerMarketDataMetrics } from './metrics.js';
export { bucketOf, type SessionSpec, sessionFor } from './sessions.js';
export { TradeExtractor } from './tick-trades.js';
