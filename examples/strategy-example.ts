/**
 * A moving-average crossover on live ticks, through the SDK, for a bounded time.
 *
 * Every quote gives a price (last trade, else the mid). When the fast average (FAST samples) crosses above the
 * slow one (SLOW samples) the strategy buys QUANTITY if flat; when it crosses below it sells what it holds. Orders
 * are marketable limits (at the ask to buy, at the bid to sell) allowed outside regular hours, tagged with the
 * strategy name so they can be found in history. At the end it cancels what is still working and prints its
 * orders and fills.
 *
 *   npx tsx examples/strategy-example.ts                     # embedded (ib-sim), 30 s
 *   RUN_SECONDS=120 SYMBOL=MSFT npx tsx examples/strategy-example.ts
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx examples/strategy-example.ts
 */
import { randomUUID } from 'node:crypto';
import { type OrderEvent, type Quote, TradingSystem, TradingSystemError } from '@trading-system/sdk';

const SYMBOL = process.env.SYMBOL ?? 'AAPL';
const RUN_SECONDS = Number(process.env.RUN_SECONDS ?? 30);
const FAST = 5;
const SLOW = 20;
const QUANTITY = 10;
const STRATEGY = `ma-cross-${randomUUID().slice(0, 8)}`;

/** Simple moving average over the last `n` prices (undefined until there are n). */
class MovingAverage {
  private readonly values: number[] = [];
  private sum = 0;
  constructor(private readonly n: number) {}
  push(v: number): number | undefined {
    this.values.push(v);
    this.sum += v;
    if (this.values.length > this.n) this.sum -= this.values.shift() ?? 0;
    return this.values.length === this.n ? this.sum / this.n : undefined;
  }
}

const ts = await TradingSystem.open();
const fast = new MovingAverage(FAST);
const slow = new MovingAverage(SLOW);
let previousDiff: number | undefined;
let position = 0;
let pending = false;
let quotes = 0;
const mine = new Set<string>();

const stopUpdates = ts.onOrderUpdate((e: OrderEvent) => {
  if (!mine.has(e.clientOrderId)) return;
  if (e.kind === 'partiallyFilled' || e.kind === 'filled') {
    position += e.side === 'BUY' ? Number(e.quantity) : -Number(e.quantity);
    console.log(`  fill: ${e.side} ${e.quantity} @ ${e.price} → position ${position}`);
  } else if (e.kind === 'statusChanged') {
    console.log(`  order ${e.clientOrderId.slice(0, 12)}…: ${e.from} → ${e.to}`);
  } else if (e.kind === 'rejected' || e.kind === 'denied' || e.kind === 'cancelled') {
    console.log(`  order ${e.clientOrderId.slice(0, 12)}…: ${e.kind}`);
  }
  if (e.kind === 'filled' || e.kind === 'rejected' || e.kind === 'denied' || e.kind === 'cancelled') pending = false;
});

async function act(side: 'BUY' | 'SELL', quote: Quote): Promise<void> {
  const price = side === 'BUY' ? (quote.exact.ask ?? quote.exact.last) : (quote.exact.bid ?? quote.exact.last);
  if (price === undefined) return;
  const quantity = side === 'BUY' ? QUANTITY : position;
  const orderId = `${STRATEGY}-${mine.size + 1}`;
  mine.add(orderId);
  pending = true;
  try {
    const r = await ts.submitLimitOrder(SYMBOL, 'SMART', side, quantity, price, {
      tif: 'DAY',
      outsideRth: true,
      strategy: STRATEGY,
      orderId,
    });
    console.log(`order: ${side} ${quantity} ${SYMBOL} LMT ${price} → ${r.status}`);
  } catch (err) {
    pending = false;
    if (!(err instanceof TradingSystemError)) throw err;
    console.log(`order refused: ${err.code} ${err.message} (${err.hint})`);
  }
}

function onQuote(q: Quote): void {
  quotes += 1;
  const price = q.last ?? (q.bid !== undefined && q.ask !== undefined ? (q.bid + q.ask) / 2 : undefined);
  if (price === undefined) return;
  const f = fast.push(price);
  const s = slow.push(price);
  if (f === undefined || s === undefined) return;
  const diff = f - s;
  if (previousDiff !== undefined && !pending) {
    if (previousDiff <= 0 && diff > 0 && position === 0) {
      console.log(`signal: fast ${f.toFixed(3)} crossed above slow ${s.toFixed(3)} at ${price} → BUY`);
      void act('BUY', q);
    } else if (previousDiff >= 0 && diff < 0 && position > 0) {
      console.log(`signal: fast ${f.toFixed(3)} crossed below slow ${s.toFixed(3)} at ${price} → SELL`);
      void act('SELL', q);
    }
  }
  previousDiff = diff;
}

try {
  console.log(`${STRATEGY}: ${SYMBOL}, SMA(${FAST}) vs SMA(${SLOW}), ${RUN_SECONDS} s (${ts.mode})`);
  const subscription = await ts.subscribeMarketData(SYMBOL, 'SMART', onQuote);
  await new Promise((resolve) => setTimeout(resolve, RUN_SECONDS * 1000));
  await subscription.unsubscribe();

  for (const o of await ts.getAllOrders({ strategy: STRATEGY, status: 'open' })) {
    await ts.cancelOrder(o.orderId);
    console.log(`cancelled working order ${o.orderId}`);
  }
  const orders = await ts.getAllOrders({ strategy: STRATEGY, status: 'all' });
  console.log(`\n${quotes} quotes, ${orders.length} orders, position ${position} ${SYMBOL}`);
  if (orders.length > 0)
    console.table(
      orders.map((o) => ({
        order: o.orderId,
        side: o.side,
        qty: o.quantity,
        limit: o.limitPrice,
        status: o.status,
        filled: o.filledQuantity,
        avg: o.avgFillPrice ?? '',
      })),
    );
} finally {
  stopUpdates();
  await ts.shutdown();
}
