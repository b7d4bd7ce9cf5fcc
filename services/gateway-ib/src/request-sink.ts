import type { ContractDetails } from '@stoqey/ib';
import type { IbCodeInfo } from './ib-error-classes.js';
import type { IbOptionChainListing, IbOptionComputation } from './ib-port.js';
import type { IbHistoricalBar } from './parsing/history.js';

/** Per-reqId callbacks; a capability registers one per request it sends. */
export interface RequestSink {
  tickPrice?(field: number, value: number): void;
  tickSize?(field: number, value: number | undefined): void;
  tickString?(field: number, value: string): void;
  marketDataType?(type: number): void;
  snapshotEnd?(): void;
  contractDetails?(details: ContractDetails): void;
  contractDetailsEnd?(): void;
  optionComputation?(c: IbOptionComputation): void;
  secDefOptParams?(listing: IbOptionChainListing): void;
  secDefOptParamsEnd?(): void;
  historicalBar?(bar: IbHistoricalBar): void;
  historicalEnd?(marker: string): void;
  realtimeBar?(
    timeSec: number,
    ohlc: readonly [number, number, number, number],
    volume: number,
    wap: number,
    count: number,
  ): void;
  /** An IB error/notice for this reqId, already classified. */
  code?(code: number, message: string, info: IbCodeInfo): void;
}
