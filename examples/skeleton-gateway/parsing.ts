/**
 * Pure conversions from the venue's objects to contract messages. Venue words stop here: nothing past this file
 * sees `filled`/`canceled` spelled the venue's way: its states become the contract's BrokerOrderState.
 */
import {
  type BrokerCommissionReport,
  type BrokerExecution,
  BrokerOrderId,
  type BrokerOrderStatus,
} from '@trading-system/contracts';
import type { VenueFill, VenueOrder } from './port.js';

const STATUS: Readonly<Record<VenueOrder['state'], BrokerOrderStatus['status']>> = {
  // Taken by the venue, not yet working there.
  new: 'held',
  working: 'working',
  filled: 'filled',
  canceled: 'cancelled',
  rejected: 'rejected',
};

/**
 * Broker order ids are opaque strings in the subject-token alphabet ([A-Za-z0-9_-], at most 64): this venue's own
 * ids fit, so they are used as they are (parse throws if the venue ever changes that). A venue whose ids hold other
 * characters would encode them here, reversibly, since commands name the order by it.
 */
export const brokerOrderIdOf = (venueOrderId: string): string => BrokerOrderId.parse(venueOrderId);

/**
 * Instrument ids are opaque strings the gateway assigns, stable forever; this venue keys its symbols by integer, so
 * the id is that integer's decimal string (as gateway-ib does with IB's conId). Only this file reads an id back:
 * one that is not such a number was never ours (undefined: the caller refuses it before anything reaches the venue).
 */
export const instrumentIdOf = (symbolId: number): string => String(symbolId);
export function venueSymbolId(instrumentId: string): number | undefined {
  return /^[1-9][0-9]{0,14}$/.test(instrumentId) ? Number(instrumentId) : undefined;
}

export function toOrderStatus(broker: string, o: VenueOrder, nowMs: number, n: number): BrokerOrderStatus {
  return {
    v: 1,
    // Deterministic per state change, so a re-sent fact is dropped by the stream's deduplication.
    eventId: `status-${token(o.venueOrderId)}-${n}`,
    broker,
    tsEventMs: nowMs,
    tsInitMs: nowMs,
    orderId: brokerOrderIdOf(o.venueOrderId),
    permId: brokerOrderIdOf(o.venueOrderId),
    clientOrderId: o.clientRef,
    status: STATUS[o.state],
    filled: String(o.filledQty),
    remaining: String(o.state === 'filled' || o.state === 'canceled' ? 0 : o.qty - o.filledQty),
  };
}

/** Event ids are subject-safe tokens; a venue's fill id may hold dots or colons. */
const token = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '_');

export function toExecution(broker: string, account: string, f: VenueFill, nowMs: number): BrokerExecution {
  return {
    v: 1,
    eventId: `exec-${token(f.fillId)}`,
    broker,
    tsEventMs: f.timeMs,
    tsInitMs: nowMs,
    execution: {
      orderId: brokerOrderIdOf(f.venueOrderId),
      permId: brokerOrderIdOf(f.venueOrderId),
      clientOrderId: f.clientRef,
      execId: f.fillId,
      account,
      instrumentId: instrumentIdOf(f.symbolId),
      side: f.side === 'buy' ? 'BUY' : 'SELL',
      quantity: String(f.qty),
      price: String(f.price),
      cumQty: String(f.qty),
      avgPrice: String(f.price),
      exchange: 'VENUE',
      execTimeMs: f.timeMs,
    },
  };
}

export function toCommission(broker: string, f: VenueFill, nowMs: number): BrokerCommissionReport {
  return {
    v: 1,
    eventId: `comm-${token(f.fillId)}`,
    broker,
    tsEventMs: f.timeMs,
    tsInitMs: nowMs,
    execId: f.fillId,
    commission: f.fee.toFixed(2),
    currency: 'USD',
  };
}
