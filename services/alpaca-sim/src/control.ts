/**
 * The control surface of a running alpaca-sim, for tests and fault injection: drive matching and the data
 * stream by hand, make the next requests fail (429 with its headers, 5xx), slow every reply, cut the streams,
 * reject the next order at the "exchange". `control-http.ts` serves the same operations over HTTP.
 */
import type { Exchange } from '@trading-system/exchange';
import type { Clock } from './clock.js';
import type { Broker } from './core/broker.js';
import { LIVE } from './core/order-json.js';
import type { FaultState } from './faults.js';
import type { AssetCatalog } from './market/assets.js';
import { currentOrNextSession } from './market/calendar.js';
import type { MarketModel } from './market/prices.js';
import type { DataStream } from './stream/data-stream.js';
import type { TradingStream } from './stream/trading-stream.js';

export type StreamKind = 'trading' | 'data' | 'all';

export interface AlpacaSimControl {
  readonly clock: Clock;
  readonly broker: Broker;
  readonly exchange: Exchange;
  /** One matching step at the clock's now (the sim also steps on its own timer unless `tickMs` is 0). */
  step(): void;
  /** Publishes market data from the last pump up to the clock's now. */
  pump(): void;
  /** The next `count` REST requests answer 429 with X-RateLimit-Remaining 0. */
  rateLimitNext(count: number): void;
  /** The next `count` REST requests answer `status` (500 by default) with Alpaca's error body. */
  failNext(count: number, status?: number): void;
  /** Every REST reply waits `ms` wall milliseconds; 0 restores immediate replies. */
  setDelay(ms: number): void;
  /** Cuts the streams' connections without a close frame; returns how many were cut. */
  dropStreams(kind?: StreamKind): number;
  /** The next new order is rejected after acceptance (`rejected` on trade_updates). */
  rejectNext(reason: string): void;
  connections(): { trading: number; data: number };
  /** The sim's top of book for a symbol at tMs (default now), in real prices. */
  quote(symbol: string, tMs?: number): { bid: number; ask: number };
  /**
   * The first instant from now (scanning in quarter seconds, at most `withinMs`, default 30 min) at which the
   * market reaches a resting limit order, found by client_order_id: a test on a manual clock sets the clock there
   * and steps to fill the order (e.g. while a gateway's link is cut). Undefined when it does not get there.
   */
  whenFillable(clientOrderId: string, withinMs?: number): number | undefined;
  /** The end of the regular session in progress (or the next one) for a stock: where its DAY orders expire. */
  sessionClose(tMs?: number): number;
}

export interface ControlDeps {
  readonly clock: Clock;
  readonly catalog: AssetCatalog;
  readonly model: MarketModel;
  readonly broker: Broker;
  readonly faults: FaultState;
  readonly trading: TradingStream;
  readonly data: DataStream;
  readonly pump: () => void;
}

export function createControl(d: ControlDeps): AlpacaSimControl {
  return {
    clock: d.clock,
    broker: d.broker,
    exchange: d.broker.exchange,
    step: () => d.broker.step(),
    pump: d.pump,
    rateLimitNext(count) {
      d.faults.rateLimitNext += count;
    },
    failNext(count, status = 500) {
      d.faults.failNext += count;
      d.faults.failStatus = status;
    },
    setDelay(ms) {
      d.faults.delayMs = ms;
    },
    dropStreams(kind = 'all') {
      return (kind === 'data' ? 0 : d.trading.drop()) + (kind === 'trading' ? 0 : d.data.drop());
    },
    rejectNext(reason) {
      d.broker.rejectNext(reason);
    },
    connections: () => ({ trading: d.trading.connections, data: d.data.connections }),
    quote(symbol, tMs = d.clock.now()) {
      const asset = d.catalog.find(symbol);
      if (!asset) throw new RangeError(`unknown symbol ${symbol}`);
      const q = d.model.quoteAt(asset, tMs);
      return { bid: q.bid, ask: q.ask };
    },
    whenFillable(clientOrderId, withinMs = 30 * 60_000) {
      const o = d.broker.byClientOrderId(clientOrderId);
      if (!o || !LIVE.has(o.status) || o.limitPrice === undefined) return undefined;
      const limit = o.limitPrice;
      const start = d.clock.now();
      for (let t = start; t <= start + withinMs; t += 250) {
        if (!d.model.isTrading(o.asset, t)) continue;
        const q = d.model.quoteAt(o.asset, t);
        if (o.side === 'buy' ? q.ask <= limit : q.bid >= limit) return t;
      }
      return undefined;
    },
    sessionClose: (tMs = d.clock.now()) => currentOrNextSession(tMs).closeMs,
  };
}
