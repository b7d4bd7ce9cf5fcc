/**
 * The narrow port around @stoqey/ib: only the calls and callbacks gateway-ib uses, with plain types. Nothing
 * else in the service imports IBApi. One `IbPort` = one TCP session attempt sequence for one fixed clientId;
 * `connect()` builds a fresh IBApi each time so no state of a dead socket leaks into the next session.
 *
 * Callbacks arrive through one `IbEvents` sink. IB's `error` and `info` events are merged into `onCode`
 * (reqId -1 for connection-wide notices); classify them with ib-error-classes.ts.
 */
import {
  type BarSizeSetting,
  type CommissionReport,
  type Contract,
  type ContractDetails,
  EventName,
  type Execution,
  type ExecutionFilter,
  IBApi,
  type WhatToShow as IbWhatToShow,
  type Order,
  type OrderState,
} from '@stoqey/ib';
import { type OrderMessageKind, PendingWrites } from './ib-writes.js';
import type { IbHistoricalBar } from './parsing/history.js';

export interface IbEvents {
  /** TCP + handshake done (not yet usable: wait for onNextValidId). */
  onConnected(): void;
  /** Socket closed, or a connect attempt failed. */
  onDisconnected(): void;
  /** Session usable; `orderId` is the next order id IB accepts for this clientId. */
  onNextValidId(orderId: number): void;
  onManagedAccounts(accounts: readonly string[]): void;
  /** IB's clock (reqCurrentTime's answer), epoch seconds. */
  onCurrentTime(epochSec: number): void;
  /** Every IB error / notice; reqId -1 when not tied to a request. */
  onCode(code: number, reqId: number, message: string): void;
  onTickPrice(reqId: number, field: number, value: number): void;
  onTickSize(reqId: number, field: number, value: number | undefined): void;
  onTickString(reqId: number, field: number, value: string): void;
  onMarketDataType(reqId: number, type: number): void;
  onTickSnapshotEnd(reqId: number): void;
  onContractDetails(reqId: number, details: ContractDetails): void;
  onContractDetailsEnd(reqId: number): void;
  /** Option computation of a market-data line or a calculation (IB tickOptionComputation). */
  onOptionComputation(reqId: number, c: IbOptionComputation): void;
  /** One exchange's listing of an option chain (IB securityDefinitionOptionParameter). */
  onSecDefOptParams(reqId: number, listing: IbOptionChainListing): void;
  onSecDefOptParamsEnd(reqId: number): void;
  onHistoricalBar(reqId: number, bar: IbHistoricalBar): void;
  /** After the last bar: IB's reported range strings (raw `finished-<start>-<end>` marker). */
  onHistoricalEnd(reqId: number, marker: string): void;
  onRealtimeBar(
    reqId: number,
    timeSec: number,
    ohlc: readonly [number, number, number, number],
    volume: number,
    wap: number,
    count: number,
  ): void;
  /** Order and account callbacks (not tied to a market-data reqId). */
  readonly stream: IbStreamEvents;
}

/** IB's order/account callbacks, routed to the orders, reconciliation and accounts components. */
export interface IbStreamEvents {
  onOpenOrder(orderId: number, contract: Contract, order: Order, state: OrderState): void;
  onOpenOrderEnd(): void;
  onOrderStatus(s: IbOrderStatusUpdate): void;
  onExecDetails(reqId: number, contract: Contract, execution: Execution): void;
  onExecDetailsEnd(reqId: number): void;
  onCommissionReport(report: CommissionReport): void;
  onCompletedOrder(contract: Contract, order: Order, state: OrderState): void;
  onCompletedOrdersEnd(): void;
  onPosition(account: string, contract: Contract, pos: number, avgCost: number | undefined): void;
  onPositionEnd(): void;
  onAccountSummary(reqId: number, account: string, tag: string, value: string, currency: string): void;
  onAccountSummaryEnd(reqId: number): void;
  onPnl(reqId: number, daily: number, unrealized: number | undefined, realized: number | undefined): void;
  onAccountValue(key: string, value: string, currency: string, account: string): void;
  /** End of one reqAccountUpdates download (IB then pushes changes about every 3 minutes). */
  onAccountDownloadEnd(account: string): void;
}

