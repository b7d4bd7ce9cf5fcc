/**
 * The backtest's broker: the exchange core (the same matching, commissions and accounts as ib-sim) behind the
 * strategy's order calls. Orders reach the core after `latencyMs` of market time (the engine applies them at the
 * first market instant at or after their arrival); the core's events become the strategy's order updates and
 * fills, the account's cash and the strategy's positions, and the run's order, fill, trade and position records.
 */
import {
  type OrderStatus as CoreStatus,
  type Exchange,
  type ExchangeEvent,
  type ExecutionRecord,
  type InstrumentSpec,
  microsToNumber,
} from '@trading-system/exchange';
import {
  FINAL_STATUSES,
  type Fill,
  type ModifyChanges,
  type OrderRequest,
  type OrderStatus,
  StrategyUsageError,
} from '@trading-system/strategy';
import type { FillRecord, MutableOrder, PositionChange, TradeRecord } from './records.js';
import type { StatsAccumulator } from './stats.js';

export const CLIENT_ID = 1;
export const ACCOUNT = 'BACKTEST';

type Action =
  | { readonly kind: 'submit'; readonly arrival: number; readonly order: MutableOrder }
  | { readonly kind: 'cancel'; readonly arrival: number; readonly order: MutableOrder }
  | {
      readonly kind: 'modify';
      readonly arrival: number;
      readonly order: MutableOrder;
      readonly changes: ModifyChanges;
    };

export interface PositionState {
  qty: number;
  avgPrice: number;
}

interface OpenTrade {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryTime: number;
  entryQty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  exitTime: number;
  pnl: number;
  commission: number;
  maxQty: number;
}

export interface BrokerHooks {
  fill(fill: Fill): void;
  /** An order changed; the hook copies it only when the strategy listens (most do not, and runs place many). */
  update(order: MutableOrder, previousStatus: OrderStatus, time: number): void;
}

function mapStatus(status: CoreStatus, filled: number, completedText: string | undefined): OrderStatus {
  switch (status) {
    case 'PreSubmitted':
    case 'Submitted':
      return filled > 0 ? 'partiallyFilled' : 'submitted';
    case 'PendingCancel':
      return 'pendingCancel';
    case 'Filled':
      return 'filled';
    case 'Inactive':
      return 'rejected';
    case 'Cancelled':
      return completedText !== undefined && /expired|remainder/.test(completedText) ? 'expired' : 'cancelled';
  }
}

export class SimBroker {
  now = 0;
  cash: number;
  readonly orders = new Map<string, MutableOrder>();
  readonly orderList: MutableOrder[] = [];
  /** Orders not final yet, in submission order. */
  readonly open = new Map<string, MutableOrder>();
  readonly fills: FillRecord[] = [];
  readonly trades: TradeRecord[] = [];
  readonly positionChanges: PositionChange[] = [];
  readonly positions = new Map<string, PositionState>();
  /** The same position objects, in the run's symbol order (the engine's per-bar equity reads these). */
  readonly positionList: PositionState[] = [];
  hooks: BrokerHooks | undefined;
  /**
   * Bumped on every change to an order (new, status, fill price, modify, reason): the context's read-only
   * snapshots of the working orders stay valid until it moves, so a strategy that asks every bar copies nothing.
   */
  ordersVersion = 0;
  private readonly openTrades = new Map<string, OpenTrade>();
  private readonly pending: Action[] = [];
  private pendingHead = 0;
  private nextId = 1;

  constructor(
    readonly exchange: Exchange,
    private readonly specs: ReadonlyMap<string, InstrumentSpec>,
    private readonly strategyId: string,
    private readonly latencyMs: number,
    private readonly baseCurrency: string,
    private readonly stats: StatsAccumulator,
  ) {
    this.cash = microsToNumber(exchange.cashMicros(ACCOUNT, baseCurrency));
    for (const symbol of specs.keys()) {
      const p = { qty: 0, avgPrice: 0 };
      this.positions.set(symbol, p);
      this.positionList.push(p);
    }
  }

  spec(symbol: string): InstrumentSpec {
    const s = this.specs.get(symbol);
    if (s === undefined)
      throw new StrategyUsageError(`unknown symbol '${symbol}': the run trades ${[...this.specs.keys()].join(', ')}`);
    return s;
  }

  /** Core ids are 1, 2, 3... in submission order: the order list is the index (no map that grows with the run). */
  private byCoreId(coreId: number): MutableOrder | undefined {
    return this.orderList[coreId - 1];
  }

