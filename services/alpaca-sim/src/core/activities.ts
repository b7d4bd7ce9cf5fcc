/**
 * The account's trade activities (`FILL` in Alpaca's Activities API), recorded from the broker's `fill` and
 * `partial_fill` trade updates: one activity per execution, with the order's cumulative and remaining quantity
 * after it. The sim has no non-trade activities (dividends, fees, transfers). Portfolio history replays them.
 */
import type { Broker, TradeUpdate } from './broker.js';

export interface FillActivity {
  /** `YYYYMMDDHHMMSSmmm::<execution id>`, Alpaca's id format: ordering ids orders activities by time. */
  readonly id: string;
  readonly tMs: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Decimal text, as Alpaca sends them. */
  readonly qty: string;
  readonly price: string;
  readonly cumQty: string;
  readonly leavesQty: string;
  readonly orderId: string;
  readonly orderStatus: string;
  readonly type: 'fill' | 'partial_fill';
}

function activityId(tMs: number, executionId: string): string {
  const stamp = new Date(tMs).toISOString().replace(/[-:TZ.]/g, '');
  return `${stamp}::${executionId}`;
}

export class ActivityLog {
  private readonly fills: FillActivity[] = [];

  constructor(broker: Broker) {
    broker.onUpdate((u) => this.record(u));
  }

  private record(u: TradeUpdate): void {
    if ((u.event !== 'fill' && u.event !== 'partial_fill') || !u.execution_id || !u.price || !u.qty) return;
    const order = u.order as Record<string, string>;
    const tMs = Date.parse(u.timestamp);
    const qty = Number(order.qty);
    const cum = Number(order.filled_qty);
    this.fills.push({
      id: activityId(tMs, u.execution_id),
      tMs,
      symbol: String(order.symbol),
      side: order.side === 'sell' ? 'sell' : 'buy',
      qty: u.qty,
      price: u.price,
      cumQty: String(order.filled_qty),
      // Both come from the order's own decimal texts, so the difference needs at most their 4 decimals.
      leavesQty: String(Number((qty - cum).toFixed(4))),
      orderId: String(order.id),
      orderStatus: String(order.status),
      type: u.event,
    });
  }

  /** Every fill, oldest first. */
  all(): readonly FillActivity[] {
    return this.fills;
  }
}

export function fillJson(f: FillActivity): Record<string, unknown> {
  return {
    id: f.id,
    activity_type: 'FILL',
    transaction_time: new Date(f.tMs).toISOString(),
    type: f.type,
    price: f.price,
    qty: f.qty,
    side: f.side,
    symbol: f.symbol,
    leaves_qty: f.leavesQty,
    order_id: f.orderId,
    cum_qty: f.cumQty,
    order_status: f.orderStatus,
  };
}