export interface IbOrderStatusUpdate {
  readonly orderId: number;
  readonly status: string;
  readonly filled: number;
  readonly remaining: number;
  readonly avgFillPrice: number;
  readonly permId: number;
  readonly lastFillPrice: number;
  readonly clientId: number;
  readonly whyHeld: string;
}

export interface IbOptionComputation {
  readonly tickType: number;
  readonly impliedVol: number | undefined;
  readonly delta: number | undefined;
  readonly optPrice: number | undefined;
  readonly pvDividend: number | undefined;
  readonly gamma: number | undefined;
  readonly vega: number | undefined;
  readonly theta: number | undefined;
  readonly undPrice: number | undefined;
}

export interface IbOptionChainListing {
  readonly exchange: string;
  readonly underlyingConId: number;
  readonly tradingClass: string;
  readonly multiplier: number | undefined;
  readonly expirations: readonly string[];
  readonly strikes: readonly number[];
}

export interface IbEndpoint {
  readonly host: string;
  readonly port: number;
  readonly clientId: number;
}

/** IB market data types: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. */
export type IbMarketDataType = 1 | 2 | 3 | 4;

export interface IbPort {
  readonly endpoint: IbEndpoint;
  /** Negotiated server version of the current session, 0 when not connected. */
  readonly serverVersion: number;
  connect(): void;
  disconnect(): void;
  reqMarketDataType(type: IbMarketDataType): void;
  reqMktData(reqId: number, contract: Contract, genericTicks: string, snapshot: boolean): void;
  cancelMktData(reqId: number): void;
  reqRealTimeBars(reqId: number, contract: Contract, whatToShow: string): void;
  cancelRealTimeBars(reqId: number): void;
  reqHistoricalData(
    reqId: number,
    contract: Contract,
    endDateTime: string,
    duration: string,
    barSize: string,
    whatToShow: string,
    useRth: boolean,
  ): void;
  cancelHistoricalData(reqId: number): void;
  reqContractDetails(reqId: number, contract: Contract): void;
  reqSecDefOptParams(reqId: number, symbol: string, futFopExchange: string, secType: string, conId: number): void;
  reqIds(): void;
  /** Asks IB's time (answered through onCurrentTime). */
  reqCurrentTime(): void;
  /**
   * Sends placeOrder (new order or modification). The promise resolves once the message has been handed to the
   * TCP socket (@stoqey/ib's `sent` event for this orderId: its own command buffer and rate limiter are behind
   * us) and rejects with `IbWriteError` when it cannot be: the library refused to encode it (an IB code for the
   * orderId, e.g. a field this server version lacks), or the session closed first.
   */
  placeOrder(orderId: number, contract: Contract, order: Order): Promise<void>;
  /** Sends cancelOrder; resolves / rejects as placeOrder. */
  cancelOrder(orderId: number): Promise<void>;
  reqGlobalCancel(): void;
  /** Open orders of every client and TWS (ours and external). */
  reqAllOpenOrders(): void;
  reqCompletedOrders(apiOnly: boolean): void;
  reqExecutions(reqId: number, filter: ExecutionFilter): void;
  reqPositions(): void;
  cancelPositions(): void;
  reqAccountSummary(reqId: number, tags: string): void;
  cancelAccountSummary(reqId: number): void;
  reqPnL(reqId: number, account: string): void;
  cancelPnL(reqId: number): void;
  /** IB streams values of ONE account at a time through this subscription. */
  reqAccountUpdates(subscribe: boolean, account: string): void;
}

/** @stoqey/ib types `on` per event name; the port registers through this untyped view of the same emitter. */
interface LooseEmitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(): unknown;
}

