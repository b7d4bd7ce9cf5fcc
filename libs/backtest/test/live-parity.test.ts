/**
 * Parity (issue 18.7): the crossover example over the shipped real 1-minute 6E data (CME Euro FX, 6EH4), (a) in the
 * backtester and (b) live through the whole embedded system (OMS, gateway-ib, history, market-data) against an
 * ib-sim replaying the same file over its socket. Same orders in the same order, same fill prices and quantities,
 * same commissions: both fill in the same exchange core (libs/exchange) on ib-sim's own prices.
 *
 * What makes it exact, and why it is built this way:
 * - The sim runs on a stepped clock (manualClock) that the test advances one minute at a time, waiting between
 *   steps until the live run is quiet (its bar delivered, every order final, commissions reported): an order then
 *   reaches the sim at the instant its bar ended, as a latency-0 backtest sends it. On a free-running (time-scaled)
 *   clock the sim's time moves on while an order travels through the OMS and the gateway, by wall latency × scale,
 *   and the fill price is the quote of that unpredictable instant: exact parity is impossible there.
 * - The live run takes its bars from the broker (`bars: 'broker'`: ib-sim's historical bars, which replay the file),
 *   not built from quotes: ticks sample the price path inside a minute, so a quote-built bar's close is near the
 *   file's close but not equal, and a crossover decided on it can differ.
 * - The backtester fills on quotes (`fills: { mode: 'quotes' }`) from ib-sim's own quote source, with the 6EH4
 *   contract's conId and session hours from the sim's catalog.
 * Not compared: order ids (each run names its own), the symbol (the live contract is EUR/6EH4, the shipped series
 * is named 6E), and outsideRth (a backtest's market orders default to true, a live run's to false: the window is
 * inside 6E's regular hours, where both fill).
 */
import { fileURLToPath } from 'node:url';
import { manualClock, type RunningSim, startSim } from '@trading-system/ib-sim';
import { TradingSystem } from '@trading-system/sdk';
import { importStrategy, instantiate } from '@trading-system/strategy';
import { LiveRun } from '@trading-system/strategy/live';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadShipped, runBacktest } from '../src/index.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/strategies/ma-crossover.ts', import.meta.url));
const DATA_DIR = fileURLToPath(new URL('../../../services/ib-sim/data/', import.meta.url));
/** One trading day: 2024-01-02's regular session of 6E in ib-sim's calendar, 08:30-15:00 Chicago (390 minutes). */
const FROM = Date.parse('2024-01-02T14:30:00Z');
const MINUTES = 390;
const TO = FROM + MINUTES * 60_000;
const PARAMS = { quantity: '1' };

const clock = manualClock(FROM);
let sim: RunningSim;
let ts: TradingSystem;
let added = false;

beforeAll(async () => {
  sim = await startSim({ port: 0, clock });
  ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  await ts.addBroker('replay', 'ib', { host: '127.0.0.1', port: sim.port, clientId: 43 });
  added = true;
}, 60_000);

afterAll(async () => {
  if (added) await ts.removeBroker('replay');
  await ts?.shutdown();
  await sim?.stop();
}, 30_000);

test('the crossover over shipped 6E minutes: backtest and live through the system give the same orders, fills and commissions', async () => {
  const sixE = sim.control.catalog.instruments.find((i) => i.secType === 'FUT' && i.localSymbol === '6EH4');
  if (sixE === undefined) throw new Error('the sim has no 6EH4');
  // The window is the whole regular session: open every minute, closed just before and at its end.
  for (let t = FROM; t < TO; t += 60_000) expect(sixE.schedule.isOpen(t, false)).toBe(true);
  expect(sixE.schedule.isOpen(FROM - 1, false)).toBe(false);
  expect(sixE.schedule.isOpen(TO, false)).toBe(false);

  // (b) live: one minute per step, the next step once the run is quiet.
  const live = await LiveRun.start({
    ts,
    strategy: instantiate(await importStrategy(EXAMPLE)),
    params: PARAMS,
    broker: 'replay',
    instruments: [{ symbol: 'EUR', secType: 'FUT', exchange: 'CME', expiry: '202403' }],
    timeframe: '1m',
    clock,
    bars: 'broker',
    log: 'silent',
  });
  const failed = live.failed.then((err) => {
    throw err;
  });
  for (let i = 0; i < MINUTES; i++) {
    clock.advance(60_000);
    await Promise.race([live.whenQuiet(), failed]);
  }
  const summary = await live.stop();
  expect(summary.failure).toBeUndefined();
  expect(summary.bars).toBe(MINUTES);

  // (a) the backtest of the same file over the same minutes of the shipped file.
  const shipped = loadShipped('6E', DATA_DIR);
  const bars = (shipped.bars as Array<{ time: number }>).filter((b) => b.time >= FROM && b.time < TO);
  expect(bars).toHaveLength(MINUTES);
  const result = runBacktest({
    strategy: instantiate(await importStrategy(EXAMPLE)),
    params: PARAMS,
    data: [
      {
        instrument: {
          ...shipped.instrument,
          instrumentId: String(sixE.conId),
          isOpen: (t, outsideRth) => sixE.schedule.isOpen(t, outsideRth),
          sessionEndAfter: (t) => (sixE.schedule.sessionAt(t, false) ?? sixE.schedule.nextSessionAfter(t, false)).endMs,
        },
        bars: bars as never,
      },
    ],
    timeframe: '1m',
    from: FROM,
    to: TO,
    fills: { mode: 'quotes', source: { quoteAt: (id, t) => sim.control.quotes.quoteAt(Number(id), t) } },
    latencyMs: 0,
    log: 'silent',
  });

  const order = (o: {
    side: string;
    quantity: number;
    type: string;
    status: string;
    filledQuantity: number;
    createdAt: number;
  }) => [o.side, o.quantity, o.type, o.status, o.filledQuantity, new Date(o.createdAt).toISOString()];
  const fill = (f: { side: string; quantity: number; price: number; commission: number | undefined }) => [
    f.side,
    f.quantity,
    f.price,
    f.commission,
  ];
  // The day trades: 14 orders (7 round trips) with the example's defaults (fast 10, slow 30).
  expect(result.orders.length).toBeGreaterThanOrEqual(10);
  expect(summary.orders.map(order)).toEqual(result.orders.map(order));
  expect(summary.fills.map(fill)).toEqual(result.fills.map(fill));
}, 120_000);
