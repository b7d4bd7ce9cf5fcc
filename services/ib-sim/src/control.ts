/**
 * The control surface: a programmatic handle on a running sim for tests and fault injection (connections,
 * notices, latency, historical stalls, order rejects, the nightly reset). `control-http.ts` exposes the same
 * operations over HTTP for the command line.
 */

import type { Exchange, OrderRecord, PositionView } from '@trading-system/exchange';
import type { ExchangeFront } from './broker/front.js';
import type { Clock } from './clock.js';
import type { Catalog } from './instruments/catalog.js';
import type { QuoteSource } from './market/quote-source.js';
import type { HandlerRegistry } from './server/dispatcher.js';
import type { RateSeen } from './server/rate-book.js';
import type { SimContext } from './server/sim-context.js';
import { noticeText } from './server/tws-errors.js';

/** Session hold prefixes of the streaming market-data requests a 1101 (data lost) ends. */
const DATA_LOST_PREFIXES = ['mkt:', 'rtb:', 'depth:', 'tbt:'] as const;

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
  /** The exchange core behind the order/account messages (orders keep working with no client connected). */
  readonly exchange: Exchange;
  /** The next new order is rejected: 201 `Order rejected - reason:<reason>` (or `code` with `reason` as text). */
  rejectNext(reason: string, code?: number): void;
  /**
   * The next `count` placeOrder messages are lost: read from the socket and dropped without a trace (no order, no
   * status, no error), as if the write never reached TWS. Returns how many are now pending.
   */
  loseNextOrders(count?: number): number;
  /**
   * The nightly-reset sequence in one call, to every connected client: 1100, farms broken (2103 usfarm,
   * 2105 ushmds), farms OK (2104, 2106), then 1101 (data lost: market-data subscriptions dropped) or 1102.
   */
  nightlyReset(options?: { dataLost?: boolean }): void;
  /** One farm notice: market (2103/2104), hmds (2105/2106) or secdef (2157/2158). */
  farm(kind: FarmKind, ok: boolean, name?: string): void;
  /** 10197 `No market data during competing live session` on every active market-data ticker. */
  competingSession(): void;
  /** One matching step now (the sim also steps on its own timer). */
  step(): void;
  orders(): { open: OrderRecord[]; completed: OrderRecord[] };
  positions(): PositionView[];
  /** How many API messages of this id (IN.* of the TWS protocol) clients have sent since the sim started. */
  receivedCount(messageId: number): number;
  /**
   * The client message rate as the sim measured it (when read, sliding second, every connection since start, and
   * per clientId): the peak count, how many messages went over the limit, and the breaches (one error 100 each).
   */
  rateSeen(): RateSeen;
}

export type FarmKind = 'market' | 'hmds' | 'secdef';

const FARM_CODES: Readonly<Record<FarmKind, { broken: number; ok: number }>> = {
  market: { broken: 2103, ok: 2104 },
  hmds: { broken: 2105, ok: 2106 },
  secdef: { broken: 2157, ok: 2158 },
};

export function createControl(sim: SimContext, registry: HandlerRegistry, front: ExchangeFront): SimControl {
  const control: SimControl = {
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
        // "Market and account data subscription requests must be resubmitted" (IB's text for 1101): every
        // streaming market-data request of the connection ends — quotes, 5-s bars, depth, tick-by-tick.
        if (code === 1101) for (const prefix of DATA_LOST_PREFIXES) for (const key of s.keys(prefix)) s.release(key);
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
    exchange: front.exchange,
    rejectNext(reason, code) {
      front.exchange.rejectNext(reason, code);
    },
    loseNextOrders(count = 1) {
      sim.placeOrdersToLose += count;
      return sim.placeOrdersToLose;
    },
    nightlyReset(options = {}) {
      control.broadcast(1100);
      control.farm('market', false);
      control.farm('hmds', false);
      control.farm('market', true);
      control.farm('hmds', true);
      control.broadcast(options.dataLost ? 1101 : 1102);
    },
    farm(kind, ok, name) {
      const codes = FARM_CODES[kind];
      control.broadcast(ok ? codes.ok : codes.broken, name === undefined ? {} : { farm: name });
    },
    competingSession() {
      control.broadcast(10197);
    },
    step() {
      front.step();
    },
    orders() {
      return { open: front.exchange.openOrders(), completed: front.exchange.completedOrders() };
    },
    positions() {
      return front.exchange.positions();
    },
    receivedCount(messageId) {
      return sim.received.get(messageId) ?? 0;
    },
    rateSeen() {
      return sim.rate.seen();
    },
  };
  return control;
}
