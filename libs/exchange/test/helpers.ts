/**
 * Outermost-boundary fakes for the exchange core's ports: a quote path scripted tick by tick, a handful of
 * instruments on a simple UTC schedule, and a settable clock.
 */
import type { ExchangeEvent, InstrumentSpec, OrderRequest, Quote, QuoteSource, SecType } from '../src/index.js';
import { Exchange, type ExchangeOptions } from '../src/index.js';

export const T0 = Date.parse('2024-01-16T15:00:00Z'); // a Tuesday, inside regular hours
export const HOUR = 3_600_000;
const DAY_MS = 24 * HOUR;

/** Regular hours 14:30–21:00 UTC, extended 09:00–24:00 UTC, every day. */
function utcDay(tMs: number): number {
  return Math.floor(tMs / DAY_MS) * DAY_MS;
}
export function rthEnd(tMs: number): number {
  return utcDay(tMs) + 21 * HOUR;
}

function spec(conId: number, secType: SecType, symbol: string, extra: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    // IB-style decimal ids, as ib-sim keys its catalog: the core treats them as opaque strings.
    instrumentId: String(conId),
    secType,
    symbol,
    currency: 'USD',
    exchange: 'SMART',
    minTick: 0.01,
    multiplier: 1,
    isOpen(tMs, outsideRth) {
      const t = tMs - utcDay(tMs);
      return outsideRth ? t >= 9 * HOUR && t < 24 * HOUR : t >= 14.5 * HOUR && t < 21 * HOUR;
    },
    sessionEndAfter(tMs) {
      const end = rthEnd(tMs);
      return tMs < end ? end : end + DAY_MS;
    },
    ...extra,
  };
}

export const AAPL = spec(265598, 'STK', 'AAPL');
export const EURUSD = spec(12087792, 'CASH', 'EUR', { exchange: 'IDEALPRO', minTick: 0.00005 });
export const ES = spec(495512563, 'FUT', 'ES', { exchange: 'CME', minTick: 0.25, multiplier: 50 });
export const AAPL_C = spec(600000001, 'OPT', 'AAPL', { multiplier: 100 });
export const SPX = spec(416904, 'IND', 'SPX', { exchange: 'CBOE' });
export const SAP = spec(14204, 'STK', 'SAP', { currency: 'EUR', exchange: 'IBIS' });
const ALL = [AAPL, EURUSD, ES, AAPL_C, SPX, SAP];

export class ScriptedQuotes implements QuoteSource {
  private readonly quotes = new Map<string, Quote>();

  set(instrumentId: string, q: Partial<Quote> & { bid: number; ask: number }): void {
    this.quotes.set(instrumentId, {
      last: q.last ?? q.bid,
      bidSize: 1_000,
      askSize: 1_000,
      lastSize: 100,
      volume: 0,
      ...q,
    });
  }

  quoteAt(instrumentId: string): Quote | undefined {
    return this.quotes.get(instrumentId);
  }
}

export class TestClock {
  constructor(public t = T0) {}
  nowMs(): number {
    return this.t;
  }
}

export interface Harness {
  readonly ex: Exchange;
  readonly quotes: ScriptedQuotes;
  readonly clock: TestClock;
  readonly events: ExchangeEvent[];
}

export function harness(options: Partial<ExchangeOptions> = {}): Harness {
  const quotes = new ScriptedQuotes();
  quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, last: 100.01 });
  quotes.set(EURUSD.instrumentId, { bid: 1.0845, ask: 1.08455, bidSize: 1_000_000, askSize: 1_000_000 });
  quotes.set(ES.instrumentId, { bid: 4800, ask: 4800.25, bidSize: 20, askSize: 20 });
  quotes.set(AAPL_C.instrumentId, { bid: 1.5, ask: 1.52, bidSize: 50, askSize: 50 });
  quotes.set(SAP.instrumentId, { bid: 150, ask: 150.04 });
  const clock = new TestClock();
  const ex = Exchange.open({
    quotes,
    clock,
    instruments: (instrumentId) => ALL.find((i) => i.instrumentId === instrumentId),
    ...options,
  });
  const events: ExchangeEvent[] = [];
  ex.onEvent((e) => events.push(e));
  return { ex, quotes, clock, events };
}

let nextId = 1;
/** A placeOrder with sensible defaults; a fresh orderId each call unless given. */
export function order(o: Partial<OrderRequest> = {}): OrderRequest {
  return {
    orderId: nextId++,
    clientId: 1,
    instrumentId: AAPL.instrumentId,
    action: 'BUY',
    totalQuantity: 100,
    orderType: 'MKT',
    tif: 'DAY',
    ...o,
  };
}

/** The kinds (and statuses) in order, for comparing event sequences. */
export function shape(events: readonly ExchangeEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === 'orderStatus') return `status:${e.status}`;
    if (e.kind === 'openOrder') return `open:${e.order.status}`;
    if (e.kind === 'error') return `error:${e.code}`;
    return e.kind;
  });
}

/** Order-related events only (drops position/portfolio/accountValue). */
export function orderFlow(events: readonly ExchangeEvent[]): string[] {
  return shape(events.filter((e) => !['position', 'portfolio', 'accountValue'].includes(e.kind)));
}
