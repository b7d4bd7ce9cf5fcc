/**
 * Every order of a GET /v2/orders query, page by page. Alpaca answers at most 500 orders per request, newest first
 * by submission time, and pages with `until` (exclusive): the next page asks for orders submitted up to the oldest
 * one of the last page, that instant included (its millisecond plus one), so orders sharing it are not skipped;
 * those already read are dropped by id. Stops at a short page, at a page with nothing new, after `maxPages`, or once
 * a page reaches back before `horizonMs` (given the newest submission instant seen, on Alpaca's clock).
 */
import type { OrdersQuery } from './alpaca-port.js';
import type { AlpacaOrder } from './wire.js';

export const PAGE_LIMIT = 500;

export const submittedMs = (o: AlpacaOrder): number => Date.parse(o.submitted_at ?? o.created_at);

export interface PagingOptions {
  /** Stop once a page reaches orders submitted before this instant (a function of the newest one seen). */
  readonly horizonMs?: (newestMs: number) => number;
  readonly maxPages?: number;
}

export async function allOrders(
  fetchPage: (q: OrdersQuery) => Promise<AlpacaOrder[]>,
  status: OrdersQuery['status'],
  options: PagingOptions = {},
): Promise<{ orders: AlpacaOrder[]; complete: boolean }> {
  const byId = new Map<string, AlpacaOrder>();
  let until: string | undefined;
  let newest = Number.NEGATIVE_INFINITY;
  for (let page = 0; page < (options.maxPages ?? 100); page += 1) {
    const orders = await fetchPage({ status, limit: PAGE_LIMIT, ...(until === undefined ? {} : { until }) });
    let fresh = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const o of orders) {
      const t = submittedMs(o);
      if (!Number.isNaN(t)) {
        oldest = Math.min(oldest, t);
        newest = Math.max(newest, t);
      }
      if (byId.has(o.id)) continue;
      byId.set(o.id, o);
      fresh += 1;
    }
    if (orders.length < PAGE_LIMIT || !Number.isFinite(oldest)) return { orders: [...byId.values()], complete: true };
    // 500 orders in one millisecond: nothing further can be asked by time.
    if (fresh === 0) return { orders: [...byId.values()], complete: false };
    if (options.horizonMs !== undefined && oldest < options.horizonMs(newest))
      return { orders: [...byId.values()], complete: true };
    until = new Date(oldest + 1).toISOString();
  }
  return { orders: [...byId.values()], complete: false };
}
