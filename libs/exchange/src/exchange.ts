/**
 * Exchange core facade: the wire-independent broker behind ib-sim's TWS front, the backtester and (later) the
 * paper broker.
 *
 * Public API
 * - `Exchange.open(options)`: a core on the given ports. With `store`, state is loaded from it when present
 *   (GTC and unexpired DAY orders, positions, cash, executions survive restarts) and saved after every
 *   change, or at most once per `saveThrottleMs` (recommended for a server: a full save costs milliseconds
 *   and grows with the day's activity; call `flush()` on stop); `fresh: true` ignores a stored state.
 *   `marginCheck` (default on) rejects new orders beyond AvailableFunds / initial margin with 201.
 *
 * Conventions: average-cost positions (IB's avgCost, commission and multiplier included), money in bigint
 * micros, commission minimums per order, fills at the opposite quote up to its displayed size per step, stops
 * triggered by the last price. Not modelled: brackets/OCA (parentId is echoed only), TRAIL and other order
 * types (321), whatIf, daily PnL, short-sale locates, FX conversion without `fxRateToBase`.
 * - Commands, each returning the events it produced (also delivered to `onEvent` listeners, after the state
 *   change is complete and saved):
 *     `placeOrder(req)` new order, or modification when `req.orderId` is live for `req.clientId`;
 *     `cancelOrder(clientId, orderId)`; `globalCancel()` (every client's live orders);
 *     `step(tMs?)` expire DAY orders and match live orders against `quoteAt(instrumentId, tMs)` (default: clock);
 *     `rejectNext(reason, code = 201)` fault hook: the next new order is rejected (Inactive);
 *     `reset()` back to the configured starting state; `flush()` writes a throttled save now.
 * - Queries: `hasOpenOrders()`, `openOrders(clientId?)`, `completedOrders()`, `order(clientId, orderId)`, `nextOrderId(clientId)`,
 *   `executions(filter)`, `positions(account?)`, `portfolio(account, tMs?)`, `accountSummary(account, tMs?)`,
 *   `accountValues(account, tMs?)`, `accounts()`, `cashMicros(account, currency)`, `toSnapshot()`.
 *
 * Orders belong to (clientId, orderId) and live independently of connections: the core keeps matching and
 * filling while no client is connected, and a reconnecting client reads what happened through the queries.
 * Time comes from `clock.nowMs()` for commands and from the caller for `step`, so a manual clock makes every
 * outcome deterministic. Listener exceptions propagate to the caller after the state is consistent.
 */
import {
  type AccountSummary,
  type AccountValue,
  accountValues,
  availableFundsMicros,
  DEFAULT_MARGIN_RATES,
  type MarginRates,
  type PortfolioItem,
  portfolioItem,
  summarize,
} from './account-summary.js';
import { type AccountConfig, Accounts, DEFAULT_ACCOUNTS, openAccount, type PositionView } from './accounts.js';
import { type CommissionSchedule, DEFAULT_COMMISSIONS } from './commissions.js';
import { Engine } from './engine.js';
import type { ExchangeEvent, ExchangeListener } from './events.js';
import { type ExecutionFilter, type ExecutionRecord, filterExecutions } from './executions.js';
import { microsToNumber } from './money.js';
import { OrderBook } from './order-book.js';
import type { OrderRecord, OrderRequest } from './order-types.js';
import type { Clock, FxRateToBase, InstrumentLookup, InstrumentSpec, QuoteSource } from './ports.js';
import {
  type CoreState,
  decodeSnapshot,
  type ExchangeSnapshot,
  encodeSnapshot,
  type LegacyInstrumentId,
} from './snapshot.js';
import type { StateStore } from './state-store.js';

