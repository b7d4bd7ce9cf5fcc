/**
 * The paper broker itself: the shared exchange core (libs/exchange) matching our orders against the shadowed
 * broker's quotes, with its books in Postgres. Every change runs alone (one queue per broker): the core changes,
 * the change is committed (state, rows, outbox), and only then is the command answered; the outbox relay then
 * publishes the facts. Refusals the core gives before any state changed (a price off the tick, a fractional
 * quantity, a cancel of an order that is not open) are error replies and change nothing.
 */
import type { Instrument } from '@trading-system/contracts';
import {
  type AccountConfig,
  type Clock,
  Exchange,
  type ExchangeEvent,
  type ExecutionRecord,
  type InstrumentSpec,
  type OrderRecord,
  type OrderRequest,
} from '@trading-system/exchange';
import { Refusal } from './errors.js';
import {
  commissionFact,
  executionFact,
  type Fact,
  openOrderFact,
  orderStatusFact,
  positionFact,
  rejectionFact,
} from './facts.js';
import { type MarketHours, toSpec } from './instruments.js';
import { legacyInstrumentIds } from './legacy-keys.js';
import { QuoteBook } from './quotes.js';
import type { CashRow, PaperStore } from './store.js';

/** Orders of the paper broker belong to one core client: the gateway is the only API client of its core. */
export const CLIENT_ID = 0;

/** Core codes that refuse a command without changing anything (TWS's numbers, kept by the core). */
const CANCEL_REFUSALS = new Set([10147, 10148]);
/** 202 "Order Canceled": the orderStatus Cancelled says it already. */
const CANCEL_NOTICE = 202;

export interface VenueOptions {
  readonly broker: string;
  readonly store: PaperStore;
  readonly clock: Clock;
  readonly accounts: readonly AccountConfig[];
  readonly hours: MarketHours;
  /** Called after each commit that produced facts (the outbox relay publishes them). */
  readonly onCommitted: () => void;
}

export interface PlaceRequest {
  readonly clientOrderId: string;
  readonly account: string;
  readonly instrumentId: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: string;
  readonly orderType: string;
  readonly limitPrice?: string | undefined;
  readonly stopPrice?: string | undefined;
  readonly tif: string;
  readonly outsideRth: boolean;
}

export class PaperVenue {
  readonly quotes = new QuoteBook();
  private readonly instruments = new Map<string, Instrument>();
  private readonly specs = new Map<string, InstrumentSpec>();
  private queue: Promise<unknown> = Promise.resolve();
  private stepQueued = false;
  private rejections = 0;

  private constructor(
    private readonly options: VenueOptions,
    private exchange: Exchange,
  ) {}

  /** Opens the broker's books: the stored state when there is one, else the configured accounts. */
  static async open(options: VenueOptions, known: readonly Instrument[]): Promise<PaperVenue> {
    const stored = await options.store.loadSnapshot();
    // The core's lookups are bound late: the venue holds the instrument cache and the quotes.
    let venue: PaperVenue | undefined;
    const exchangeOptions = {
      quotes: { quoteAt: (id: string) => venue?.quotes.quoteAt(id) },
      instruments: (id: string) => venue?.specs.get(id),
      legacyInstrumentId: legacyInstrumentIds(known),
      clock: options.clock,
      accounts: options.accounts,
      accountEvents: false,
    };
    const exchange =
      stored === undefined ? Exchange.open(exchangeOptions) : Exchange.fromSnapshot(exchangeOptions, stored);
    venue = new PaperVenue(options, exchange);
    for (const i of known) venue.remember(i);
    return venue;
  }

  private remember(i: Instrument): void {
    this.instruments.set(i.id, i);
    this.specs.set(i.id, toSpec(i, this.options.hours));
  }

  instrument(id: string): Instrument | undefined {
    return this.instruments.get(id);
  }

