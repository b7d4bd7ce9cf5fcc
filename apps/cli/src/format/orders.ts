/** How orders look in the terminal. Pure. */
import type { Order } from '@trading-system/sdk';
import { type Column, formatTime, renderTable } from './table.js';

/** `BUY 10 AAPL LMT 150.25 GTC`, `SELL 5 AAPL STP LMT stop 140 limit 139.5 DAY`. */
export function describeOrder(o: Order): string {
  const prices =
    o.orderType === 'STP LMT'
      ? ` stop ${o.stopPrice ?? '?'} limit ${o.limitPrice ?? '?'}`
      : o.orderType === 'LMT'
        ? ` ${o.limitPrice ?? '?'}`
        : o.orderType === 'STP'
          ? ` ${o.stopPrice ?? '?'}`
          : '';
  return `${o.side} ${o.quantity} ${o.symbol} ${o.orderType}${prices} ${o.tif}`;
}

/** `submitted (filled 0 of 10, broker order id 7)`. */
export function describeStatus(o: Order): string {
  const extras = [`filled ${o.filledQuantity} of ${o.quantity}`];
  if (o.avgFillPrice !== undefined) extras.push(`avg price ${o.avgFillPrice}`);
  if (o.brokerOrderId !== undefined) extras.push(`broker order id ${o.brokerOrderId}`);
  return `${o.status} (${extras.join(', ')})`;
}

const columns: readonly Column<Order>[] = [
  { header: 'order id', value: (o) => o.orderId },
  { header: 'side', value: (o) => o.side },
  { header: 'qty', value: (o) => o.quantity },
  { header: 'symbol', value: (o) => o.symbol },
  // The instrument's id (what `{ id }` names it by in a request), since one symbol may be several instruments.
  { header: 'instrument', value: (o) => o.instrument.id },
  { header: 'type', value: (o) => o.orderType },
  { header: 'limit', value: (o) => o.limitPrice },
  { header: 'stop', value: (o) => o.stopPrice },
  { header: 'tif', value: (o) => o.tif },
  { header: 'status', value: (o) => o.status },
  { header: 'filled', value: (o) => o.filledQuantity },
  { header: 'avg px', value: (o) => o.avgFillPrice },
  { header: 'updated (UTC)', value: (o) => formatTime(o.updatedAt.getTime()) },
];

export function renderOrders(orders: readonly Order[]): string {
  return renderTable(orders, columns);
}
