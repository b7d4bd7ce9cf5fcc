/**
 * The control surface of a running alpaca-sim, for tests and fault injection: drive matching and the data
 * stream by hand, make the next requests fail (429 with its headers, 5xx), slow every reply, cut the streams,
 * reject the next order at the "exchange". `control-http.ts` serves the same operations over HTTP.
 */
import type { Exchange } from '@trading-system/exchange';
import type { Clock } from './clock.js';
import type { Broker } from './core/broker.js';
import type { FaultState } from './faults.js';
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
}

export interface ControlDeps {
  readonly clock: Clock;
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
  };
}
