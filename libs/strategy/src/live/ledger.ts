/**
 * What a live run knows of its own orders, fills and positions, kept from the OMS's order events (orders.evt.*).
 * Pure: events in, the strategy's order updates and fills out. Positions are this strategy's (its fills since the
 * run started), not the account's: `ctx.position()` answers "what did I buy", as in a backtest, even when other
 * strategies or people trade the same instrument in the same account.
 */
import type { OrderEvent } from '@trading-system/contracts';
import type { Fill, OrderRequest, OrderStatus, OrderUpdate, PositionInfo, StrategyOrder } from '../types.js';
import { FINAL_STATUSES } from '../types.js';

type Mutable = { -readonly [K in keyof StrategyOrder]: StrategyOrder[K] };

export interface FillRecord extends Fill {
  /** Filled in when the broker's commission report arrives. */
  commission: number | undefined;
}

/** States in which a broker refusal means the order never worked (a refusal later is of a modification). */
const NOT_WORKING: ReadonlySet<OrderStatus> = new Set(['accepted', 'pendingSubmit', 'unresolved']);

export interface LedgerOutput {
  readonly updates: OrderUpdate[];
  readonly fills: Fill[];
}

export class LiveLedger {
  private readonly orders = new Map<string, Mutable>();
  private readonly lastSeq = new Map<string, number>();
  private readonly positionState = new Map<string, { qty: number; avgPrice: number }>();
  private readonly fillsByExec = new Map<string, FillRecord>();
  /** Every order of the run in submission order, and every fill in arrival order (the summary). */
  readonly orderIds: string[] = [];
  readonly fillList: FillRecord[] = [];

  /**
   * Records an order the strategy just sent, with the defaults filled in (what the runner sends to the OMS); it is
   * open from now on (the OMS's answer follows as events).
   */
  add(id: string, o: OrderRequest, now: number): StrategyOrder {
    const type = o.type ?? 'MKT';
    const order: Mutable = {
      id,
      symbol: o.symbol,
      side: o.side,
      quantity: o.quantity,
      type,
      limitPrice: o.limitPrice,
      stopPrice: o.stopPrice,
      tif: o.tif ?? 'DAY',
      // IB (and the OMS) refuse market orders flagged for outside regular hours; other types may work there.
      outsideRth: o.outsideRth ?? type !== 'MKT',
      status: 'accepted',
      filledQuantity: 0,
      avgFillPrice: undefined,
      createdAt: now,
      updatedAt: now,
      reason: undefined,
    };
    this.orders.set(id, order);
    this.orderIds.push(id);
    return { ...order };
  }

  /** A submit, modify or cancel the OMS refused with an error reply (no event follows for a denial). */
  refuse(id: string, status: 'denied' | 'rejected', reason: string, now: number): OrderUpdate | undefined {
    const o = this.orders.get(id);
    if (o === undefined || FINAL_STATUSES.has(o.status)) return undefined;
    return this.transition(o, status, now, reason);
  }

  /** True when the order is this run's. */
  has(id: string): boolean {
    return this.orders.has(id);
  }

  order(id: string): StrategyOrder | undefined {
    const o = this.orders.get(id);
    return o === undefined ? undefined : { ...o };
  }

  open(symbol?: string): StrategyOrder[] {
    const out: StrategyOrder[] = [];
    for (const o of this.orders.values())
      if (!FINAL_STATUSES.has(o.status) && (symbol === undefined || o.symbol === symbol)) out.push({ ...o });
    return out;
  }

  position(symbol: string): number {
    return this.positionState.get(symbol)?.qty ?? 0;
  }

  positions(): PositionInfo[] {
    const out: PositionInfo[] = [];
    for (const [symbol, p] of this.positionState)
      if (p.qty !== 0) out.push({ symbol, quantity: p.qty, avgPrice: p.avgPrice });
    return out;
  }

