/**
 * The alpaca broker type through the SDK on the embedded default (which hosts gateway-alpaca): an alpaca-sim added
 * with `addBroker(name, 'alpaca', …)`, orders routed to it by name, and the OMS's reading of Alpaca's words: a DAY
 * order still working at the close is `expired` in the ledger, not `cancelled`.
 */
import { type AddressInfo, createServer } from 'node:net';
import {
  DEFAULT_CREDENTIALS,
  type ManualClock,
  manualClock,
  type RunningAlpacaSim,
  startAlpacaSim,
} from '@trading-system/alpaca-sim';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { TradingSystem } from '../src/index.js';

/** A Wednesday, 11:00 New York: the sim's stocks trade. */
const SESSION_START = Date.parse('2024-03-13T15:00:00Z');
const BROKER = 'alpaca1';
let ts: TradingSystem;
let sim: RunningAlpacaSim;
let clock: ManualClock;
let stopClock: () => void = () => undefined;

beforeAll(async () => {
  // The gateway runs in this process and reads the keys the settings name from its environment.
  process.env.SDK_TEST_ALPACA_KEY = DEFAULT_CREDENTIALS.keyId;
  process.env.SDK_TEST_ALPACA_SECRET = DEFAULT_CREDENTIALS.secretKey;
  clock = manualClock(SESSION_START);
  // Wall speed, so the sim behaves live; endSession-like jumps set it forward.
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, 10);
  stopClock = () => clearInterval(timer);
  sim = await startAlpacaSim({ port: 0, clock, tickMs: 100 });
  ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  await ts.addBroker(BROKER, 'alpaca', {
    tradingUrl: sim.baseUrl,
    dataUrl: sim.baseUrl,
    keyIdEnv: 'SDK_TEST_ALPACA_KEY',
    secretKeyEnv: 'SDK_TEST_ALPACA_SECRET',
  });
}, 90_000);
afterAll(async () => {
  await ts?.shutdown();
  await sim?.stop();
  stopClock();
}, 30_000);

const awayLimit = (symbol: string): string => (Math.floor(sim.control.quote(symbol).ask * 50) / 100).toFixed(2);

test('the embedded system lists the alpaca broker on its gateway: its URL as endpoint, details of its type', async () => {
  const listed = await ts.listBrokers('alpaca');
  expect(listed.find((b) => b.name === BROKER)).toMatchObject({
    state: 'connected',
    paper: true,
    endpoint: sim.baseUrl.replace(/\/$/, ''),
    details: { type: 'alpaca', feed: 'iex' },
  });
});

test("nothing at the trading URL: BROKER_UNREACHABLE in gateway-alpaca's words (check the URL, alpaca-sim), nothing added", async () => {
  const closed = await closedPort();
  const url = `http://127.0.0.1:${closed}`;
  const err = await ts
    .addBroker('alpaca_nowhere', 'alpaca', {
      tradingUrl: url,
      dataUrl: url,
      keyIdEnv: 'SDK_TEST_ALPACA_KEY',
      secretKeyEnv: 'SDK_TEST_ALPACA_SECRET',
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toMatchObject({ code: 'BROKER_UNREACHABLE' });
  const message = (err as Error).message;
  expect(message).toContain(`nothing accepts connections at ${url} (`);
  expect(message).toMatch(/Check the trading URL .*alpaca-sim/);
  expect(message).not.toMatch(/TWS|IB Gateway/);
  expect((await ts.listBrokers('alpaca')).map((b) => b.name)).not.toContain('alpaca_nowhere');
});

/** A port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

test('a DAY order working at the close is expired in the OMS (Alpaca says expired, not canceled)', async () => {
  const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 5, awayLimit('AAPL'), { broker: BROKER, tif: 'DAY' });
  await vi.waitFor(async () => expect((await ts.getOrderStatus(r.orderId)).status).toBe('submitted'), {
    timeout: 15_000,
    interval: 100,
  });
  clock.set(sim.control.sessionClose() + 1_000);
  sim.control.step();
  await vi.waitFor(async () => expect((await ts.getOrderStatus(r.orderId)).status).toBe('expired'), {
    timeout: 15_000,
    interval: 100,
  });
});

test('crypto through the OMS: a fractional GTC market order on BTC/USD fills; the position is listed as CRYPTO', async () => {
  const r = await ts.submitMarketOrder({ symbol: 'BTC/USD', secType: 'CRYPTO' }, undefined, 'BUY', '0.015', {
    broker: BROKER,
    tif: 'GTC',
  });
  await vi.waitFor(async () => expect((await ts.getOrderStatus(r.orderId)).status).toBe('filled'), {
    timeout: 15_000,
    interval: 100,
  });
  const held = await ts.getPositions({ broker: BROKER, value: false });
  expect(held.find((p) => p.symbol === 'BTC/USD')).toMatchObject({ secType: 'CRYPTO', quantity: '0.015' });
  // Alpaca's crypto rules reach the caller before the order does: DAY is not a crypto time in force.
  await expect(
    ts.submitMarketOrder({ symbol: 'BTC/USD', secType: 'CRYPTO' }, undefined, 'BUY', '0.015', {
      broker: BROKER,
      tif: 'DAY',
    }),
  ).rejects.toThrow(/GTC or IOC/);
});
