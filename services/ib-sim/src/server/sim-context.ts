/**
 * State shared by all connections of one simulated TWS: the clock, catalog and quotes, the market-data line
 * budget, the historical pacing and open-request counters, the next order id per clientId, and the fault
 * switches of the control surface.
 */

import { toWall } from '@trading-system/contracts';
import type { Clock } from '../clock.js';
import { fmtYmd } from '../history/dates.js';
import type { HistoricalPacer, PacingOptions } from '../history/pacing.js';
import type { Catalog } from '../instruments/catalog.js';
import type { Logger } from '../logger.js';
import type { QuoteSource } from '../market/quote-source.js';
import { RateBook } from './rate-book.js';
import type { Session } from './session.js';

export interface SimSettings {
  readonly accounts: readonly string[];
  /** Zone TWS runs in: connection time and zone-less endDateTime. */
  readonly twsTimeZone: string;
  readonly maxClients: number;
  readonly maxMessagesPerSecond: number;
  readonly maxMarketDataLines: number;
  readonly maxOpenHistorical: number;
  readonly pacing: PacingOptions;
  /** > 0: every streaming subscription emits this many LAST+RTVolume ticks per (wall) second. */
  readonly highRateTicksPerSec: number;
  /**
   * Clock of RTVolume's trade time: `wall` (the sim process's Date.now(), the default: latency measurements read it)
   * or `sim` (the sim clock, so a scaled clock's trades are stamped in market time).
   */
  readonly tradeTimes: 'wall' | 'sim';
  /** Delay of delayed market data (types 3/4), sim ms. */
  readonly delayedByMs: number;
}

export class SimContext {
  readonly sessions = new Set<Session>();
  /** Active streaming market-data lines across all clients (snapshots do not count). */
  marketDataLines = 0;
  /** Open tick-by-tick requests across all clients (TWS limits the account, not the socket). */
  tickByTickOpen = 0;
  /** Open market-depth requests per conId across all clients: a deep book per distinct security. */
  readonly deepBooks = new Map<number, number>();
  /** Open historical requests: keepUpToDate subscriptions and stalled requests. */
  openHistorical = 0;
  /** Control: hold historical requests unanswered until released. */
  historicalStalled = false;
  /** Control: delay applied to every reply, also for sessions that connect later. */
  replyDelayMs = 0;
  /** Control: this many next placeOrder messages are discarded unread, as if lost on the way (no trace kept). */
  placeOrdersToLose = 0;
  readonly stalledHistorical: Array<() => void> = [];
  /** API messages received after START_API, by message id (what a client actually sent the broker). */
  readonly received = new Map<number, number>();
  /** The message-rate limit as the sim measured it, over every connection and per clientId (rate-book.ts). */
  readonly rate = new RateBook();
  /** Called once a session's API has started (after nextValidId and the farm notices). */
  readonly apiStartListeners: Array<(session: Session) => void> = [];
  private readonly nextOrderIds = new Map<number, number>();

  constructor(
    readonly settings: SimSettings,
    readonly clock: Clock,
    readonly catalog: Catalog,
    readonly quotes: QuoteSource,
    readonly pacer: HistoricalPacer,
    readonly log: Logger,
  ) {}

  /** Next valid order id for a clientId: above every id that client ever used (kept across sessions). */
  nextOrderId(clientId: number): number {
    return this.nextOrderIds.get(clientId) ?? 1;
  }

  /** Records an order id used by a client (the exchange front calls this on placeOrder). */
  noteOrderId(clientId: number, orderId: number): void {
    if (orderId >= this.nextOrderId(clientId)) this.nextOrderIds.set(clientId, orderId + 1);
  }

  /** Today's date `yyyyMMdd` in a zone (for expiry filtering). */
  todayYmd(zone = 'US/Eastern'): string {
    return fmtYmd(toWall(zone, this.clock.now()));
  }

  readySessions(): Session[] {
    return [...this.sessions].filter((s) => s.state === 'ready');
  }
}