export function createIbPort(endpoint: IbEndpoint, events: IbEvents): IbPort {
  let api: IBApi | undefined;
  const writes = new PendingWrites();
  // Set while @stoqey/ib encodes one of our order messages: an error for its orderId then is the encoder's refusal
  // (it writes nothing); any later error for the id is the broker's answer to a message that went out.
  let encoding: { kind: OrderMessageKind; orderId: number; refused: boolean } | undefined;

  const attach = (ib: IBApi): void => {
    const on = (event: EventName, fn: (...args: never[]) => void): void => {
      (ib as unknown as LooseEmitter).on(event, (...args: never[]) => {
        if (api === ib) fn(...args);
      });
    };
    on(EventName.connected, () => events.onConnected());
    on(EventName.disconnected, () => {
      writes.failAll('IB socket closed before the message was written');
      events.onDisconnected();
    });
    on(EventName.sent, (tokens: unknown[]) => writes.sent(tokens, ib.serverVersion));
    on(EventName.nextValidId, (id: number) => events.onNextValidId(id));
    on(EventName.currentTime, (time: number) => events.onCurrentTime(time));
    on(EventName.managedAccounts, (list: string) =>
      events.onManagedAccounts(
        list
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== ''),
      ),
    );
    on(EventName.error, (err: Error, code: number, reqId: number) => {
      if (encoding !== undefined && encoding.orderId === reqId && !encoding.refused) {
        encoding.refused = true;
        writes.refused(encoding.kind, reqId, code, err?.message ?? '');
      }
      events.onCode(code, reqId ?? -1, err?.message ?? '');
    });
    on(EventName.info, (message: string, code: number) => events.onCode(code, -1, message));
    // The three tick callbacks carry every trade and quote (tens of thousands a second on a wide subscription):
    // fixed-arity listeners, without the rest-and-spread of `on` (an array per callback).
    const emitter = ib as unknown as LooseEmitter;
    emitter.on(EventName.tickPrice, ((reqId: number, field: number, value: number) => {
      if (api === ib) events.onTickPrice(reqId, field, value);
    }) as never);
    emitter.on(EventName.tickSize, ((reqId: number, field: number, value: number) => {
      if (api === ib) events.onTickSize(reqId, field, value);
    }) as never);
    emitter.on(EventName.tickString, ((reqId: number, field: number, value: string) => {
      if (api === ib) events.onTickString(reqId, field, value);
    }) as never);
    on(EventName.marketDataType, (reqId: number, type: number) => events.onMarketDataType(reqId, type));
    on(EventName.tickSnapshotEnd, (reqId: number) => events.onTickSnapshotEnd(reqId));
    on(EventName.contractDetails, (reqId: number, cd: ContractDetails) => events.onContractDetails(reqId, cd));
    on(EventName.contractDetailsEnd, (reqId: number) => events.onContractDetailsEnd(reqId));
    on(
      EventName.tickOptionComputation,
      (
        reqId: number,
        tickType: number,
        _tickAttrib: number | undefined,
        impliedVol: number | undefined,
        delta: number | undefined,
        optPrice: number | undefined,
        pvDividend: number | undefined,
        gamma: number | undefined,
        vega: number | undefined,
        theta: number | undefined,
        undPrice: number | undefined,
      ) =>
        events.onOptionComputation(reqId, {
          tickType,
          impliedVol,
          delta,
          optPrice,
          pvDividend,
          gamma,
          vega,
          theta,
          undPrice,
        }),
    );
    on(
      EventName.securityDefinitionOptionParameter,
      (
        reqId: number,
        exchange: string,
        underlyingConId: number,
        tradingClass: string,
        multiplier: number | undefined,
        expirations: string[],
        strikes: number[],
      ) =>
        events.onSecDefOptParams(reqId, { exchange, underlyingConId, tradingClass, multiplier, expirations, strikes }),
    );
    on(EventName.securityDefinitionOptionParameterEnd, (reqId: number) => events.onSecDefOptParamsEnd(reqId));
    on(
      EventName.historicalData,
      (
        reqId: number,
        time: string,
        open: number,
        high: number,
        low: number,
        close: number,
        volume: number,
        count: number | undefined,
        wap: number,
      ) => {
        if (time.startsWith('finished')) events.onHistoricalEnd(reqId, time);
        else events.onHistoricalBar(reqId, { time, open, high, low, close, volume, count, wap });
      },
    );
    on(
      EventName.realtimeBar,
      (
        reqId: number,
        time: number,
        open: number,
        high: number,
        low: number,
        close: number,
        volume: number,
        wap: number,
        count: number,
      ) => events.onRealtimeBar(reqId, time, [open, high, low, close], volume, wap, count),
    );
    const st = events.stream;
    on(EventName.openOrder, (id: number, c: Contract, o: Order, os: OrderState) => st.onOpenOrder(id, c, o, os));
    on(EventName.openOrderEnd, () => st.onOpenOrderEnd());
    on(
      EventName.orderStatus,
      (
        orderId: number,
        status: string,
        filled: number,
        remaining: number,
        avgFillPrice: number,
        permId?: number,
        _parentId?: number,
        lastFillPrice?: number,
        clientId?: number,
        whyHeld?: string,
      ) =>
        st.onOrderStatus({
          orderId,
          status,
          filled,
          remaining,
          avgFillPrice,
          permId: permId ?? 0,
          lastFillPrice: lastFillPrice ?? 0,
          clientId: clientId ?? -1,
          whyHeld: whyHeld ?? '',
        }),
    );
    on(EventName.execDetails, (reqId: number, c: Contract, e: Execution) => st.onExecDetails(reqId, c, e));
    on(EventName.execDetailsEnd, (reqId: number) => st.onExecDetailsEnd(reqId));
    on(EventName.commissionReport, (r: CommissionReport) => st.onCommissionReport(r));
    on(EventName.completedOrder, (c: Contract, o: Order, os: OrderState) => st.onCompletedOrder(c, o, os));
    on(EventName.completedOrdersEnd, () => st.onCompletedOrdersEnd());
    on(EventName.position, (a: string, c: Contract, pos: number, avgCost?: number) =>
      st.onPosition(a, c, pos, avgCost),
    );
    on(EventName.positionEnd, () => st.onPositionEnd());
    on(EventName.accountSummary, (reqId: number, a: string, tag: string, value: string, ccy: string) =>
      st.onAccountSummary(reqId, a, tag, value, ccy),
    );
    on(EventName.accountSummaryEnd, (reqId: number) => st.onAccountSummaryEnd(reqId));
    on(EventName.updateAccountValue, (key: string, value: string, ccy: string, account: string) =>
      st.onAccountValue(key, value, ccy, account),
    );
    on(EventName.accountDownloadEnd, (account: string) => st.onAccountDownloadEnd(account));
    on(EventName.pnl, (reqId: number, daily: number, unrealized?: number, realized?: number) =>
      st.onPnl(reqId, daily, unrealized, realized),
    );
  };

  const current = (): IBApi => {
    if (api === undefined) throw new Error('IB port is not connected');
    return api;
  };
  const orderMessage = (kind: OrderMessageKind, orderId: number, send: (ib: IBApi) => void): Promise<void> => {
    const ib = current();
    const written = writes.expect(kind, orderId);
    encoding = { kind, orderId, refused: false };
    try {
      send(ib);
    } finally {
      encoding = undefined;
    }
    return written;
  };

  return {
    endpoint,
    get serverVersion() {
      return api?.isConnected ? api.serverVersion : 0;
    },
    connect() {
      writes.failAll('IB session replaced before the message was written');
      if (api !== undefined) detach(api);
      // The governor is the only pacer. @stoqey/ib's own limiter re-times messages on setTimeout chains (tokens come
      // back 100 ms after each send, late under load), which shifts them against the governor's window and could
      // bunch them at TWS; set far above anything the governor lets through, it passes every message at once.
      const ib = new IBApi({ host: endpoint.host, port: endpoint.port, maxReqPerSec: 10_000 });
      api = ib;
      attach(ib);
      ib.connect(endpoint.clientId);
      disableNagle(ib);
    },
    disconnect() {
      writes.failAll('IB session closed before the message was written');
      const ib = api;
      api = undefined;
      if (ib !== undefined) detach(ib);
    },
    reqMarketDataType: (type) => void current().reqMarketDataType(type),
    reqMktData: (reqId, contract, genericTicks, snapshot) =>
      void current().reqMktData(reqId, contract, genericTicks, snapshot, false),
    cancelMktData: (reqId) => void current().cancelMktData(reqId),
    reqRealTimeBars: (reqId, contract, whatToShow) =>
      void current().reqRealTimeBars(reqId, contract, 5, whatToShow as IbWhatToShow, false),
    cancelRealTimeBars: (reqId) => void current().cancelRealTimeBars(reqId),
    reqHistoricalData: (reqId, contract, end, duration, barSize, whatToShow, useRth) =>
      void current().reqHistoricalData(
        reqId,
        contract,
        end,
        duration,
        barSize as BarSizeSetting,
        whatToShow as IbWhatToShow,
        useRth ? 1 : 0,
        2,
        false,
      ),
    cancelHistoricalData: (reqId) => void current().cancelHistoricalData(reqId),
    reqContractDetails: (reqId, contract) => void current().reqContractDetails(reqId, contract),
    reqSecDefOptParams: (reqId, symbol, futFopExchange, secType, conId) =>
      void current().reqSecDefOptParams(reqId, symbol, futFopExchange, secType, conId),
    reqIds: () => void current().reqIds(),
    reqCurrentTime: () => void current().reqCurrentTime(),
    placeOrder: (orderId, contract, order) =>
      orderMessage('place', orderId, (ib) => ib.placeOrder(orderId, contract, order)),
    cancelOrder: (orderId) => orderMessage('cancel', orderId, (ib) => ib.cancelOrder(orderId)),
    reqGlobalCancel: () => void current().reqGlobalCancel(),
    reqAllOpenOrders: () => void current().reqAllOpenOrders(),
    reqCompletedOrders: (apiOnly) => void current().reqCompletedOrders(apiOnly),
    reqExecutions: (reqId, filter) => void current().reqExecutions(reqId, filter),
    reqPositions: () => void current().reqPositions(),
    cancelPositions: () => void current().cancelPositions(),
    reqAccountSummary: (reqId, tags) => void current().reqAccountSummary(reqId, 'All', tags),
    cancelAccountSummary: (reqId) => void current().cancelAccountSummary(reqId),
    reqPnL: (reqId, account) => void current().reqPnL(reqId, account, ''),
    cancelPnL: (reqId) => void current().cancelPnL(reqId),
    reqAccountUpdates: (subscribe, account) => void current().reqAccountUpdates(subscribe, account),
  };
}

/**
 * Turns Nagle's algorithm off on @stoqey/ib's socket (the library never does, and `net.connect` leaves it on). With
 * Nagle a message written while the previous one is unacknowledged waits in the kernel for the ACK: 40-48 ms lags
 * between our write and TWS's read in the order bench's traces, which delay the order, its answer and so the
 * governor's proof that TWS read it. The socket is the library's private field: false (and Nagle stays on, nothing
 * worse) if a version moves it.
 */
export function disableNagle(ib: IBApi): boolean {
  type Internals = { controller?: { socket?: { client?: { setNoDelay?: (noDelay: boolean) => unknown } } } };
  const client = (ib as unknown as Internals).controller?.socket?.client;
  if (typeof client?.setNoDelay !== 'function') return false;
  client.setNoDelay(true);
  return true;
}

function detach(ib: IBApi): void {
  (ib as unknown as LooseEmitter).removeAllListeners();
  // A listener-less emitter would throw on 'error'; keep one that ignores late socket errors of a dead session.
  ib.on(EventName.error, () => undefined);
  ib.disconnect();
}
