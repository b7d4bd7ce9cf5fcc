/** Public surface of @trading-system/backtest. */
export type { Candle, CurvePoint } from './curve.js';
export {
  type BacktestOptions,
  type BacktestResult,
  type BarSeriesInput,
  type FillModel,
  type InputBar,
  runBacktest,
  StrategyFailedError,
} from './engine.js';
export { type InstrumentOptions, instrumentSpec, roundToTick } from './instruments.js';
export type { FillRecord, PositionChange, TradeRecord } from './records.js';
export { type ReturnPeriod, type Statistics, StatsAccumulator, type StatsOptions } from './stats.js';
