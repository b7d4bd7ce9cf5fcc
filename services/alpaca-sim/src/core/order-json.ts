/**
 * Alpaca's order object, built from the sim's order record. Quantities and prices are decimal strings, absent
 * values are null, timestamps RFC 3339 in UTC.
 */
import type { Asset } from '../market/assets.js';
import { microsText, unitsText } from './decimal.js';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';
export type OrderStatus =
  | 'accepted'
  | 'new'
  | 'partially_filled'
  | 'filled'
  | 'canceled'
  | 'expired'
  | 'replaced'
  | 'rejected';

export const LIVE: ReadonlySet<OrderStatus> = new Set(['accepted', 'new', 'partially_filled']);

export interface SimOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly asset: Asset;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** This order's quantity, core units. */
  readonly qtyUnits: number;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly extendedHours: boolean;
  /** The core order behind it (a replacement keeps its predecessor's core order). */
  readonly coreOrderId: number;
  /** Core units already filled on the core order when this record took it over (0 for a new order; set when a
   * replacement reaches the exchange). */
  coreFilledBefore: number;
  readonly createdAtMs: number;
  readonly replaces: string | undefined;
  status: OrderStatus;
  filledUnits: number;
  /** Σ fill units × price, micros: filled_avg_price derives from it exactly. */
  filledNotionalMicros: bigint;
  updatedAtMs: number;
  filledAtMs: number | undefined;
  canceledAtMs: number | undefined;
  expiredAtMs: number | undefined;
  failedAtMs: number | undefined;
  replacedAtMs: number | undefined;
  replacedBy: string | undefined;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const price = (p: number | undefined): string | null => (p === undefined ? null : String(p));

export function avgPriceText(o: SimOrder): string | null {
  if (o.filledUnits === 0) return null;
  // notional / shares = notional × QTY_SCALE / units; rounded to micros.
  const scale = 10_000n;
  const num = o.filledNotionalMicros * scale;
  const den = BigInt(o.filledUnits);
  return microsText((num * 2n + den) / (2n * den));
}

export function orderJson(o: SimOrder): Record<string, unknown> {
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    created_at: iso(o.createdAtMs),
    updated_at: iso(o.updatedAtMs),
    submitted_at: iso(o.createdAtMs),
    filled_at: iso(o.filledAtMs),
    expired_at: iso(o.expiredAtMs),
    canceled_at: iso(o.canceledAtMs),
    failed_at: iso(o.failedAtMs),
    replaced_at: iso(o.replacedAtMs),
    replaced_by: o.replacedBy ?? null,
    replaces: o.replaces ?? null,
    asset_id: o.asset.id,
    symbol: o.asset.symbol,
    asset_class: o.asset.class,
    notional: null,
    qty: unitsText(o.qtyUnits),
    filled_qty: unitsText(o.filledUnits),
    filled_avg_price: avgPriceText(o),
    order_class: '',
    order_type: o.type,
    type: o.type,
    side: o.side,
    time_in_force: o.tif,
    limit_price: price(o.limitPrice),
    stop_price: price(o.stopPrice),
    status: o.status,
    extended_hours: o.extendedHours,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    subtag: null,
    source: null,
    expires_at: null,
  };
}
