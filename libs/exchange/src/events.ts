/**
 * What the core tells the wire front, in the order TWS sends it (spec §4.2). Each event says which API
 * client owns it (`clientId`); the front sends it to that client's session if connected, and drops it
 * otherwise: the state stays in the core, a reconnecting client asks again (reqOpenOrders, reqExecutions).
 * Account-wide events (position, accountValue, portfolio) carry no clientId: they go to every subscriber.
 */
import type { AccountValue, PortfolioItem } from './account-summary.js';
import type { PositionView } from './accounts.js';
import type { ExecutionRecord } from './executions.js';
import type { OrderRecord, OrderStatus } from './order-types.js';

/** orderStatus (msg 3) fields, one-to-one. */
export interface OrderStatusEvent {
  readonly kind: 'orderStatus';
  readonly orderId: number;
  readonly clientId: number;
  readonly status: OrderStatus;
  readonly filled: number;
  readonly remaining: number;
  readonly avgFillPrice: number;
  readonly permId: number;
  readonly parentId: number;
  readonly lastFillPrice: number;
  readonly whyHeld: string;
  readonly mktCapPrice: number;
}

/** openOrder (msg 5): the order as it now stands; `order.status` is orderState.status. */
export interface OpenOrderEvent {
  readonly kind: 'openOrder';
  readonly clientId: number;
  readonly order: Readonly<OrderRecord>;
}

/** execDetails (msg 11) with reqId −1. */
export interface ExecutionEvent {
  readonly kind: 'execution';
  readonly clientId: number;
  readonly execution: ExecutionRecord;
}

/** commissionReport (msg 59); realizedPnL undefined for opening fills (send 1.7976931348623157E308). */
export interface CommissionEvent {
  readonly kind: 'commission';
  readonly clientId: number;
  readonly execId: string;
  readonly commission: number;
  readonly currency: string;
  readonly realizedPnL: number | undefined;
}

/** ERR_MSG (msg 4); id = orderId. */
export interface ErrorEvent {
  readonly kind: 'error';
  readonly clientId: number;
  readonly id: number;
  readonly code: number;
  readonly message: string;
}

/** A position changed (position msg 61 for reqPositions subscribers). */
export interface PositionEvent {
  readonly kind: 'position';
  readonly position: PositionView;
}

/** Portfolio row after a fill (updatePortfolio msg 7 for reqAccountUpdates subscribers). */
export interface PortfolioEvent {
  readonly kind: 'portfolio';
  readonly account: string;
  readonly item: PortfolioItem;
}

/** Account values after a fill (updateAccountValue msg 6 / accountSummary msg 63). */
export interface AccountValueEvent {
  readonly kind: 'accountValue';
  readonly value: AccountValue;
}

export type ExchangeEvent =
  | OrderStatusEvent
  | OpenOrderEvent
  | ExecutionEvent
  | CommissionEvent
  | ErrorEvent
  | PositionEvent
  | PortfolioEvent
  | AccountValueEvent;

export type ExchangeListener = (event: ExchangeEvent) => void;
