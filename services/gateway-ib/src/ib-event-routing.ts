/**
 * Routes @stoqey/ib's callbacks (through our port's `IbEvents`) to whom they belong: per-request callbacks to the
 * sink registered for their reqId, order and account callbacks to every stream listener, session callbacks
 * (connected, closed, next valid id, accounts, IB's time, codes) to the connection. Every callback marks that IB said something.
 */
import type { Logger } from '@trading-system/runtime';
import type { IbEvents, IbStreamEvents } from './ib-port.js';
import type { RequestSink } from './request-sink.js';
import { streamRouter } from './stream-router.js';

export interface SessionEvents {
  /** TCP and handshake done; @stoqey/ib has written START_API. */
  onConnected(): void;
  /**
   * A callback named this reqId: the request it answers has been read by IB. Not IB's error messages: they name a
   * reqId or an order id alike, and may be about an old request of the same number.
   */
  onRequestAnswered(reqId: number): void;
  onDisconnected(): void;
  onNextValidId(id: number): void;
  onManagedAccounts(accounts: readonly string[]): void;
  onCurrentTime(epochSec: number): void;
  onCode(code: number, reqId: number, message: string): void;
}

export function routeIbEvents(
  sinks: ReadonlyMap<number, RequestSink>,
  streamListeners: Array<Partial<IbStreamEvents>>,
  session: SessionEvents,
  seen: () => void,
  log: Logger,
): IbEvents {
  const sink = (reqId: number): RequestSink | undefined => {
    seen();
    session.onRequestAnswered(reqId);
    return sinks.get(reqId);
  };
  return {
    onConnected: () => {
      seen();
      session.onConnected();
    },
    onDisconnected: () => session.onDisconnected(),
    onNextValidId: (id) => {
      seen();
      session.onNextValidId(id);
    },
    onManagedAccounts: (accounts) => {
      seen();
      session.onManagedAccounts(accounts);
    },
    onCurrentTime: (epochSec) => {
      seen();
      session.onCurrentTime(epochSec);
    },
    onCode: (code, reqId, message) => {
      seen();
      session.onCode(code, reqId, message);
    },
    onTickPrice: (reqId, field, value) => sink(reqId)?.tickPrice?.(field, value),
    onTickSize: (reqId, field, value) => sink(reqId)?.tickSize?.(field, value),
    onTickString: (reqId, field, value) => sink(reqId)?.tickString?.(field, value),
    onMarketDataType: (reqId, type) => sink(reqId)?.marketDataType?.(type),
    onTickSnapshotEnd: (reqId) => sink(reqId)?.snapshotEnd?.(),
    onContractDetails: (reqId, cd) => sink(reqId)?.contractDetails?.(cd),
    onContractDetailsEnd: (reqId) => sink(reqId)?.contractDetailsEnd?.(),
    onOptionComputation: (reqId, c) => sink(reqId)?.optionComputation?.(c),
    onSecDefOptParams: (reqId, listing) => sink(reqId)?.secDefOptParams?.(listing),
    onSecDefOptParamsEnd: (reqId) => sink(reqId)?.secDefOptParamsEnd?.(),
    onHistoricalBar: (reqId, bar) => sink(reqId)?.historicalBar?.(bar),
    onHistoricalEnd: (reqId, marker) => sink(reqId)?.historicalEnd?.(marker),
    onRealtimeBar: (reqId, t, ohlc, v, wap, count) => sink(reqId)?.realtimeBar?.(t, ohlc, v, wap, count),
    stream: streamRouter(streamListeners, seen, (err, event) =>
      log.error({ err, event }, 'IB callback handler failed'),
    ),
  };
}
