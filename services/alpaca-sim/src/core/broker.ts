/**
 * Alpaca's order semantics on the shared exchange core: UUID order ids and client_order_ids over the core's
 * integer ids, Alpaca's statuses, pre-trade checks (buying power, available quantity, crypto balance), replace as
 * a new order that `replaces` the old one, and `trade_updates` events derived from the core's events.
 *
 * POST and PATCH answer with the order as accepted; the exchange core sees it on the next turn of the event loop,
 * so everything after acceptance reaches the client on trade_updates only, as with Alpaca.
 *
 * Event mapping (core → trade_updates): an order the market can work now is `new` at once (else `accepted`,
 * then `new` when its session opens); each core execution is `fill` or `partial_fill` with that execution's
 * price and qty and the position after it; a core cancel is `canceled`, or `expired` when the time in force
 * ended the order (DAY at the close, IOC/FOK remainders); a core reject is `rejected`; PATCH sends `replaced`
 * for the old order then `new` for its replacement.
 */
import { randomUUID } from 'node:crypto';
import type { Exchange, ExchangeEvent } from '@trading-system/exchange';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { type Asset, type AssetCatalog, QTY_SCALE } from '../market/assets.js';
import { isMarketOpen } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';
import { CORE_ACCOUNT, type Marks, marksOf, totals, valueMicros } from './account.js';
import { unitsText } from './decimal.js';
import { API_ERRORS, ApiError } from './errors.js';
import {
  LIVE,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  orderJson,
  type SimOrder,
  type TimeInForce,
} from './order-json.js';

export interface NewOrder {
  readonly asset: Asset;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly qtyUnits: number;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly extendedHours: boolean;
  readonly clientOrderId: string | undefined;
}

export interface OrderChanges {
  readonly qtyUnits?: number;
  readonly tif?: TimeInForce;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly clientOrderId?: string;
}

export type TradeEvent =
  | 'new'
  | 'accepted'
  | 'fill'
  | 'partial_fill'
  | 'canceled'
  | 'expired'
  | 'replaced'
  | 'rejected';

export interface TradeUpdate {
  readonly event: TradeEvent;
  readonly timestamp: string;
  readonly order: Record<string, unknown>;
  readonly execution_id?: string;
  readonly price?: string;
  readonly qty?: string;
  readonly position_qty?: string;
}

const CLIENT = 1;
const CORE_TYPES: Readonly<Record<OrderType, string>> = {
  market: 'MKT',
  limit: 'LMT',
  stop: 'STP',
  stop_limit: 'STP LMT',
};

export class Broker {
  private readonly orders = new Map<string, SimOrder>();
  private readonly byClientId = new Map<string, SimOrder>();
  /** core order id → the Alpaca order currently holding it. */
  private readonly byCore = new Map<number, SimOrder>();
  private readonly listeners = new Set<(u: TradeUpdate) => void>();
  private readonly pending = new Set<SimOrder>();
  private nextCoreId = 1;