export interface ExchangeOptions {
  readonly quotes: QuoteSource;
  readonly instruments: InstrumentLookup;
  readonly clock: Clock;
  /** Default: one paper account DU1234567 with 1,000,000 USD. The first account is the default one. */
  readonly accounts?: readonly AccountConfig[];
  readonly commissions?: CommissionSchedule;
  readonly marginRates?: MarginRates;
  readonly fxRateToBase?: FxRateToBase;
  readonly store?: StateStore;
  /** Start from the configured state even when the store holds one. */
  readonly fresh?: boolean;
  /**
   * How a stored version-1 state's integer instrument keys read as ids (default: their decimal strings). Only a
   * caller that once keyed non-decimal ids by its own integers (gateway-paper's hashed Alpaca UUIDs) passes one.
   */
  readonly legacyInstrumentId?: LegacyInstrumentId;
  /**
   * 0 (default): save after every change, before events are delivered. > 0: coalesce saves, at most one per
   * this many wall-clock ms (a crash loses at most that window); call `flush()` on shutdown.
   */
  readonly saveThrottleMs?: number;
  /**
   * Completed orders and executions older than this (sim ms, default 7 days, IB's longest execution history)
   * are dropped, which keeps the state file bounded.
   */
  readonly retentionMs?: number;
  /**
   * Pre-trade margin check (default on): a new order whose opening quantity × price × multiplier × initial
   * margin rate exceeds AvailableFunds is rejected with 201 and IB's margin text. Reducing quantity is free.
   */
  readonly marginCheck?: boolean;
  /**
   * Position, portfolio and account-value events after every fill (default true: the TWS front forwards them). A
   * backtest reads positions and cash through the queries instead and saves the cost of ~40 events per fill.
   */
  readonly accountEvents?: boolean;
  /**
   * openOrder events, each with a copy of the order (default true: the TWS front forwards them). A backtest follows
   * orders through orderStatus and execution events only.
   */
  readonly openOrderEvents?: boolean;
}

const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

