/**
 * Pure matching rules against the top of book. A BUY takes the ask, a SELL hits the bid, at most the
 * displayed size per matching step. A limit fills only when the opposite quote is at or better than the limit
 * (and then at the quote: price improvement is the client's). Stops trigger on the last price (IB's default
 * trigger method) and then behave as MKT (STP) or LMT (STP LMT).
 */
import { toMicros } from './money.js';
import type { OrderAction, OrderType } from './order-types.js';
import type { Quote } from './ports.js';

export interface MatchableOrder {
  readonly action: OrderAction;
  readonly orderType: OrderType;
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly triggered: boolean;
  readonly remaining: number;
}

export interface Match {
  readonly qty: number;
  readonly price: number;
}

export function stopTriggered(order: MatchableOrder, quote: Quote): boolean {
  if (order.orderType !== 'STP' && order.orderType !== 'STP LMT') return false;
  if (order.triggered) return true;
  const stop = order.auxPrice;
  if (stop === undefined) return false;
  const last = toMicros(quote.last);
  return order.action === 'BUY' ? last >= toMicros(stop) : last <= toMicros(stop);
}

/** What one step can fill now, or undefined. The caller decides on triggering and session hours. */
export function matchOnce(order: MatchableOrder, quote: Quote): Match | undefined {
  if (order.remaining <= 0) return undefined;
  const isStop = order.orderType === 'STP' || order.orderType === 'STP LMT';
  if (isStop && !stopTriggered(order, quote)) return undefined;
  const limited = order.orderType === 'LMT' || order.orderType === 'STP LMT';
  const buy = order.action === 'BUY';
  const price = buy ? quote.ask : quote.bid;
  const size = buy ? quote.askSize : quote.bidSize;
  if (!(price > 0) || !(size > 0)) return undefined;
  if (limited) {
    const limit = order.lmtPrice;
    if (limit === undefined) return undefined;
    const p = toMicros(price);
    const l = toMicros(limit);
    if (buy ? p > l : p < l) return undefined;
  }
  return { qty: Math.min(order.remaining, Math.floor(size)), price };
}
