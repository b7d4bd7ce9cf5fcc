/** Public surface of @trading-system/sdk. */
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
export { TradingSystem } from './trading-system.js';
export type * from './types.js';
