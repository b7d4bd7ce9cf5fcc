/**
 * The order lifecycle: placement, modification, cancellation, matching steps and fills, producing TWS's
 * event sequences (spec §4.2). Events are appended to `out`; the facade delivers them after the state change
 * is complete (and persisted).
 */

import { portfolioItem } from './account-summary.js';
import { type Accounts, positionView } from './accounts.js';
import type { CommissionSchedule } from './commissions.js';
import { ORDER_ERRORS, REJECT_REASONS, type TwsNotice } from './errors.js';
import type { ExchangeEvent } from './events.js';
import type { ExecutionRecord } from './executions.js';
import { bookFill } from './fills.js';
import { type Match, matchOnce, stopTriggered } from './matching.js';
import { microsToNumber } from './money.js';
import type { OrderBook } from './order-book.js';
import {
  avgFillPriceOf,
  isLive,
  type OrderRecord,
  type OrderRequest,
  type OrderStatus,
  remainingOf,
} from './order-types.js';
import type { InstrumentLookup, InstrumentSpec, QuoteSource } from './ports.js';
import { type ValidOrder, validateOrder } from './validation.js';

export interface EngineDeps {
  readonly quotes: QuoteSource;
  readonly instruments: InstrumentLookup;
  readonly commissions: CommissionSchedule;
  /** Called after each fill to append account-wide events (account values). */
  readonly onAccountChange: (account: string, tMs: number, out: ExchangeEvent[]) => void;
  /** Position, portfolio and account-value events after each fill (a backtest that reads state directly skips them). */
  readonly accountEvents: boolean;
  /** openOrder events (a copy of the whole order each); a backtest that reads orderStatus only skips them. */
  readonly openOrderEvents: boolean;
  /** Pre-trade check of a new order; false rejects it (201, IB's margin text). */
  readonly hasMarginFor: (order: OrderRecord, spec: InstrumentSpec, tMs: number) => boolean;
}

export interface EngineState {
  readonly book: OrderBook;
  readonly accounts: Accounts;
  readonly executions: ExecutionRecord[];
  execSequence: number;
}

export interface PendingReject {
  readonly reason: string;
  readonly code: number;
}

export class Engine {
  pendingReject: PendingReject | undefined;

  constructor(
    private readonly deps: EngineDeps,
    readonly state: EngineState,
  ) {}

  place(req: OrderRequest, now: number, out: ExchangeEvent[]): void {
    const existing = this.state.book.get(req.clientId, req.orderId);
    if (existing && isLive(existing.status)) {
      this.modify(existing, req, now, out);
      return;
    }
    if (existing) {
      this.refuse(
        req,
        existing.status === 'Filled' ? ORDER_ERRORS.cantModifyFilled() : ORDER_ERRORS.duplicateOrderId(),
        out,
      );
      return;
    }
    if (!this.state.book.idIsFresh(req.clientId, req.orderId)) {
      this.refuse(req, ORDER_ERRORS.duplicateOrderId(), out);
      return;
    }
    const spec = this.deps.instruments(req.instrumentId);
    const v = validateOrder(req, spec, this.state.accounts.idList);
    if (!v.ok) {
      this.refuse(req, v.error, out);
      return;
    }
    if (!spec) {
      this.refuse(req, ORDER_ERRORS.noSecurityDefinition(), out);
      return;
    }
    const order = this.create(req, v.order, spec, now);
    this.state.book.add(order);
    this.emitStatus(order, out, 'both');
    const notice = this.rejection(order, spec, now);
    if (notice) {
      this.refuse(req, notice, out);
      this.finish(order, 'Inactive', now, out, notice.message);
      return;
    }
    this.work(order, spec, now, true, out);
  }

  /** A refusal of a place or modify request (methods, not per-call closures: a backtest places orders by the thousand). */
  private refuse(req: OrderRequest, n: TwsNotice, out: ExchangeEvent[]): void {
    out.push({ kind: 'error', clientId: req.clientId, id: req.orderId, ...n });
  }

  private rejection(order: OrderRecord, spec: InstrumentSpec, now: number): TwsNotice | undefined {
    const reject = this.pendingReject;
    if (reject) {
      this.pendingReject = undefined;
      return reject.code === 201 ? ORDER_ERRORS.rejected(reject.reason) : { code: reject.code, message: reject.reason };
    }
    if (spec.secType === 'IND') return ORDER_ERRORS.rejected(REJECT_REASONS.notTradable(spec.secType));
    if (!this.deps.hasMarginFor(order, spec, now)) return ORDER_ERRORS.rejected(REJECT_REASONS.insufficientFunds);
    return undefined;
  }