export class Exchange {
  private readonly listeners = new Set<ExchangeListener>();
  private engine: Engine;
  private saveTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly options: ExchangeOptions,
    state: CoreState,
  ) {
    this.engine = this.makeEngine(state);
  }

  static open(options: ExchangeOptions): Exchange {
    const stored = options.fresh ? undefined : options.store?.load();
    return new Exchange(
      options,
      stored === undefined ? Exchange.initialState(options) : decodeSnapshot(stored, options.legacyInstrumentId),
    );
  }

  /** A core restored from a snapshot (e.g. one taken with `toSnapshot()`), on the given ports. */
  static fromSnapshot(options: ExchangeOptions, snapshot: unknown): Exchange {
    return new Exchange(options, decodeSnapshot(snapshot, options.legacyInstrumentId));
  }

  private static initialState(options: ExchangeOptions): CoreState {
    return {
      book: new OrderBook().state(),
      execSequence: 0,
      executions: [],
      accounts: (options.accounts ?? DEFAULT_ACCOUNTS).map(openAccount),
    };
  }

  private makeEngine(state: CoreState): Engine {
    return new Engine(
      {
        quotes: this.options.quotes,
        instruments: this.options.instruments,
        commissions: this.options.commissions ?? DEFAULT_COMMISSIONS,
        onAccountChange: (account, tMs, out) => {
          for (const value of this.accountValues(account, tMs)) out.push({ kind: 'accountValue', value });
        },
        accountEvents: this.options.accountEvents ?? true,
        openOrderEvents: this.options.openOrderEvents ?? true,
        hasMarginFor: (order, spec, tMs) => this.options.marginCheck === false || this.hasMarginFor(order, spec, tMs),
      },
      {
        book: new OrderBook(state.book),
        accounts: new Accounts(state.accounts),
        executions: [...state.executions],
        execSequence: state.execSequence,
      },
    );
  }

  private hasMarginFor(order: OrderRecord, spec: InstrumentSpec, tMs: number): boolean {
    const account = this.engine.state.accounts.get(order.account);
    const held = account.positions.get(spec.instrumentId)?.qty ?? 0;
    const side = order.action === 'BUY' ? 1 : -1;
    const closing = held !== 0 && Math.sign(held) !== side ? Math.min(Math.abs(held), order.totalQuantity) : 0;
    const opening = order.totalQuantity - closing;
    if (opening === 0) return true;
    const quote = this.options.quotes.quoteAt(spec.instrumentId, tMs);
    const price = order.lmtPrice ?? order.auxPrice ?? (side === 1 ? quote?.ask : quote?.bid);
    const rate =
      spec.currency === account.baseCurrency
        ? 1
        : this.options.fxRateToBase?.(spec.currency, account.baseCurrency, tMs);
    // Without a price or FX rate there is nothing sound to check against: the order goes through.
    if (price === undefined || !(price > 0) || rate === undefined) return true;
    const rates = this.options.marginRates ?? DEFAULT_MARGIN_RATES;
    const required = opening * price * spec.multiplier * rates[spec.secType].init * rate;
    const available = availableFundsMicros(account, this.options.quotes, tMs, rates, this.options.fxRateToBase);
    return required <= microsToNumber(available);
  }

  onEvent(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a command filled `out`: persist, then tell the listeners. (No closure per command: see placeOrder.) */
  private deliver(out: ExchangeEvent[]): ExchangeEvent[] {
    if (out.length > 0) this.persist();
    for (const event of out) for (const listener of this.listeners) listener(event);
    return out;
  }

  private persist(): void {
    if (!this.options.store) return;
    const throttle = this.options.saveThrottleMs ?? 0;
    if (throttle <= 0) {
      this.options.store.save(this.toSnapshot());
      return;
    }
    this.dirty = true;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), throttle);
    this.saveTimer.unref();
  }

  /** Writes pending state now (throttled mode); a no-op when nothing is pending. */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    this.options.store?.save(this.toSnapshot());
  }

  placeOrder(req: OrderRequest): ExchangeEvent[] {
    const out: ExchangeEvent[] = [];
    this.engine.place(req, this.options.clock.nowMs(), out);
    return this.deliver(out);
  }

  cancelOrder(clientId: number, orderId: number): ExchangeEvent[] {
    const out: ExchangeEvent[] = [];
    this.engine.cancel(clientId, orderId, this.options.clock.nowMs(), out);
    return this.deliver(out);
  }

  globalCancel(): ExchangeEvent[] {
    const now = this.options.clock.nowMs();
    const out: ExchangeEvent[] = [];
    for (const o of this.engine.state.book.live()) this.engine.cancel(o.clientId, o.orderId, now, out);
    return this.deliver(out);
  }

  step(tMs: number = this.options.clock.nowMs()): ExchangeEvent[] {
    if (tMs - this.lastPruneMs >= PRUNE_EVERY_MS) {
      this.lastPruneMs = tMs;
      const s = this.engine.state;
      const cutoff = tMs - (this.options.retentionMs ?? DEFAULT_RETENTION_MS);
      const dropped = s.book.prune(cutoff);
      const before = s.executions.length;
      // A backtest prunes every simulated hour, mostly with nothing to drop: no new array then.
      if (s.executions.some((e) => e.timeMs < cutoff))
        s.executions.splice(0, s.executions.length, ...s.executions.filter((e) => e.timeMs >= cutoff));
      if (dropped > 0 || s.executions.length !== before) this.persist();
    }
    const out: ExchangeEvent[] = [];
    this.engine.step(tMs, out);
    return this.deliver(out);
  }

  /** Fault hook: the next new order is rejected with `reason` (201 `Order rejected - reason:…` by default). */
  rejectNext(reason: string, code = 201): void {
    this.engine.pendingReject = { reason, code };
  }

  reset(): void {
    this.dirty = false;
    this.options.store?.clear();
    this.engine = this.makeEngine(Exchange.initialState(this.options));
    this.persist();
  }

  /** Whether any order is working (cheap). */
  hasOpenOrders(): boolean {
    return this.engine.state.book.hasLive();
  }

  openOrders(clientId?: number): OrderRecord[] {
    return this.engine.state.book
      .live()
      .filter((o) => clientId === undefined || o.clientId === clientId)
      .map((o) => ({ ...o }));
  }

  completedOrders(): OrderRecord[] {
    return this.engine.state.book.completed().map((o) => ({ ...o }));
  }

  order(clientId: number, orderId: number): OrderRecord | undefined {
    const o = this.engine.state.book.get(clientId, orderId);
    return o && { ...o };
  }

  nextOrderId(clientId: number): number {
    return this.engine.state.book.nextOrderId(clientId);
  }

  /** reqExecutions: throws FilterTimeError on an unparseable `time`. */
  executions(filter: ExecutionFilter = {}): ExecutionRecord[] {
    return filterExecutions(this.engine.state.executions, filter);
  }

  accounts(): string[] {
    return this.engine.state.accounts.ids();
  }

  positions(account?: string): PositionView[] {
    return this.engine.state.accounts.positions(account);
  }

  cashMicros(account: string, currency: string): bigint {
    return this.engine.state.accounts.cashMicros(account, currency);
  }

  portfolio(account: string, tMs: number = this.options.clock.nowMs()): PortfolioItem[] {
    const state = this.engine.state.accounts.get(account);
    return [...state.positions.values()].map((p) => portfolioItem(p, this.options.quotes, tMs));
  }

  accountSummary(account: string, tMs: number = this.options.clock.nowMs()): AccountSummary {
    return summarize(
      this.engine.state.accounts.get(account),
      this.options.quotes,
      tMs,
      this.options.marginRates ?? DEFAULT_MARGIN_RATES,
      this.options.fxRateToBase,
    );
  }

  accountValues(account: string, tMs: number = this.options.clock.nowMs()): AccountValue[] {
    return accountValues(this.accountSummary(account, tMs));
  }

  toSnapshot(): ExchangeSnapshot {
    const s = this.engine.state;
    return encodeSnapshot(
      { book: s.book.state(), execSequence: s.execSequence, executions: s.executions, accounts: s.accounts.all() },
      this.options.clock.nowMs(),
    );
  }
}
