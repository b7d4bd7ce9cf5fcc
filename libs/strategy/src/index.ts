/** Public surface of @trading-system/strategy: the strategy API, its loading, and the runtime parts every mode shares. */
export * as indicators from 'trading-signals';
export { StrategyLoadError, StrategyParamError, StrategyUsageError } from './errors.js';
export {
  importStrategy,
  instantiate,
  parseParamAssignments,
  resolveParams,
  strategyName,
} from './load.js';
export { createStrategyLogger, type LogLevel, type LogLine, streamSink } from './logger.js';
export { roundToTick } from './ticks.js';
export { BarAggregator, TimeframeFanout, timeframeMs } from './timeframes.js';
export * from './types.js';
