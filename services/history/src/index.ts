/** Public surface of @trading-system/history: the app, its client helpers and the pure building blocks. */
export { type History, type HistoryDeps, start } from './app.js';
export { type BarPlan, planBarRange } from './bar-range.js';
export { sourceTimeframe } from './broker-history.js';
export { barSizeMs, type PlannedChunk, planChunks } from './chunk-plan.js';
export { DEFAULT_HISTORY_CONFIG, type HistoryConfig, HistoryEnvConfig } from './config.js';
export { covers, intersect, type Range, subtract, totalMs, union } from './coverage.js';
export { HistoryError, HistoryStoppedError, HistoryStreamError } from './errors.js';
export { historyMetrics } from './metrics.js';
export { migrations } from './migrations/index.js';
export { bucketEnd, bucketStart, resample } from './resample.js';
