/**
 * The paper broker type through the SDK on the embedded default: `addBroker(name, 'paper', { quotesFrom })` adds a
 * paper broker next to the IB ones, and an order routed to it by name is filled by the exchange core at its quote
 * source's prices, with the position and account reported per broker.
 */
import type { RunningSim } from '@trading-system/ib-sim';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { TradingSystem } from '../src/index.js';
import { startSessionSim } from './scenarios.js';

const LIVE = 'live';
let ts: TradingSystem;
let liveSim: RunningSim;

beforeAll(async () => {
  ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  // A sim inside a regular session (the built-in sim follows the wall clock: no quotes outside trading hours).
  liveSim = await startSessionSim();
  await ts.addBroker(LIVE, 'ib', { host: '127.0.0.1', port: liveSim.port, clientId: 11 });
}, 60_000);
afterAll(async () => {
  await ts?.shutdown();
  await liveSim?.stop();
}, 30_000);

test("addBroker('paper1', 'paper', { quotesFrom: 'sim' }): a paper broker next to sim", async () => {
  const info = await ts.addBroker('paper1', 'paper', { quotesFrom: 'sim' });
  expect(info).toMatchObject({ name: 'paper1', gatewayType: 'paper', paper: true, state: 'connected' });
  expect((await ts.listBrokers('paper')).map((b) => b.name)).toContain('paper1');
  await expect(ts.addBroker('paper1', 'paper', { quotesFrom: 'sim' })).rejects.toThrow(/already exists/);
  await ts.removeBroker('paper1', 'paper');
  expect((await ts.listBrokers('paper')).map((b) => b.name)).not.toContain('paper1');
}, 30_000);

test('an order routed to a paper broker fills at its quote source prices; positions and cash per broker', async () => {
  // The session sim's market runs on its own clock (March 2024): the paper market matches whenever it quotes.
  await ts.addBroker('paper2', 'paper', { quotesFrom: LIVE, marketHours: 'always' });
  const before = await ts.getAccountInfo({ broker: 'paper2' });
  const r = await ts.submitMarketOrder('AAPL', 'SMART', 'BUY', 10, { broker: 'paper2' });
  expect(r.order).toMatchObject({ broker: 'paper2', side: 'BUY' });
  await vi.waitFor(async () => expect((await ts.getOrderStatus(r.orderId)).status).toBe('filled'), {
    timeout: 15_000,
    interval: 200,
  });
  const held = await ts.getPositions({ broker: 'paper2', value: false });
  expect(held.find((p) => p.symbol === 'AAPL')?.quantity).toBe('10');
  const after = await ts.getAccountInfo({ broker: 'paper2' });
  expect(Number(after.totalCashValue)).toBeLessThan(Number(before.totalCashValue));
  // The IB brokers are untouched by the paper fill.
  const live = await ts.getPositions({ broker: LIVE, value: false });
  expect(live.find((p) => p.symbol === 'AAPL')).toBeUndefined();
  // Across brokers: every gateway's brokers, the paper one included.
  const all = await ts.getPositions({ value: false });
  expect(all.unavailable).toEqual([]);
  expect(all.filter((p) => p.symbol === 'AAPL').map((p) => [p.broker, p.quantity])).toEqual([['paper2', '10']]);
  const accounts = await ts.getAccountInfo();
  expect(accounts.map((a) => a.broker).sort()).toEqual(expect.arrayContaining(['live', 'paper2', 'sim']));
}, 60_000);
