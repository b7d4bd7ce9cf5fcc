export {
  type AccountSummary,
  type AccountValue,
  accountValues,
  BUYING_POWER_MULTIPLE,
  DEFAULT_MARGIN_RATES,
  type MarginRate,
  type MarginRates,
  type PortfolioItem,
} from './account-summary.js';
export { type AccountConfig, DEFAULT_ACCOUNTS, type PositionView } from './accounts.js';
export {
  type CommissionRule,
  type CommissionSchedule,
  DEFAULT_COMMISSIONS,
  orderCommissionMicros,
} from './commissions.js';
export { ExchangeStateError, InvalidSnapshotError, ORDER_ERRORS, StateFileError, type TwsNotice } from './errors.js';
export type * from './events.js';
export { Exchange, type ExchangeOptions } from './exchange.js';
export {
  type ExecutionFilter,
  type ExecutionRecord,
  FilterTimeError,
  makeExecId,
  parseFilterTime,
} from './executions.js';
export { formatMicros, microsToNumber, notionalMicros, toMicros } from './money.js';
export {
  avgFillPriceOf,
  isLive,
  type OrderAction,
  type OrderRecord,
  type OrderRequest,
  type OrderStatus,
  type OrderType,
  remainingOf,
  type TimeInForce,
} from './order-types.js';
export type * from './ports.js';
export { type ExchangeSnapshot, type LegacyInstrumentId, SNAPSHOT_VERSION } from './snapshot.js';
export { FileStateStore, type FileStateStoreOptions, MemoryStateStore, type StateStore } from './state-store.js';
export { conformsToTick, type Validation, type ValidOrder, validateOrder } from './validation.js';
