/** Public surface of @trading-system/sdk. */

export type { OptionGreeks } from '@trading-system/contracts';
export type { OpenOptions } from './connect.js';
export { toDecimal, toInstrumentRef } from './convert.js';
export {
  BrokerError,
  ClosedError,
  HistoricalDataError,
  NotFoundError,
  OrderDeniedError,
  OrderRejectedError,
  ServiceError,
  TradingSystemError,
  ValidationError,
} from './errors.js';
export type { InProcessRuntime, InProcessStart, InProcessSystem } from './in-process.js';
export {
  type OptionChain,
  type OptionChainListing,
  type OptionChainOptions,
  optionContract,
} from './options.js';
export { TradingSystem } from './trading-system.js';
export type * from './types.js';