  // Strategy side: orders are queued until they reach the exchange.

  submit(req: OrderRequest): string {
    this.spec(req.symbol);
    if (!Number.isInteger(req.quantity) || req.quantity <= 0)
      throw new StrategyUsageError(`order quantity must be a positive whole number, got ${req.quantity}`);
    const coreId = this.nextId++;
    const order: MutableOrder = {
      id: `${this.strategyId}-${coreId}`,
      coreId,
      symbol: req.symbol,
      side: req.side,
      quantity: req.quantity,
      type: req.type ?? 'MKT',
      limitPrice: req.limitPrice,
      stopPrice: req.stopPrice,
      tif: req.tif ?? 'DAY',
      outsideRth: req.outsideRth ?? true,
      status: 'accepted',
      filledQuantity: 0,
      avgFillPrice: undefined,
      createdAt: this.now,
      updatedAt: this.now,
      reason: undefined,
    };
    this.orders.set(order.id, order);
    this.orderList.push(order);
    this.open.set(order.id, order);
    this.ordersVersion++;
    this.pending.push({ kind: 'submit', arrival: this.now + this.latencyMs, order });
    return order.id;
  }

  cancel(id: string): void {
    const order = this.orders.get(id);
    if (order === undefined || FINAL_STATUSES.has(order.status)) return;
    this.pending.push({ kind: 'cancel', arrival: this.now + this.latencyMs, order });
  }

  modify(id: string, changes: ModifyChanges): void {
    const order = this.orders.get(id);
    if (order === undefined || FINAL_STATUSES.has(order.status)) return;
    this.pending.push({ kind: 'modify', arrival: this.now + this.latencyMs, order, changes });
  }

  /** Arrival time of the next queued action, or Infinity. */
  nextArrival(): number {
    return this.pendingHead < this.pending.length ? (this.pending[this.pendingHead]?.arrival ?? Infinity) : Infinity;
  }