  private create(req: OrderRequest, v: ValidOrder, spec: InstrumentSpec, now: number): OrderRecord {
    return {
      orderId: req.orderId,
      clientId: req.clientId,
      permId: this.state.book.takePermId(),
      account: v.account,
      instrumentId: spec.instrumentId,
      symbol: spec.symbol,
      secType: spec.secType,
      currency: spec.currency,
      exchange: spec.exchange,
      multiplier: spec.multiplier,
      action: v.action,
      totalQuantity: v.totalQuantity,
      orderType: v.orderType,
      lmtPrice: v.lmtPrice,
      auxPrice: v.auxPrice,
      tif: v.tif,
      outsideRth: v.outsideRth,
      orderRef: v.orderRef,
      parentId: req.parentId ?? 0,
      status: 'PreSubmitted',
      filled: 0,
      filledNotionalMicros: 0n,
      lastFillPrice: 0,
      commissionMicros: 0n,
      triggered: false,
      whyHeld: '',
      placedAtMs: now,
      updatedAtMs: now,
      expiresAtMs: v.tif === 'DAY' ? spec.sessionEndAfter(now) : undefined,
      completedAtMs: undefined,
      completedStatus: '',
    };
  }

  private modify(order: OrderRecord, req: OrderRequest, now: number, out: ExchangeEvent[]): void {
    const spec = this.deps.instruments(order.instrumentId);
    const v = validateOrder(req, spec, this.state.accounts.idList);
    if (!v.ok) {
      this.refuse(req, v.error, out);
      return;
    }
    if (!spec) {
      this.refuse(req, ORDER_ERRORS.noSecurityDefinition(), out);
      return;
    }
    // An empty account on the modification means "unchanged", not "the default account".
    const accountChanged = Boolean(req.account) && req.account !== order.account;
    if (req.instrumentId !== order.instrumentId || v.order.action !== order.action || accountChanged) {
      this.refuse(req, ORDER_ERRORS.modifyMismatch(), out);
      return;
    }
    if (v.order.totalQuantity < order.filled) {
      this.refuse(req, ORDER_ERRORS.validation(REJECT_REASONS.quantityBelowFilled), out);
      return;
    }
    const m = v.order;
    if (m.auxPrice !== order.auxPrice || m.orderType !== order.orderType) order.triggered = false;
    order.totalQuantity = m.totalQuantity;
    order.orderType = m.orderType;
    order.lmtPrice = m.lmtPrice;
    order.auxPrice = m.auxPrice;
    if (m.tif !== order.tif) order.expiresAtMs = m.tif === 'DAY' ? spec.sessionEndAfter(now) : undefined;
    order.tif = m.tif;
    order.outsideRth = m.outsideRth;
    order.orderRef = m.orderRef;
    order.updatedAtMs = now;
    if (remainingOf(order) === 0) {
      this.finish(order, 'Filled', now, out, 'Filled');
      return;
    }
    this.emitStatus(order, out, 'both');
    this.work(order, spec, now, true, out);
  }

  cancel(clientId: number, orderId: number, now: number, out: ExchangeEvent[], reason = ''): void {
    const order = this.state.book.get(clientId, orderId);
    if (!order) {
      out.push({ kind: 'error', clientId, id: orderId, ...ORDER_ERRORS.cancelNotFound(orderId) });
      return;
    }
    if (!isLive(order.status)) {
      out.push({ kind: 'error', clientId, id: orderId, ...ORDER_ERRORS.cancelNotCancellable(orderId, order.status) });
      return;
    }
    order.status = 'PendingCancel';
    this.emitStatus(order, out, 'status');
    out.push({ kind: 'error', clientId, id: orderId, ...ORDER_ERRORS.canceled(reason) });
    this.finish(order, 'Cancelled', now, out, 'Cancelled by Trader');
  }

  /** Expires DAY orders past their session end, then matches every live order at tMs. */
  step(tMs: number, out: ExchangeEvent[]): void {
    for (const order of this.state.book.live()) {
      const spec = this.deps.instruments(order.instrumentId);
      if (!spec) continue;
      this.work(order, spec, tMs, false, out);
    }
  }