  /** The strategy's updates and fills for one OMS event; nothing for other strategies' orders or repeats. */
  apply(e: OrderEvent, out: LedgerOutput): void {
    const o = this.orders.get(e.clientOrderId);
    if (o === undefined) return;
    // JetStream may redeliver: an event at or below the order's last sequence number was handled already.
    if (e.seq <= (this.lastSeq.get(o.id) ?? 0)) return;
    this.lastSeq.set(o.id, e.seq);
    const t = e.tsEventMs;
    const push = (u: OrderUpdate | undefined): void => {
      if (u !== undefined) out.updates.push(u);
    };
    switch (e.kind) {
      case 'accepted':
        o.updatedAt = t;
        out.updates.push({ order: { ...o }, previousStatus: undefined, time: t });
        return;
      case 'statusChanged':
        push(this.transition(o, e.to, t, undefined));
        return;
      case 'denied':
        push(this.transition(o, 'denied', t, `${e.reasonCode}: ${e.message}`));
        return;
      case 'rejected':
        if (NOT_WORKING.has(o.status)) push(this.transition(o, 'rejected', t, e.message));
        else {
          // A refused modification: the order keeps working as it was.
          o.reason = e.message;
          o.updatedAt = t;
          out.updates.push({ order: { ...o }, previousStatus: o.status, time: t });
        }
        return;
      case 'modified':
        o.quantity = Number(e.quantity);
        o.limitPrice = e.limitPrice === undefined ? undefined : Number(e.limitPrice);
        o.stopPrice = e.stopPrice === undefined ? undefined : Number(e.stopPrice);
        o.tif = e.tif;
        o.updatedAt = t;
        out.updates.push({ order: { ...o }, previousStatus: o.status, time: t });
        return;
      case 'partiallyFilled':
      case 'filled': {
        const fill: FillRecord = {
          orderId: o.id,
          execId: e.execId,
          symbol: o.symbol,
          side: e.side,
          quantity: Number(e.quantity),
          price: Number(e.price),
          commission: e.commission === undefined ? undefined : Number(e.commission),
          time: t,
        };
        if (!this.fillsByExec.has(fill.execId)) {
          this.fillsByExec.set(fill.execId, fill);
          this.fillList.push(fill);
          this.book(o.symbol, fill.side === 'BUY' ? fill.quantity : -fill.quantity, fill.price);
          out.fills.push({ ...fill });
        }
        o.filledQuantity = Number(e.cumQty);
        o.avgFillPrice = Number(e.avgPrice);
        push(this.transition(o, e.kind, t, undefined));
        return;
      }
      case 'commission': {
        const fill = this.fillsByExec.get(e.execId);
        if (fill !== undefined) fill.commission = (fill.commission ?? 0) + Number(e.commission);
        return;
      }
      case 'pendingCancel':
        push(this.transition(o, 'pendingCancel', t, undefined));
        return;
      case 'cancelled':
        push(this.transition(o, 'cancelled', t, e.reason));
        return;
      case 'expired':
        push(this.transition(o, 'expired', t, undefined));
        return;
      case 'unresolved':
        push(this.transition(o, 'unresolved', t, e.reason));
        return;
      case 'reconciliationMismatch':
        return;
    }
  }

  private transition(o: Mutable, to: OrderStatus, t: number, reason: string | undefined): OrderUpdate | undefined {
    const previous = o.status;
    if (previous === to && reason === undefined) return undefined;
    // A final order stays final (a late statusChanged from a slower path must not reopen it).
    if (FINAL_STATUSES.has(previous)) return undefined;
    o.status = to;
    o.updatedAt = t;
    if (reason !== undefined) o.reason = reason;
    return { order: { ...o }, previousStatus: previous, time: t };
  }

  private book(symbol: string, signed: number, price: number): void {
    const p = this.positionState.get(symbol) ?? { qty: 0, avgPrice: 0 };
    const qty = p.qty + signed;
    if (p.qty === 0 || Math.sign(p.qty) === Math.sign(signed)) {
      p.avgPrice = (p.avgPrice * Math.abs(p.qty) + price * Math.abs(signed)) / Math.abs(qty);
    } else if (qty !== 0 && Math.sign(qty) !== Math.sign(p.qty)) {
      // Reversed through zero: the new side's entry is this fill's price.
      p.avgPrice = price;
    }
    p.qty = qty;
    if (qty === 0) p.avgPrice = 0;
    this.positionState.set(symbol, p);
  }

  /** Sum of the commissions reported so far, and how many fills still await theirs. */
  commissions(): { total: number; pending: number } {
    let total = 0;
    let pending = 0;
    for (const f of this.fillList) {
      if (f.commission === undefined) pending++;
      else total += f.commission;
    }
    return { total, pending };
  }
}