  constructor(
    readonly exchange: Exchange,
    private readonly catalog: AssetCatalog,
    private readonly model: MarketModel,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  onUpdate(listener: (u: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: string): SimOrder | undefined {
    return this.orders.get(id);
  }

  byClientOrderId(clientOrderId: string): SimOrder | undefined {
    return this.byClientId.get(clientOrderId);
  }

  all(): SimOrder[] {
    return [...this.orders.values()];
  }

  /** Units held for open sell orders of an asset (positions' qty_available). */
  heldForSells(asset: Asset): number {
    return this.all()
      .filter((o) => o.asset === asset && o.side === 'sell' && LIVE.has(o.status))
      .reduce((sum, o) => sum + o.qtyUnits - o.filledUnits, 0);
  }

  /** Money open buy orders would spend, micros (at their limit/stop, or the ask for market orders). */
  reservedForBuys(): bigint {
    let reserved = 0n;
    for (const o of this.orders.values()) {
      if (o.side !== 'buy' || !LIVE.has(o.status)) continue;
      const price = o.limitPrice ?? o.stopPrice ?? this.model.quoteAt(o.asset, this.clock.now()).ask;
      reserved += valueMicros(o.qtyUnits - o.filledUnits, price);
    }
    return reserved;
  }

  nonMarginableBuyingPower(): bigint {
    const cash = this.exchange.cashMicros(CORE_ACCOUNT, 'USD') - this.reservedForBuys();
    return cash > 0n ? cash : 0n;
  }

  positionUnits(asset: Asset): number {
    return this.exchange.positions(CORE_ACCOUNT).find((p) => p.instrumentId === asset.id)?.position ?? 0;
  }

  private checkFunds(o: NewOrder, replacing?: SimOrder): void {
    const now = this.clock.now();
    const held = this.positionUnits(o.asset);
    const heldForSells =
      this.heldForSells(o.asset) - (replacing?.side === 'sell' ? replacing.qtyUnits - replacing.filledUnits : 0);
    if (o.side === 'sell') {
      const available = Math.max(0, held - heldForSells);
      if (o.qtyUnits > available && (!o.asset.shortable || held > 0)) {
        const requested = unitsText(o.qtyUnits);
        throw o.asset.class === 'crypto'
          ? API_ERRORS.forbidden(
              `insufficient balance for ${o.asset.symbol.split('/')[0]} (requested: ${requested}, available: ${unitsText(available)})`,
            )
          : API_ERRORS.forbidden(
              `insufficient qty available for order (requested: ${requested}, available: ${unitsText(available)})`,
            );
      }
      if (held > 0) return;
    }
    // Buying to cover a short spends nothing on margin: only the part beyond the short needs funds.
    if (o.side === 'buy' && held < 0 && o.qtyUnits <= -held) return;
    const quote = this.model.quoteAt(o.asset, now);
    const price = o.limitPrice ?? o.stopPrice ?? (o.side === 'buy' ? quote.ask : quote.bid);
    const cost = valueMicros(o.qtyUnits, price);
    const released =
      replacing && replacing.side === 'buy'
        ? valueMicros(
            replacing.qtyUnits - replacing.filledUnits,
            replacing.limitPrice ?? replacing.stopPrice ?? quote.ask,
          )
        : 0n;
    if (o.asset.class === 'crypto') {
      if (cost > this.nonMarginableBuyingPower() + released) throw API_ERRORS.forbidden('insufficient balance for USD');
      return;
    }
    const power = totals(this.exchange, this.catalog, this.model, now).buyingPower - this.reservedForBuys() + released;
    if (cost > power) throw API_ERRORS.forbidden('insufficient buying power');
  }

  /**
   * POST /v2/orders: checks now, answers with the order as accepted; the exchange sees it on the next turn of
   * the event loop, as Alpaca routes orders asynchronously, so `new`, fills and rejections arrive on the stream
   * after (or around) the HTTP reply, never in it.
   */
  submit(o: NewOrder): SimOrder {
    const clientOrderId = o.clientOrderId ?? randomUUID();
    if (this.byClientId.has(clientOrderId)) throw API_ERRORS.invalid('client_order_id must be unique');
    this.checkFunds(o);
    const record = this.record(o, clientOrderId, this.nextCoreId++, undefined, this.clock.now());
    this.byCore.set(record.coreOrderId, record);
    this.defer(record, () => this.runCore(record, o.qtyUnits));
    return record;
  }

  /**
   * PATCH /v2/orders/{id}: answers with the replacement (status accepted, `replaces` the old id); on the next turn
   * the old order becomes `replaced` and the replacement takes over its exchange order with the new terms. If the
   * old order is no longer open by then, or the exchange refuses the terms, the replacement is `rejected` and the
   * old order carries on.
   */
  replace(id: string, changes: OrderChanges): SimOrder {
    const old = this.orders.get(id);
    if (!old) throw API_ERRORS.notFound('order not found');
    if (!LIVE.has(old.status)) throw API_ERRORS.unprocessable(`order is not replaceable (status ${old.status})`);
    const clientOrderId = changes.clientOrderId ?? randomUUID();
    if (this.byClientId.has(clientOrderId)) throw API_ERRORS.invalid('client_order_id must be unique');
    const next: NewOrder = {
      asset: old.asset,
      side: old.side,
      type: old.type,
      tif: changes.tif ?? old.tif,
      qtyUnits: changes.qtyUnits ?? old.qtyUnits - old.filledUnits,
      limitPrice: changes.limitPrice ?? old.limitPrice,
      stopPrice: changes.stopPrice ?? old.stopPrice,
      extendedHours: old.extendedHours,
      clientOrderId,
    };
    this.checkFunds(next, old);
    const record = this.record(next, clientOrderId, old.coreOrderId, old.id, this.clock.now());
    this.defer(record, () => {
      if (!LIVE.has(old.status) || this.pending.has(old)) {
        throw API_ERRORS.unprocessable(`order is not replaceable (status ${old.status})`);
      }
      const now = this.clock.now();
      record.coreFilledBefore = old.coreFilledBefore + old.filledUnits;
      const before = { status: old.status, updatedAtMs: old.updatedAtMs };
      old.status = 'replaced';
      old.replacedAtMs = now;
      old.updatedAtMs = now;
      old.replacedBy = record.id;
      this.byCore.set(record.coreOrderId, record);
      try {
        this.runCore(record, record.coreFilledBefore + next.qtyUnits, old);
      } catch (err) {
        // The exchange kept the old terms: so does the old order.
        Object.assign(old, before, { replacedAtMs: undefined, replacedBy: undefined });
        this.byCore.set(old.coreOrderId, old);
        throw err;
      }
    });
    return record;
  }

  /** DELETE /v2/orders/{id}: throws 404 / 422; the `canceled` event follows on the stream. */
  cancel(id: string): void {
    const o = this.orders.get(id);
    if (!o) throw API_ERRORS.notFound('order not found');
    if (!LIVE.has(o.status)) throw API_ERRORS.unprocessable(`order is not cancelable (status ${o.status})`);
    this.cancelLive(o);
  }

  /** DELETE /v2/orders: every open order, as Alpaca's multi-status items `{ id, status, body }`. */
  cancelAll(): { id: string; status: number; body: Record<string, unknown> }[] {
    const live = this.all().filter((o) => LIVE.has(o.status));
    for (const o of live) this.cancelLive(o);
    return live.map((o) => ({ id: o.id, status: 200, body: orderJson(o) }));
  }

  private cancelLive(o: SimOrder): void {
    if (this.pending.delete(o)) {
      // Canceled before it reached the exchange.
      const now = this.clock.now();
      this.transition(o, 'canceled', now);
      o.canceledAtMs = now;
      this.emit({ event: 'canceled', timestamp: new Date(now).toISOString(), order: orderJson(o) });
      return;
    }
    this.apply(this.exchange.cancelOrder(CLIENT, o.coreOrderId));
  }

  /** Runs `work` on the next turn of the event loop unless the order was canceled meanwhile. */
  private defer(record: SimOrder, work: () => void): void {
    this.pending.add(record);
    setImmediate(() => {
      if (!this.pending.delete(record)) return;
      try {
        work();
      } catch (err) {
        if (!(err instanceof ApiError)) this.log.error({ err, orderId: record.id }, 'order processing failed');
        const now = this.clock.now();
        this.transition(record, 'rejected', now);
        record.failedAtMs = now;
        this.emit({ event: 'rejected', timestamp: new Date(now).toISOString(), order: orderJson(record) });
      }
    });
  }

  /** Orders accepted but not yet at the exchange (tests wait for this to be 0). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** One matching step: expiries, fills of resting orders, and `new` for orders whose session just opened. */
  step(): void {
    this.apply(this.exchange.step(this.clock.now()));
    this.announceWorkable();
  }

  /** Fault hook: the next new order is rejected by the "exchange" (a `rejected` event, not an HTTP error). */
  rejectNext(reason: string): void {
    this.exchange.rejectNext(reason);
  }

  private record(
    o: NewOrder,
    clientOrderId: string,
    coreOrderId: number,
    replaces: string | undefined,
    now: number,
  ): SimOrder {
    const record: SimOrder = {
      id: randomUUID(),
      clientOrderId,
      asset: o.asset,
      side: o.side,
      type: o.type,
      tif: o.tif,
      qtyUnits: o.qtyUnits,
      limitPrice: o.limitPrice,
      stopPrice: o.stopPrice,
      extendedHours: o.extendedHours,
      coreOrderId,
      coreFilledBefore: 0,
      createdAtMs: now,
      replaces,
      status: 'accepted',
      filledUnits: 0,
      filledNotionalMicros: 0n,
      updatedAtMs: now,
      filledAtMs: undefined,
      canceledAtMs: undefined,
      expiredAtMs: undefined,
      failedAtMs: undefined,
      replacedAtMs: undefined,
      replacedBy: undefined,
    };
    this.orders.set(record.id, record);
    this.byClientId.set(clientOrderId, record);
    return record;
  }

  /** Places (or, for a replacement, modifies) the core order; a core refusal throws and nothing changes there. */
  private runCore(record: SimOrder, coreTotalUnits: number, replacing?: SimOrder): void {
    const events = this.exchange.placeOrder({
      orderId: record.coreOrderId,
      clientId: CLIENT,
      instrumentId: record.asset.id,
      action: record.side === 'buy' ? 'BUY' : 'SELL',
      totalQuantity: coreTotalUnits,
      orderType: CORE_TYPES[record.type],
      lmtPrice: record.limitPrice === undefined ? undefined : record.limitPrice / QTY_SCALE,
      auxPrice: record.stopPrice === undefined ? undefined : record.stopPrice / QTY_SCALE,
      tif: record.tif.toUpperCase(),
      outsideRth: record.extendedHours,
      account: CORE_ACCOUNT,
      orderRef: record.clientOrderId,
    });
    // Validation refusals (an error and no state change); 201/202 are the rejection and cancel notices of an
    // order the core did take.
    const refused = events.find((e) => e.kind === 'error' && e.code !== 201 && e.code !== 202);
    if (refused?.kind === 'error' && !events.some((e) => e.kind === 'orderStatus')) {
      throw API_ERRORS.unprocessable(refused.message);
    }
    if (replacing) {
      this.emit({
        event: 'replaced',
        timestamp: new Date(replacing.replacedAtMs ?? this.clock.now()).toISOString(),
        order: orderJson(replacing),
      });
    }
    this.apply(events);
    this.announceWorkable();
  }

  private announceWorkable(): void {
    const now = this.clock.now();
    for (const o of this.orders.values()) {
      if (o.status !== 'accepted' || this.pending.has(o)) continue;
      const open = o.asset.class === 'crypto' || isMarketOpen(now, o.extendedHours);
      if (!open) continue;
      this.transition(o, 'new', now);
      this.emit({ event: 'new', timestamp: new Date(now).toISOString(), order: orderJson(o) });
    }
  }

  private transition(o: SimOrder, status: OrderStatus, now: number): void {
    o.status = status;
    o.updatedAtMs = now;
  }

  private apply(events: readonly ExchangeEvent[]): void {
    for (const e of events) {
      if (e.kind === 'execution') {
        const o = this.byCore.get(e.execution.orderId);
        if (!o) continue;
        const x = e.execution;
        if (o.status === 'accepted') {
          // Filled on arrival: Alpaca still announces the order as new before its first fill.
          this.transition(o, 'new', x.timeMs);
          this.emit({ event: 'new', timestamp: new Date(x.timeMs).toISOString(), order: orderJson(o) });
        }
        o.filledUnits += x.shares;
        o.filledNotionalMicros += valueMicros(x.shares, x.price * QTY_SCALE);
        const done = o.filledUnits >= o.qtyUnits;
        this.transition(o, done ? 'filled' : 'partially_filled', x.timeMs);
        if (done) o.filledAtMs = x.timeMs;
        this.emit({
          event: done ? 'fill' : 'partial_fill',
          timestamp: new Date(x.timeMs).toISOString(),
          order: orderJson(o),
          execution_id: x.execId,
          price: String(Math.round(x.price * QTY_SCALE * 1e6) / 1e6),
          qty: unitsText(x.shares),
          position_qty: unitsText(this.positionUnits(o.asset)),
        });
        continue;
      }
      if (e.kind !== 'orderStatus') continue;
      const o = this.byCore.get(e.orderId);
      if (!o) continue;
      const now = this.clock.now();
      if (e.status === 'Submitted' && o.status === 'accepted') {
        this.transition(o, 'new', now);
        this.emit({ event: 'new', timestamp: new Date(now).toISOString(), order: orderJson(o) });
      } else if (e.status === 'Cancelled' && LIVE.has(o.status)) {
        const text = this.exchange.order(CLIENT, e.orderId)?.completedStatus ?? '';
        const expired = text.includes('expired') || text.includes('remainder');
        this.transition(o, expired ? 'expired' : 'canceled', now);
        if (expired) o.expiredAtMs = now;
        else o.canceledAtMs = now;
        this.emit({
          event: expired ? 'expired' : 'canceled',
          timestamp: new Date(now).toISOString(),
          order: orderJson(o),
        });
      } else if (e.status === 'Inactive' && LIVE.has(o.status)) {
        this.transition(o, 'rejected', now);
        o.failedAtMs = now;
        this.emit({ event: 'rejected', timestamp: new Date(now).toISOString(), order: orderJson(o) });
      }
    }
  }

  private emit(update: TradeUpdate): void {
    for (const listener of this.listeners) listener(update);
  }

  /** Current and previous-close prices of an asset (positions are marked at them). */
  marks(asset: Asset): Marks {
    return marksOf(this.model, asset, this.clock.now());
  }
}