  /**
   * One look at the market for one order. `onAcceptance` is the placement/modification attempt, the only one
   * IOC and FOK get.
   */
  private work(order: OrderRecord, spec: InstrumentSpec, t: number, onAcceptance: boolean, out: ExchangeEvent[]): void {
    if (order.expiresAtMs !== undefined && t >= order.expiresAtMs) {
      out.push({ kind: 'error', clientId: order.clientId, id: order.orderId, ...ORDER_ERRORS.canceled() });
      this.finish(order, 'Cancelled', t, out, 'Cancelled: day order expired');
      return;
    }
    const immediate = order.tif === 'IOC' || order.tif === 'FOK';
    if (immediate && !onAcceptance) return;
    const open = spec.isOpen(t, order.outsideRth);
    const quote = open ? this.deps.quotes.quoteAt(order.instrumentId, t) : undefined;
    if (quote) {
      // The matching rules read six fields: a small view, not a copy of the whole record, per look.
      const remaining = remainingOf(order);
      const view = {
        action: order.action,
        orderType: order.orderType,
        lmtPrice: order.lmtPrice,
        auxPrice: order.auxPrice,
        triggered: order.triggered,
        remaining,
      };
      if (!order.triggered && stopTriggered(view, quote)) order.triggered = true;
      const held = (order.orderType === 'STP' || order.orderType === 'STP LMT') && !order.triggered;
      if (!held && order.status === 'PreSubmitted') {
        order.status = 'Submitted';
        this.emitStatus(order, out, 'both');
      }
      view.triggered = order.triggered;
      const match = matchOnce(view, quote);
      const fillable = match && !(order.tif === 'FOK' && match.qty < remaining);
      if (match && fillable) this.fill(order, spec, match, t, out);
    }
    if (immediate && isLive(order.status)) {
      out.push({ kind: 'error', clientId: order.clientId, id: order.orderId, ...ORDER_ERRORS.canceled() });
      this.finish(order, 'Cancelled', t, out, `Cancelled: ${order.tif} remainder`);
    }
  }

  private fill(order: OrderRecord, spec: InstrumentSpec, match: Match, t: number, out: ExchangeEvent[]): void {
    const execution = bookFill(this.state, this.deps.commissions, order, spec, match, t);
    out.push({ kind: 'execution', clientId: order.clientId, execution });
    if (remainingOf(order) === 0) this.finish(order, 'Filled', t, out, 'Filled');
    else this.emitStatus(order, out, 'status');
    out.push({
      kind: 'commission',
      clientId: order.clientId,
      execId: execution.execId,
      commission: microsToNumber(execution.commissionMicros),
      currency: spec.currency,
      realizedPnL: execution.realizedPnLMicros === undefined ? undefined : microsToNumber(execution.realizedPnLMicros),
    });
    if (!this.deps.accountEvents) return;
    const account = this.state.accounts.get(order.account);
    const position = account.positions.get(spec.instrumentId);
    if (position) {
      out.push({ kind: 'position', position: positionView(account.id, position) });
      out.push({ kind: 'portfolio', account: account.id, item: portfolioItem(position, this.deps.quotes, t) });
    }
    this.deps.onAccountChange(order.account, t, out);
  }

  private finish(order: OrderRecord, status: OrderStatus, t: number, out: ExchangeEvent[], text: string): void {
    order.status = status;
    order.completedAtMs = t;
    order.updatedAtMs = t;
    order.completedStatus = text;
    order.expiresAtMs = undefined;
    // A fill ends with orderStatus then openOrder(Filled) (spec §4.2 B); other endings lead with openOrder.
    this.emitStatus(order, out, status === 'Filled' ? 'statusThenOpen' : 'both');
  }

  /** orderStatus, with openOrder when the order's terms or state are news (spec §4.2). */
  emitStatus(order: OrderRecord, out: ExchangeEvent[], mode: 'status' | 'both' | 'statusThenOpen'): void {
    const withOpen = this.deps.openOrderEvents;
    if (mode === 'both' && withOpen) out.push({ kind: 'openOrder', clientId: order.clientId, order: { ...order } });
    out.push({
      kind: 'orderStatus',
      orderId: order.orderId,
      clientId: order.clientId,
      status: order.status,
      filled: order.filled,
      remaining: remainingOf(order),
      avgFillPrice: avgFillPriceOf(order),
      permId: order.permId,
      parentId: order.parentId,
      lastFillPrice: order.lastFillPrice,
      whyHeld: order.whyHeld,
      mktCapPrice: 0,
    });
    if (mode === 'statusThenOpen' && withOpen)
      out.push({ kind: 'openOrder', clientId: order.clientId, order: { ...order } });
  }
}
