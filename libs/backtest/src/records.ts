/** What a backtest records, as plain data (JSON- and CSV-ready; numbers only, no bigint, no Date). */
import type { OrderStatus, OrderType, Side, TimeInForce } from '@trading-system/strategy';

/** An order as the backtest tracks it (the strategy sees frozen copies). */
export interface MutableOrder {
  readonly id: string;
  /** The order id inside the exchange core. */
  readonly coreId: number;
  readonly symbol: string;
  readonly side: Side;
  quantity: number;
  readonly type: OrderType;
  limitPrice: number | undefined;
  stopPrice: number | undefined;
  tif: TimeInForce;
  readonly outsideRth: boolean;
  status: OrderStatus;
  filledQuantity: number;
  avgFillPrice: number | undefined;
  readonly createdAt: number;
  updatedAt: number;
  reason: string | undefined;
}

export interface FillRecord {
  readonly orderId: string;
  readonly execId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  /** Exact to the cent (the core books commissions in integer micros). */
  readonly commission: number;
  readonly time: number;
}

/** A round trip: from flat to a position and back to flat (a reversal closes one and opens the next). */
export interface TradeRecord {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  /** Largest absolute position during the trade. */
  readonly quantity: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  /** Net of every commission of the trade (the core's realised PnL). */
  readonly pnl: number;
  readonly commission: number;
  /** pnl / (entryPrice × quantity × multiplier). */
  readonly returnPct: number;
}

/** The strategy's position after each fill. */
export interface PositionChange {
  readonly time: number;
  readonly symbol: string;
  readonly quantity: number;
  readonly avgPrice: number;
}
