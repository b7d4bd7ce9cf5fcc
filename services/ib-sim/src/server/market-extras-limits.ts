/**
 * Account-wide limits of tick-by-tick and market-depth subscriptions, shared by every connection of one sim (TWS
 * limits the user, not the socket), and the wire texts of their refusals.
 *
 * - Deep-book requests: "1 for every 100 allowed lines of market data, with a minimum of three and a maximum of
 *   60" (IB's Market Depth window notes), counted per distinct security: "API clients may make multiple market
 *   depth requests for the same security" (IB's text of error 309).
 * - Tick-by-tick: "determined by the same formula used to calculate maximum number of market depth subscriptions"
 *   (IB's tick-by-tick page), counted per request (reports of the 10190 limit count subscriptions).
 * - Both also take market-data lines from the budget reqMktData uses (spec §4.4: tick-by-tick and depth count).
 */
import type { SimContext } from './sim-context.js';

/** Lines one subscription takes. The spec says depth is "weighted" but gives no weight: one line each (unsure). */
export const TICK_BY_TICK_LINES = 1;
export const DEPTH_LINES = 1;

export const EXTRAS_ERRORS = {
  /** 10189, then the reason after a dot (seen: `Failed to request tick-by-tick data.No market data permissions for ISLAND STK.`). */
  tickByTickFailed: (reason: string) => ({ code: 10189, text: `Failed to request tick-by-tick data.${reason}` }),
  maxTickByTick: { code: 10190, text: 'Max number of tick-by-tick requests has been reached.' },
  maxDepth: (limit: number) => ({ code: 309, text: `Max number (${limit}) of market depth requests has been reached` }),
  depthNotFound: (tickerId: number) => ({
    code: 310,
    text: `Can't find the subscribed market depth with tickerId:${tickerId}`,
  }),
  depthNotSupported: {
    code: 10092,
    text: 'Deep market data is not supported for this combination of security type/exchange',
  },
} as const;

/** Deep-book (and tick-by-tick) subscriptions the account's line allowance buys. */
export function deepBookLimit(sim: SimContext): number {
  return Math.min(60, Math.max(3, Math.floor(sim.settings.maxMarketDataLines / 100)));
}

/** Takes `weight` market-data lines; false (nothing taken) when the budget would be exceeded (101). */
export function takeLines(sim: SimContext, weight: number): boolean {
  if (sim.marketDataLines + weight > sim.settings.maxMarketDataLines) return false;
  sim.marketDataLines += weight;
  return true;
}

export function returnLines(sim: SimContext, weight: number): void {
  sim.marketDataLines -= weight;
}

export function tickByTickFull(sim: SimContext): boolean {
  return sim.tickByTickOpen >= deepBookLimit(sim);
}

export function takeTickByTick(sim: SimContext): () => void {
  sim.tickByTickOpen++;
  return () => {
    sim.tickByTickOpen--;
  };
}

/** True when a depth request for conId needs a new deep book and none is left. */
export function depthFull(sim: SimContext, conId: number): boolean {
  return !sim.deepBooks.has(conId) && sim.deepBooks.size >= deepBookLimit(sim);
}

export function takeDepth(sim: SimContext, conId: number): () => void {
  const books = sim.deepBooks;
  books.set(conId, (books.get(conId) ?? 0) + 1);
  return () => {
    const left = (books.get(conId) ?? 1) - 1;
    if (left <= 0) books.delete(conId);
    else books.set(conId, left);
  };
}