  /** Sends every action that has arrived by `t` to the exchange, at the current instant. */
  applyArrived(t: number): void {
    while (this.pendingHead < this.pending.length) {
      const a = this.pending[this.pendingHead];
      if (a === undefined || a.arrival > t) break;
      this.pendingHead++;
      this.apply(a);
    }
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private apply(a: Action): void {
    const o = a.order;
    const spec = this.spec(o.symbol);
    if (a.kind === 'cancel') {
      if (FINAL_STATUSES.has(o.status)) return;
      this.process(this.exchange.cancelOrder(CLIENT_ID, o.coreId), o);
      return;
    }
    if (a.kind === 'modify') {
      if (FINAL_STATUSES.has(o.status)) return;
      const c = a.changes;
      o.quantity = c.quantity ?? o.quantity;
      o.limitPrice = c.limitPrice ?? o.limitPrice;
      o.stopPrice = c.stopPrice ?? o.stopPrice;
      o.tif = c.tif ?? o.tif;
      this.ordersVersion++;
    }
    const events = this.exchange.placeOrder({
      orderId: o.coreId,
      clientId: CLIENT_ID,
      instrumentId: spec.instrumentId,
      action: o.side,
      totalQuantity: o.quantity,
      orderType: o.type,
      lmtPrice: o.limitPrice,
      auxPrice: o.stopPrice,
      tif: o.tif,
      outsideRth: o.outsideRth,
      account: ACCOUNT,
      orderRef: o.id,
    });
    this.process(events, o);
  }

  // Exchange side.

  /** Translates the core's events; `placed` is the order a command was about (refusals name no status). */
  process(events: readonly ExchangeEvent[], placed?: MutableOrder): void {
    let refusal: string | undefined;
    let placedSeen = false;
    for (const e of events) {
      if (e.kind === 'execution') this.onExecution(e.execution);
      else if (e.kind === 'orderStatus') {
        const o = this.byCoreId(e.orderId);
        if (o === undefined) continue;
        if (o === placed) placedSeen = true;
        const text = e.status === 'Cancelled' ? this.exchange.order(CLIENT_ID, e.orderId)?.completedStatus : undefined;
        this.setStatus(o, mapStatus(e.status, e.filled, text), e.filled);
      } else if (e.kind === 'error') {
        const o = this.byCoreId(e.id);
        if (o !== undefined) this.ordersVersion++;
        if (o !== undefined && e.code !== 202) {
          o.reason = `${e.code} ${e.message}`;
          if (o === placed) refusal = o.reason;
        } else if (o !== undefined) o.reason = e.message;
      }
    }
    // Refused before the core created the order (off-tick price, bad size): no status came, only the error.
    if (placed !== undefined && !placedSeen && refusal !== undefined && placed.status === 'accepted')
      this.setStatus(placed, 'rejected', placed.filledQuantity);
  }

  private setStatus(o: MutableOrder, status: OrderStatus, filled: number): void {
    if (status === o.status && filled === o.filledQuantity) return;
    const previous = o.status;
    o.status = status;
    o.filledQuantity = filled;
    o.updatedAt = this.now;
    this.ordersVersion++;
    if (FINAL_STATUSES.has(status)) this.open.delete(o.id);
    this.hooks?.update(o, previous, this.now);
  }

  private onExecution(x: ExecutionRecord): void {
    const o = this.byCoreId(x.orderId);
    if (o === undefined) return;
    const spec = this.spec(o.symbol);
    const commission = microsToNumber(x.commissionMicros);
    const side = x.side === 'BOT' ? 1 : -1;
    o.avgFillPrice = x.avgPrice;
    this.ordersVersion++;
    const record: FillRecord = {
      orderId: o.id,
      execId: x.execId,
      symbol: o.symbol,
      side: o.side,
      quantity: x.shares,
      price: x.price,
      commission,
      time: x.timeMs,
    };
    this.fills.push(record);
    this.stats.addFill(x.shares * x.price * spec.multiplier, commission);
    this.cash = microsToNumber(this.exchange.cashMicros(ACCOUNT, this.baseCurrency));
    const pos = this.positions.get(o.symbol) as PositionState;
    const before = pos.qty;
    const after = before + side * x.shares;
    if (before === 0 || Math.sign(before) === side) {
      pos.avgPrice = (pos.avgPrice * Math.abs(before) + x.price * x.shares) / Math.abs(after);
    } else if (after === 0) pos.avgPrice = 0;
    else if (Math.sign(after) !== Math.sign(before)) pos.avgPrice = x.price;
    pos.qty = after;
    this.positionChanges.push({ time: x.timeMs, symbol: o.symbol, quantity: after, avgPrice: pos.avgPrice });
    this.bookTrade(o.symbol, before, after, x, spec.multiplier, commission);
    this.hooks?.fill(record);
  }

  private bookTrade(
    symbol: string,
    before: number,
    after: number,
    x: ExecutionRecord,
    multiplier: number,
    commission: number,
  ): void {
    const t = this.openTrades.get(symbol);
    if (t === undefined || before === 0) {
      this.openTrade(symbol, after, x, x.shares, commission);
      return;
    }
    if (Math.sign(before) === Math.sign(after) && Math.abs(after) > Math.abs(before)) {
      t.entryQty += x.shares;
      t.entryNotional += x.shares * x.price;
      t.commission += commission;
      t.maxQty = Math.max(t.maxQty, Math.abs(after));
      return;
    }
    const closing = Math.min(x.shares, Math.abs(before));
    const closeShare = (commission * closing) / x.shares;
    t.exitQty += closing;
    t.exitNotional += closing * x.price;
    t.exitTime = x.timeMs;
    t.commission += closeShare;
    t.pnl += x.realizedPnLMicros === undefined ? 0 : microsToNumber(x.realizedPnLMicros);
    if (after !== 0 && Math.sign(after) === Math.sign(before)) return;
    this.openTrades.delete(symbol);
    const entryPrice = t.entryNotional / t.entryQty;
    this.trades.push({
      symbol,
      side: t.side,
      quantity: t.maxQty,
      entryTime: t.entryTime,
      entryPrice,
      exitTime: t.exitTime,
      exitPrice: t.exitNotional / t.exitQty,
      pnl: t.pnl,
      commission: t.commission,
      returnPct: t.pnl / (entryPrice * t.maxQty * multiplier),
    });
    this.stats.addTrade(t.pnl);
    if (after !== 0) this.openTrade(symbol, after, x, Math.abs(after), commission - closeShare);
  }

  private openTrade(symbol: string, after: number, x: ExecutionRecord, qty: number, commissionShare: number): void {
    this.openTrades.set(symbol, {
      symbol,
      side: after > 0 ? 'long' : 'short',
      entryTime: x.timeMs,
      entryQty: qty,
      entryNotional: qty * x.price,
      exitQty: 0,
      exitNotional: 0,
      exitTime: x.timeMs,
      pnl: 0,
      commission: commissionShare,
      maxQty: qty,
    });
  }

  /** Trades still open at the end of the run (not counted in the statistics). */
  openTradeCount(): number {
    return this.openTrades.size;
  }
}
