/** The SDK on the embedded default: no NATS_URL, so open() starts the system in-process (memory bus, PGlite, ib-sim). */
import type { RunningSim } from '@trading-system/ib-sim';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClosedError, TradingSystem } from '../src/index.js';
import { sdkScenarios, startSessionSim } from './scenarios.js';

/** A broker whose sim is inside a regular session: quotes and fills at any hour (see startSessionSim). */
const LIVE = 'live';
let ts: TradingSystem;
let liveSim: RunningSim;
let liveAdded = false;

beforeAll(async () => {
  ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  liveSim = await startSessionSim();
  await ts.addBroker(LIVE, 'ib', { host: '127.0.0.1', port: liveSim.port, clientId: 11 });
  liveAdded = true;
}, 60_000);
afterAll(async () => {
  // Only when added: a failed start must still reach the stops below.
  if (liveAdded) await ts.removeBroker(LIVE);
  await ts?.shutdown();
  await liveSim?.stop();
}, 30_000);

describe('embedded default', () => {
  test('open() with no NATS_URL runs the system in this process, ib-sim as broker sim', () => {
    expect(ts.mode).toBe('embedded');
    expect(ts.defaultBroker).toBe('sim');
    expect(ts.describe().join('\n')).toMatch(/ib-sim .* on 127\.0\.0\.1:\d+/);
  });
  sdkScenarios(
    () => ts,
    () => 'sim',
    () => LIVE,
  );
});

test('a broker added at run time is connected when addBroker resolves and takes orders at once', async () => {
  const port = Number(/ib-sim .* on 127\.0\.0\.1:(\d+)/.exec(ts.describe().join('\n'))?.[1]);
  expect(port).toBeGreaterThan(0);
  const names = async () => (await ts.listBrokers()).map((b) => b.name).sort();
  const before = await names(); // the default broker and the file's live one
  expect(before).toEqual(['live', 'sim']);
  const info = await ts.addBroker('sim2', 'ib', { host: '127.0.0.1', port, clientId: 77 });
  try {
    expect(info).toMatchObject({ name: 'sim2', state: 'connected', paper: true });
    expect(info.accounts.length).toBeGreaterThan(0);
    const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '1.00', { broker: 'sim2' });
    expect(r.order).toMatchObject({ broker: 'sim2', side: 'BUY' });
    expect(['accepted', 'pendingSubmit', 'submitted']).toContain(r.status);
    expect((await ts.cancelOrder(r.orderId)).broker).toBe('sim2');
    expect(await names()).toEqual(['live', 'sim', 'sim2']);
  } finally {
    await ts.removeBroker('sim2');
  }
  expect(await names()).toEqual(before);
  // Nothing listens there: a clear error naming what to start, at once, and nothing is added.
  await expect(ts.addBroker('nowhere', 'ib', { host: '127.0.0.1', port: 1, clientId: 78 })).rejects.toThrow(
    /broker nowhere: nothing accepts connections at 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\. Start TWS or IB Gateway at 127\.0\.0\.1:1 /,
  );
  // A broker type the contract does not know: a typed error naming it and the known types (before: NO_RESPONDERS).
  await expect(ts.addBroker('other', 'nosuch', { host: '127.0.0.1', port: 1 })).rejects.toMatchObject({
    name: 'BrokerError',
    code: 'BROKER_TYPE_UNKNOWN',
    message: "addBroker other: unknown broker type 'nosuch'; known types: ib, paper, alpaca",
    details: { type: 'nosuch', known: ['ib', 'paper', 'alpaca'] },
  });
  expect(await names()).toEqual(before);
}, 60_000);

test('quotes keep coming past the lease lifetime: the SDK renews the lease', async () => {
  // On the live broker: the wall-clock sim sends no ticks outside trading hours. Arrival is measured by the wall
  // clock, since its quotes carry the sim's own time.
  const started = Date.now();
  let sub: Awaited<ReturnType<TradingSystem['subscribeMarketData']>> | undefined;
  try {
    const late = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no quote after the first lease lifetime')), 20_000);
      void ts
        .subscribeMarketData(
          'MSFT',
          'SMART',
          () => {
            // 5 s lease, renewed every 2.5 s: a quote 8 s later means the line is still open.
            const at = Date.now() - started;
            if (at > 8_000) {
              clearTimeout(timer);
              resolve(at);
            }
          },
          { broker: LIVE, leaseTtlMs: 5_000, onError: reject },
        )
        .then((s) => {
          sub = s;
        }, reject);
    });
    expect(late).toBeGreaterThan(8_000);
  } finally {
    await sub?.unsubscribe();
  }
}, 30_000);

test('a TradingSystem that was shut down refuses further calls', async () => {
  const other = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  // An async iterator waiting for quotes ends when the system shuts down, instead of hanging.
  let seen = 0;
  for await (const _ of other.marketData('AAPL', 'SMART')) {
    seen += 1;
    if (seen === 1) void other.shutdown();
  }
  expect(seen).toBeGreaterThanOrEqual(1);
  await other.shutdown();
  await expect(other.getAllOrders()).rejects.toBeInstanceOf(ClosedError);
  await other.shutdown();
}, 60_000);
