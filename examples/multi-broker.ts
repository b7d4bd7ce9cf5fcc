/**
 * Three broker types behind one SDK: adds an `ib` broker (an ib-sim), a `paper` broker (on the ib broker's quotes)
 * and an `alpaca` broker (an alpaca-sim), places the same limit order on each, waits for each fill, and lists the
 * positions per broker and across brokers.
 *
 *   npx tsx examples/multi-broker.ts                                  # embedded: the whole system in this process
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx examples/multi-broker.ts   # a deployed stack (see README, Brokers)
 *
 * Both simulators are started here, on this machine, on a clock inside a regular US session (Wednesday 2024-03-13,
 * 11:00 New York, then at wall speed): a simulator on the wall clock quotes and fills nothing while the market is
 * closed, and this script should show fills whenever it is run. The gateways reach them over TCP as they would reach
 * TWS and Alpaca. Alpaca keys are read by gateway-alpaca from its environment (ALPACA_SIM_KEY_ID and
 * ALPACA_SIM_SECRET_KEY here, alpaca-sim's defaults when unset); embedded, that is this process's environment, and a
 * deployed gateway-alpaca needs the same two variables. Keys never travel on the bus.
 */
import { randomUUID } from 'node:crypto';
import { scaledClock as alpacaClock, DEFAULT_CREDENTIALS, startAlpacaSim } from '@trading-system/alpaca-sim';
import { scaledClock, startSim } from '@trading-system/ib-sim';
import { type OrderEvent, TradingSystem, TradingSystemError } from '@trading-system/sdk';

const SESSION = Date.parse('2024-03-13T15:00:00Z');
const SYMBOL = 'AAPL';
const QUANTITY = 10;
const BROKERS = [
  { name: 'ib1', type: 'ib' },
  { name: 'paper1', type: 'paper' },
  { name: 'alpaca1', type: 'alpaca' },
] as const;

process.env.ALPACA_SIM_KEY_ID ??= DEFAULT_CREDENTIALS.keyId;
process.env.ALPACA_SIM_SECRET_KEY ??= DEFAULT_CREDENTIALS.secretKey;

const ibSim = await startSim({ port: 0, clock: scaledClock(SESSION, 1) });
const alpacaSim = await startAlpacaSim({
  port: 0,
  clock: alpacaClock(SESSION, 1),
  credentials: { keyId: process.env.ALPACA_SIM_KEY_ID, secretKey: process.env.ALPACA_SIM_SECRET_KEY },
});
const ts = await TradingSystem.open();
const added: Array<{ name: string; type: string }> = [];
try {
  console.log(`connected (${ts.mode})`);

  await ts.addBroker('ib1', 'ib', { host: ibSim.host, port: ibSim.port, clientId: 7, paper: true });
  added.push({ name: 'ib1', type: 'ib' });
  // The ib-sim's market runs on its own clock (March 2024): the paper market matches whenever ib1 quotes.
  await ts.addBroker('paper1', 'paper', { quotesFrom: 'ib1', marketHours: 'always' });
  added.push({ name: 'paper1', type: 'paper' });
  await ts.addBroker('alpaca1', 'alpaca', {
    tradingUrl: alpacaSim.baseUrl,
    dataUrl: alpacaSim.baseUrl,
    keyIdEnv: 'ALPACA_SIM_KEY_ID',
    secretKeyEnv: 'ALPACA_SIM_SECRET_KEY',
  });
  added.push({ name: 'alpaca1', type: 'alpaca' });
  for (const { name, type } of BROKERS) {
    const info = (await ts.listBrokers(type)).find((b) => b.name === name);
    console.log(`broker ${name} (${type}): ${info?.state ?? 'missing'}, accounts ${info?.accounts.join(', ') ?? '-'}`);
  }

  // One limit price for all three: above the highest ask, so the order is marketable everywhere.
  const asks: string[] = [];
  let highest = 0;
  for (const { name } of BROKERS) {
    for await (const q of ts.marketData(SYMBOL, 'SMART', { broker: name })) {
      if (q.ask === undefined) continue;
      asks.push(`${name} ${q.ask}`);
      highest = Math.max(highest, q.ask);
      break;
    }
  }
  const limitPrice = (Math.ceil(highest * 101) / 100).toFixed(2);
  console.log(`${SYMBOL} ask: ${asks.join(', ')} → BUY ${QUANTITY} ${SYMBOL} LMT ${limitPrice} DAY on each`);

  const orderIds = new Map(BROKERS.map(({ name }) => [`multi-${name}-${randomUUID()}`, name]));
  const fills = new Promise<void>((resolve, reject) => {
    const pending = new Set(orderIds.keys());
    const timer = setTimeout(() => reject(new Error(`no fill within 30 s on ${[...pending].join(', ')}`)), 30_000);
    const off = ts.onOrderUpdate((e: OrderEvent) => {
      const broker = orderIds.get(e.clientOrderId);
      if (broker === undefined) return;
      if (e.kind === 'filled') {
        console.log(`filled on ${broker}: ${e.cumQty} ${SYMBOL} @ ${e.avgPrice} (order ${e.clientOrderId})`);
        pending.delete(e.clientOrderId);
      } else if (e.kind === 'rejected' || e.kind === 'denied' || e.kind === 'cancelled' || e.kind === 'expired') {
        console.log(`${e.kind} on ${broker}: ${JSON.stringify(e)}`);
        pending.delete(e.clientOrderId);
      }
      if (pending.size === 0) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  for (const [orderId, broker] of orderIds)
    await ts.submitLimitOrder(SYMBOL, 'SMART', 'BUY', QUANTITY, limitPrice, { broker, tif: 'DAY', orderId });
  await fills;

  console.log('positions per broker:');
  for (const { name } of BROKERS) {
    const held = await ts.getPositions({ broker: name, value: false });
    const lines = held.map((p) => `${p.symbol} ${p.quantity} @ ${p.avgCost}`);
    console.log(`  ${name}: ${lines.length === 0 ? 'none' : lines.join(', ')}`);
  }
  const all = await ts.getPositions({ value: false });
  const bySymbol = new Map<string, { total: number; parts: string[] }>();
  for (const p of all) {
    const s = bySymbol.get(p.symbol) ?? { total: 0, parts: [] };
    s.total += Number(p.quantity);
    s.parts.push(`${p.broker} ${p.quantity}`);
    bySymbol.set(p.symbol, s);
  }
  console.log('positions across brokers:');
  for (const [symbol, s] of bySymbol) console.log(`  ${symbol}: ${s.total} (${s.parts.join(', ')})`);
  if (all.unavailable.length > 0) console.log(`  brokers that did not answer: ${all.unavailable.join(', ')}`);
} catch (err) {
  if (err instanceof TradingSystemError)
    console.error(`${err.name} ${err.code}: ${err.message}\n  what to do: ${err.hint}`);
  throw err;
} finally {
  // A deployed stack keeps brokers until removed; these point at simulators that end with this script.
  for (const { name, type } of added.reverse())
    await ts.removeBroker(name, type).catch((err: unknown) => console.error(`removeBroker ${name}: ${err}`));
  await ts.shutdown();
  await alpacaSim.stop();
  await ibSim.stop();
}
