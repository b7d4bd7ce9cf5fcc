/**
 * All orders the core knows, live and completed, keyed by (clientId, orderId), with the id bookkeeping TWS
 * does: the highest order id each client used (a new order must go above it, else 103) and the account-wide
 * permId sequence.
 */
import { isLive, type OrderRecord, orderKey } from './order-types.js';

export interface OrderBookState {
  readonly orders: readonly OrderRecord[];
  readonly maxOrderIds: ReadonlyArray<readonly [number, number]>;
  readonly nextPermId: number;
}

/** permIds look like IB's (nine/ten digit, account-wide). */
export const FIRST_PERM_ID = 1_000_000_001;

export class OrderBook {
  private readonly orders = new Map<string, OrderRecord>();
  /**
   * Orders that were live when last seen, in permId order (insertion order: permIds are taken in placement order
   * and a restored state is sorted). `live()` drops the ones that finished since, so a matching step costs the
   * live orders, not every order of the retention window.
   */
  private readonly maybeLive = new Map<string, OrderRecord>();
  private readonly maxOrderIds = new Map<number, number>();
  private permIdSeq: number;

  constructor(state?: OrderBookState) {
    this.permIdSeq = state?.nextPermId ?? FIRST_PERM_ID;
    for (const o of state?.orders ?? []) {
      const key = orderKey(o.clientId, o.orderId);
      this.orders.set(key, o);
      if (isLive(o.status)) this.maybeLive.set(key, o);
    }
    for (const [clientId, id] of state?.maxOrderIds ?? []) this.maxOrderIds.set(clientId, id);
  }

  get(clientId: number, orderId: number): OrderRecord | undefined {
    return this.orders.get(orderKey(clientId, orderId));
  }

  /** Whether a new order may use this id: above every id the client used before. */
  idIsFresh(clientId: number, orderId: number): boolean {
    return orderId > (this.maxOrderIds.get(clientId) ?? 0);
  }

  /** The lowest id a client may use next (nextValidId). */
  nextOrderId(clientId: number): number {
    return (this.maxOrderIds.get(clientId) ?? 0) + 1;
  }

  takePermId(): number {
    return this.permIdSeq++;
  }

  add(order: OrderRecord): void {
    const key = orderKey(order.clientId, order.orderId);
    this.orders.set(key, order);
    if (isLive(order.status)) this.maybeLive.set(key, order);
    if (order.orderId > (this.maxOrderIds.get(order.clientId) ?? 0)) {
      this.maxOrderIds.set(order.clientId, order.orderId);
    }
  }

  /** Live orders in permId (= arrival) order, so matching is deterministic. */
  live(): OrderRecord[] {
    const out: OrderRecord[] = [];
    for (const [key, o] of this.maybeLive) {
      if (isLive(o.status)) out.push(o);
      else this.maybeLive.delete(key);
    }
    return out;
  }

  /** Whether any order is live (cheap: a backtest asks before every matching step). */
  hasLive(): boolean {
    for (const [key, o] of this.maybeLive) {
      if (isLive(o.status)) return true;
      this.maybeLive.delete(key);
    }
    return false;
  }

  completed(): OrderRecord[] {
    return [...this.orders.values()].filter((o) => !isLive(o.status)).sort((a, b) => a.permId - b.permId);
  }

  /** Drops completed orders finished before cutoffMs; returns how many. Ids stay used. */
  prune(cutoffMs: number): number {
    let n = 0;
    for (const [key, o] of this.orders) {
      if (!isLive(o.status) && (o.completedAtMs ?? o.updatedAtMs) < cutoffMs) {
        this.orders.delete(key);
        n++;
      }
    }
    return n;
  }

  state(): OrderBookState {
    return {
      orders: [...this.orders.values()].sort((a, b) => a.permId - b.permId),
      maxOrderIds: [...this.maxOrderIds.entries()],
      nextPermId: this.permIdSeq,
    };
  }
}
