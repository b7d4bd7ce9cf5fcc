/**
 * The control surface: a programmatic handle on a running sim for tests and fault injection. Part 2 (the
 * exchange front) extends it with order faults.
 */
import type { Clock } from './clock.js';
import type { Catalog } from './instruments/catalog.js';
import type { QuoteSource } from './market/quote-source.js';
import type { HandlerRegistry } from './server/dispatcher.js';
import type { SimContext } from './server/sim-context.js';
import { noticeText } from './server/tws-errors.js';

export interface SessionInfo {
  readonly connectionId: number;
  readonly clientId: number | undefined;
  readonly serverVersion: number;
  readonly state: string;
  readonly remote: string;
  readonly marketDataTickerIds: readonly number[];
}

export interface SimControl {
  readonly clock: Clock;
  readonly catalog: Catalog;
  readonly quotes: QuoteSource;
  /** The incoming-message table (register order/account handlers here). */
  readonly registry: HandlerRegistry;
  /** The shared state behind every connection (advanced use by the exchange front). */
  readonly context: SimContext;
  sessions(): SessionInfo[];
  /** Closes the socket of every session with this clientId (no goodbye, like a network drop). */
  dropClient(clientId: number): number;
  dropAll(): number;
  /**
   * Sends a notice/error to every connected client: 1100/1101/1102, 2103/2104/2105/2106/2157/2158 (with an
   * optional farm name), 10197 (per active market-data ticker id) or any code with `text`. 1101 also drops
   * every market-data subscription, as TWS does ("data lost").
   */
  broadcast(code: number, options?: { text?: string; farm?: string; reqId?: number }): void;
  /** Delays every reply by `ms` (order preserved); 0 restores immediate replies. */
  setReplyDelay(ms: number): void;
  /** While stalled, historical requests stay open and unanswered; un-stalling answers them in order. */
  stallHistorical(stalled: boolean): void;
  readonly marketDataLines: number;
  readonly openHistoricalRequests: number;
}

export function createControl(sim: SimContext, registry: HandlerRegistry): SimControl {
  return {
    clock: sim.clock,
    catalog: sim.catalog,
    quotes: sim.quotes,
    registry,
    context: sim,
    sessions: () =>
      [...sim.sessions].map((s) => ({
        connectionId: s.connectionId,
        clientId: s.clientId,
        serverVersion: s.serverVersion,
        state: s.state,
        remote: s.remote,
        marketDataTickerIds: s.keys('mkt:').map((k) => Number(k.slice(4))),
      })),
    dropClient(clientId) {
      const targets = [...sim.sessions].filter((s) => s.clientId === clientId);
      for (const s of targets) {
        s.close('dropped by control');
        s.socket.destroy();
      }
      return targets.length;
    },
    dropAll() {
      const targets = [...sim.sessions];
      for (const s of targets) {
        s.close('dropped by control');
        s.socket.destroy();
      }
      return targets.length;
    },
    broadcast(code, options = {}) {
      const text = options.text ?? noticeText(code, options.farm);
      for (const s of sim.readySessions()) {
        if (code === 10197) {
          for (const key of s.keys('mkt:')) s.error(Number(key.slice(4)), code, text);
          continue;
        }
        s.error(options.reqId ?? -1, code, text);
        if (code === 1101) for (const key of s.keys('mkt:')) s.release(key);
      }
    },
    setReplyDelay(ms) {
      sim.replyDelayMs = ms;
      for (const s of sim.sessions) s.replyDelayMs = ms;
    },
    stallHistorical(stalled) {
      sim.historicalStalled = stalled;
      if (!stalled) for (const release of sim.stalledHistorical.splice(0)) release();
    },
    get marketDataLines() {
      return sim.marketDataLines;
    },
    get openHistoricalRequests() {
      return sim.openHistorical;
    },
  };
}
