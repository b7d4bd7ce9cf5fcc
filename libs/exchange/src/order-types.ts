/**
 * Orders as the core sees them. `OrderRequest` is what a placeOrder carries after the wire front has resolved
 * the contract to an instrument id (the contracts InstrumentId, opaque); `OrderRecord` is the core's (serialisable) state of one order.
 */
import type { InstrumentId } from '@trading-system/contracts';
import type { SecType } from './ports.js';

export type OrderAction = 'BUY' | 'SELL';
export type OrderType = 'MKT' | 'LMT' | 'STP' | 'STP LMT';
export type TimeInForce = 'DAY' | 'GTC' | 'IOC' | 'FOK';

/** IB's status strings (spec §4.2). */
export type OrderStatus = 'PreSubmitted' | 'Submitted' | 'PendingCancel' | 'Cancelled' | 'Filled' | 'Inactive';

export const LIVE_STATUSES: ReadonlySet<OrderStatus> = new Set(['PreSubmitted', 'Submitted', 'PendingCancel']);

/** The same answer as `LIVE_STATUSES.has(status)`, by comparison: asked for every order at every matching step. */
export function isLive(status: OrderStatus): boolean {
  return status === 'Submitted' || status === 'PreSubmitted' || status === 'PendingCancel';
}

/**
 * A placeOrder as received. Fields are loosely typed (strings) where TWS accepts free text, so validation can
 * answer with TWS's own codes instead of the wire front guessing.
 */
export interface OrderRequest {
  /** The client's order id; unique per clientId. Re-using a live id is a modification. */
  readonly orderId: number;
  /** The API connection's clientId that owns the order. */
  readonly clientId: number;
  readonly instrumentId: InstrumentId;
  /** `BUY` / `SELL` (`SSHORT` is treated as `SELL`). */
  readonly action: string;
  readonly totalQuantity: number;
  /** `MKT`, `LMT`, `STP`, `STP LMT`. */
  readonly orderType: string;
  /** Limit price (LMT, STP LMT); undefined when unset. */
  readonly lmtPrice?: number | undefined;
  /** Stop trigger price (STP, STP LMT); undefined when unset. */
  readonly auxPrice?: number | undefined;
  /** `DAY` (also for ""), `GTC`, `IOC`, `FOK`. */
  readonly tif?: string | undefined;
  readonly outsideRth?: boolean | undefined;
  /** "" or undefined = the default account. */
  readonly account?: string | undefined;
  /** Free text, echoed on openOrder and executions (our clientOrderId travels here). */
  readonly orderRef?: string | undefined;
  readonly parentId?: number | undefined;
}

export interface OrderRecord {
  readonly orderId: number;
  readonly clientId: number;
  /** Account-wide unique id, assigned by the core, constant for the order's life. */
  readonly permId: number;
  readonly account: string;
  readonly instrumentId: InstrumentId;
  readonly symbol: string;
  readonly secType: SecType;
  readonly currency: string;
  readonly exchange: string;
  readonly multiplier: number;
  readonly action: OrderAction;
  totalQuantity: number;
  orderType: OrderType;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: TimeInForce;
  outsideRth: boolean;
  orderRef: string;
  readonly parentId: number;
  status: OrderStatus;
  filled: number;
  /** Σ shares × price × multiplier of the fills so far, micros; avgFillPrice derives from it. */
  filledNotionalMicros: bigint;
  lastFillPrice: number;
  /** Σ commission charged on this order's executions so far, micros (minimums are per order). */
  commissionMicros: bigint;
  /** A stop order whose trigger has been hit behaves as MKT (STP) or LMT (STP LMT) from then on. */
  triggered: boolean;
  whyHeld: string;
  readonly placedAtMs: number;
  updatedAtMs: number;
  /** DAY orders: the session end at which the order is cancelled. */
  expiresAtMs: number | undefined;
  /** Set when the order reached a terminal status. */
  completedAtMs: number | undefined;
  /** Free text for completed orders (e.g. `Cancelled by Trader`, the reject reason). */
  completedStatus: string;
}

export function remainingOf(order: OrderRecord): number {
  return order.totalQuantity - order.filled;
}

export function avgFillPriceOf(order: OrderRecord): number {
  if (order.filled === 0) return 0;
  return Number(order.filledNotionalMicros) / 1_000_000 / order.filled / order.multiplier;
}

export function orderKey(clientId: number, orderId: number): string {
  return `${clientId}:${orderId}`;
}
