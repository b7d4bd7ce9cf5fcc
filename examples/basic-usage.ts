/**
 * Quick start: open the system, make sure the IB paper broker is there, print 5 days of hourly AAPL bars, place a
 * limit order, read its status, clean up.
 *
 *   npx tsx examples/basic-usage.ts                       # embedded: the whole system in this process (ib-sim)
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx examples/basic-usage.ts   # a deployed stack
 */
import { randomUUID } from 'node:crypto';
import { type OrderEvent, TradingSystem, TradingSystemError } from '@trading-system/sdk';

const BROKER = process.env.BROKER_NAME ?? 'sim';

const ts = await TradingSystem.open({ defaultBroker: BROKER });
try {
  console.log(`connected (${ts.mode}):`);
  for (const line of ts.describe()) console.log(`  ${line}`);

  // The IB paper broker. Embedded, `sim` (ib-sim) is already there; on a deployed stack add it when missing.
  const brokers = await ts.listBrokers();
  let broker = brokers.find((b) => b.name === BROKER);
  if (broker === undefined) {
    broker = await ts.addBroker(BROKER, 'ib', {
      host: process.env.IB_HOST ?? '127.0.0.1',
      port: Number(process.env.IB_PORT ?? 7497),
      clientId: Number(process.env.IB_CLIENT_ID ?? 1),
      paper: true,
    });
  }
  console.log(`broker ${broker.name}: ${broker.state}, ${broker.endpoint}, accounts ${broker.accounts.join(', ')}`);

  // Historical data: numbers for analysis, the exact decimal strings in `bar.exact`.
  const bars = await ts.getHistoricalData('AAPL', 'SMART', '5 D', '1 hour', { whatToShow: 'TRADES', useRTH: true });
  console.table(
    bars.map((b) => ({
      time: b.time.toISOString().slice(0, 16).replace('T', ' '),
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: b.volume,
    })),
  );
  const days = new Set(bars.map((b) => b.time.toISOString().slice(0, 10)));
  console.log(
    `AAPL: ${bars.length} bars of 1 hour over ${days.size} trading days` +
      `${bars.partial ? ' (partial: some ranges missing)' : ''}`,
  );

  // A limit order 5 % below the last close: it rests at the broker as a working order.
  const last = bars.at(-1);
  if (last === undefined) throw new Error('no bars for AAPL');
  const limitPrice = (Math.floor(last.close * 95) / 100).toFixed(2);
  // Our own order id: updates can be matched before the submit returns, and a retried submit is harmless.
  const orderId = `quickstart-${randomUUID()}`;
  const submitted = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the order was not working after 15 s')), 15_000);
    const off = ts.onOrderUpdate((e: OrderEvent) => {
      if (e.clientOrderId !== orderId) return;
      console.log(`  update: ${e.kind}${e.kind === 'statusChanged' ? ` ${e.from} → ${e.to}` : ''}`);
      if ((e.kind === 'statusChanged' && e.to === 'submitted') || e.kind === 'rejected' || e.kind === 'denied') {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  const order = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 10, limitPrice, {
    tif: 'GTC',
    strategy: 'quickstart',
    orderId,
  });
  console.log(`order ${order.orderId}: BUY 10 AAPL LMT ${limitPrice} GTC → ${order.status}`);
  await submitted;

  const status = await ts.getOrderStatus(order.orderId);
  console.log(
    `status: ${status.status} (filled ${status.filledQuantity} of ${status.quantity}, broker order id ${status.brokerOrderId ?? '-'})`,
  );

  const cancelled = await ts.cancelOrder(order.orderId);
  console.log(`cancel requested: ${cancelled.status}`);
} catch (err) {
  if (err instanceof TradingSystemError)
    console.error(`${err.name} ${err.code}: ${err.message}\n  what to do: ${err.hint}`);
  throw err;
} finally {
  await ts.shutdown();
}
