/**
 * The original specification's basic example, line for line: add the IB paper broker (TWS paper's port 7497,
 * clientId 1), 5 days of hourly AAPL bars, a 100-share limit buy at 150.00 on that broker, its status, shutdown.
 *
 *   npx tsx examples/seed-basic-usage.ts                                # embedded: ib-sim answers on 7497
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx examples/seed-basic-usage.ts  # a deployed stack
 *
 * Embedded, the built-in ib-sim listens on 7497 when nothing else does, so this connects to it exactly as it would
 * to a paper TWS; a running TWS / IB Gateway on 7497 is reached instead. Nothing on 7497 at all (ib-sim moved aside,
 * SIM_ENABLED=false) is a BROKER_UNREACHABLE error at once, saying what to start.
 */
import { TradingSystem } from '@trading-system/sdk';

const ts = await TradingSystem.open();
await ts.addBroker('ib_paper', 'ib', { host: '127.0.0.1', port: 7497, clientId: 1 });

const bars = await ts.getHistoricalData('AAPL', 'SMART', '5 D', '1 hour');
console.table(bars.map(({ time, open, high, low, close, volume }) => ({ time, open, high, low, close, volume })));

const order = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 100, 150.0, { broker: 'ib_paper' });
const status = await ts.getOrderStatus(order.orderId);
console.log(
  `order ${status.orderId} on ${status.broker}: ${status.side} ${status.quantity} ${status.symbol} ` +
    `${status.orderType} ${status.limitPrice} → ${status.status}`,
);

await ts.shutdown();