  async addInstrument(i: Instrument): Promise<void> {
    if (this.instruments.has(i.id)) return;
    await this.options.store.saveInstrument(i);
    this.remember(i);
  }

  accounts(): string[] {
    return this.exchange.accounts();
  }

  /** Runs one change alone, in arrival order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The order with this clientOrderId, live or done (an idempotent place answers its orderId). */
  byClientOrderId(clientOrderId: string): OrderRecord | undefined {
    return [...this.exchange.openOrders(CLIENT_ID), ...this.exchange.completedOrders()].find(
      (o) => o.orderRef === clientOrderId,
    );
  }

  place(req: PlaceRequest): Promise<number> {
    return this.serial(async () => {
      const known = this.byClientOrderId(req.clientOrderId);
      if (known !== undefined) return known.orderId;
      const orderId = this.exchange.nextOrderId(CLIENT_ID);
      const events = this.exchange.placeOrder(this.toCoreRequest(orderId, req));
      if (this.exchange.order(CLIENT_ID, orderId) === undefined) throw refusalOf(events, orderId, 'ORDER_REJECTED');
      await this.commit(events, 'place');
      return orderId;
    });
  }

  modify(orderId: number, req: PlaceRequest): Promise<void> {
    return this.serial(async () => {
      this.owned(orderId, req.clientOrderId);
      const events = this.exchange.placeOrder(this.toCoreRequest(orderId, req));
      if (!events.some((e) => e.kind === 'openOrder' || e.kind === 'orderStatus'))
        throw refusalOf(events, orderId, 'ORDER_REJECTED');
      await this.commit(events, 'modify');
    });
  }

  cancel(orderId: number, clientOrderId: string): Promise<void> {
    return this.serial(async () => {
      this.owned(orderId, clientOrderId);
      const events = this.exchange.cancelOrder(CLIENT_ID, orderId);
      const refused = events.find((e) => e.kind === 'error' && CANCEL_REFUSALS.has(e.code));
      if (refused !== undefined) throw refusalOf(events, orderId, 'BROKER_ORDER_MISMATCH');
      await this.commit(events, 'cancel');
    });
  }

  cancelAll(): Promise<void> {
    return this.serial(async () => {
      await this.commit(this.exchange.globalCancel(), 'cancel');
    });
  }

  /**
   * Matches the working orders against the latest quotes and expires DAY orders past their session end. Called on
   * every tick and periodically; a step already waiting in the queue covers later calls.
   */
  step(): Promise<void> {
    if (this.stepQueued) return Promise.resolve();
    this.stepQueued = true;
    return this.serial(async () => {
      this.stepQueued = false;
      if (!this.exchange.hasOpenOrders()) return;
      await this.commit(this.exchange.step(), 'broker');
    });
  }

  /** Resolves once every change queued so far is committed. */
  settled(): Promise<unknown> {
    return this.serial(async () => undefined);
  }

  private owned(orderId: number, clientOrderId: string): void {
    const o = this.exchange.order(CLIENT_ID, orderId);
    if (o === undefined || o.orderRef !== clientOrderId)
      throw new Refusal('BROKER_ORDER_MISMATCH', `order ${orderId} is not ${clientOrderId}'s`);
  }

  private toCoreRequest(orderId: number, req: PlaceRequest): OrderRequest {
    return {
      orderId,
      clientId: CLIENT_ID,
      instrumentId: req.instrumentId,
      action: req.side,
      totalQuantity: Number(req.quantity),
      orderType: req.orderType,
      lmtPrice: req.limitPrice === undefined ? undefined : Number(req.limitPrice),
      auxPrice: req.stopPrice === undefined ? undefined : Number(req.stopPrice),
      tif: req.tif,
      outsideRth: req.outsideRth,
      account: req.account,
      orderRef: req.clientOrderId,
    };
  }

