/** Public surface of @trading-system/backtest. */
export type { Candle, CurvePoint } from './curve.js';
export { DataFormatError, parseCsvBars, parseTime, readCsvBars } from './data/csv.js';
export { loadShipped, SHIPPED_DATA, type ShippedSeries, shippedSeries } from './data/shipped.js';
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
export { formatStatistics, resultCsvFiles } from './report/format.js';
export { renderHtmlReport } from './report/html.js';
export { CHROMIUM_FLAGS, ChromiumMissingError, chromiumPath, writePngs } from './report/png.js';
export { writeResult } from './report/write.js';
export { type ReturnPeriod, type Statistics, StatsAccumulator, type StatsOptions } from './stats.js';
export { ColumnBars, fromShared, type SharedSeries, toShared } from './sweep/columns.js';
export { expandGrid, parseSweepSpec, SweepSpecError } from './sweep/grid.js';
export {
  type RankKey,
  rankRows,
  runSweep,
  type SweepBase,
  SweepFailedError,
  type SweepOptions,
  type SweepRow,
} from './sweep/sweep.js';
