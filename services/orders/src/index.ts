export { type OrdersDeps, type RunningOrders, start, toStreamConfig } from './app.js';
export type { OrdersConfig } from './context.js';
export type { OrdersDb } from './db-types.js';
export { migrations } from './migrations/index.js';
export { EMPTY_RISK_CONFIG, type RiskConfig } from './risk-checks.js';