  /** Commits what the core just did (state, rows, outbox) before anyone hears of it. */
  private async commit(events: readonly ExchangeEvent[], action: 'place' | 'modify' | 'cancel' | 'broker') {
    if (events.length === 0) return;
    const now = this.options.clock.nowMs();
    const facts: Fact[] = [];
    const touched = new Map<number, OrderRecord>();
    const executions: ExecutionRecord[] = [];
    const filledAccounts = new Set<string>();
    const filledInstruments = new Set<string>();
    for (const e of events) {
      switch (e.kind) {
        case 'openOrder': {
          const i = this.instruments.get(e.order.instrumentId);
          if (i !== undefined) facts.push(openOrderFact(e.order, i, now));
          touched.set(e.order.orderId, e.order);
          break;
        }
        case 'orderStatus':
          facts.push(orderStatusFact(e, this.exchange.order(CLIENT_ID, e.orderId), now));
          break;
        case 'execution':
          executions.push(e.execution);
          filledAccounts.add(e.execution.account);
          filledInstruments.add(e.execution.instrumentId);
          facts.push(executionFact(e.execution, now), commissionFact(e.execution, now));
          break;
        case 'error': {
          if (e.code === CANCEL_NOTICE) break;
          const o = this.exchange.order(CLIENT_ID, e.id);
          if (o === undefined) break;
          this.rejections += 1;
          const seq = `${now.toString(36)}${this.rejections}`;
          facts.push(rejectionFact(o, e.code, e.message, action === 'broker' ? 'broker' : action, seq, now));
          break;
        }
        default:
          break;
      }
    }
    const orders = [...touched.keys()].flatMap((id) => this.exchange.order(CLIENT_ID, id) ?? []);
    for (const e of events)
      if (e.kind === 'orderStatus' && !touched.has(e.orderId)) {
        const o = this.exchange.order(CLIENT_ID, e.orderId);
        if (o !== undefined) orders.push(o);
      }
    const positions = this.exchange
      .positions()
      .filter((p) => filledAccounts.has(p.account) && filledInstruments.has(p.instrumentId));
    for (const p of positions) facts.push(positionFact(this.options.broker, p, now, executions.at(-1)?.execId ?? ''));
    const cash: CashRow[] = [];
    for (const account of filledAccounts)
      for (const [currency, l] of this.exchange.accountSummary(account).ledger)
        cash.push({ account, currency, micros: l.cash });
    await this.options.store.commit({
      snapshot: this.exchange.toSnapshot(),
      savedAtMs: now,
      orders,
      executions,
      positions,
      cash,
      facts,
    });
    if (facts.length > 0) this.options.onCommitted();
  }

  // Queries: the core's state, which equals the committed one (changes are committed before they are answered).
  openOrders(): OrderRecord[] {
    return this.exchange.openOrders(CLIENT_ID);
  }
  completedOrders(): OrderRecord[] {
    return this.exchange.completedOrders();
  }
  executions(sinceMs: number | undefined): ExecutionRecord[] {
    const all = this.exchange.executions();
    return sinceMs === undefined ? all : all.filter((x) => x.timeMs >= sinceMs);
  }
  positions(account?: string) {
    return this.exchange.positions(account);
  }
  portfolio(account: string) {
    return this.exchange.portfolio(account);
  }
  accountSummary(account: string) {
    return this.exchange.accountSummary(account);
  }
  hasOpenOrders(): boolean {
    return this.exchange.hasOpenOrders();
  }
}

function refusalOf(
  events: readonly ExchangeEvent[],
  orderId: number,
  code: 'ORDER_REJECTED' | 'BROKER_ORDER_MISMATCH',
) {
  const e = events.find((x) => x.kind === 'error' && x.id === orderId);
  const message = e?.kind === 'error' ? e.message : 'the paper broker did not take the order';
  const brokerCode = e?.kind === 'error' ? e.code : undefined;
  return new Refusal(code, message, brokerCode === undefined ? undefined : { brokerCode });
}
