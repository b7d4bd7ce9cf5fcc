export { type OrdersDeps, type RunningOrders, start } from './app.js';
export { ORDERS_DEFAULTS } from './config.js';
export type { OrdersConfig } from './context.js';
export type { OrdersDb } from './db-types.js';
export { registerOmsMetrics } from './metrics.js';
export { migrations } from './migrations/index.js';
export {
  DEFAULT_RISK_CONFIG,
  DEFAULT_RISK_LIMITS,
  EMPTY_RISK_CONFIG,
  type RiskConfig,
  withShippedDefaults,
} from './risk-checks.js';
