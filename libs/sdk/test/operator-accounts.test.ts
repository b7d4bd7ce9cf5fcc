/**
 * The SDK's operator calls and views across brokers, on the embedded default (memory bus, PGlite, ib-sim over a
 * socket): cancelAll, trading state, risk limits, positions and account values of every broker with price, value
 * and PnL, history exported for a date range, and an unknown contract answered without a logged stack.
 * A second ib-sim (`sim2`) runs on a clock inside a regular session (2024-03-13 15:00Z), so a marketable order
 * fills at any hour of the real day.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { NotFoundError, OrderDeniedError, type Quote, TradingSystem } from '../src/index.js';
import { eventually } from './scenarios.js';

let ts: TradingSystem;
let sim2: RunningSim;
const stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  // Warnings and errors of every service of the embedded system, as a user's terminal shows them.
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stderr.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  ts = await TradingSystem.open({ env: {}, logLevel: 'warn', embedded: { simPort: 0 } });
  sim2 = await startSim({ port: 0, clock: scaledClock(Date.parse('2024-03-13T15:00:00Z'), 1) });
  await ts.addBroker('sim2', 'ib', { host: '127.0.0.1', port: sim2.port, clientId: 5 });
}, 60_000);

afterAll(async () => {
  await ts?.shutdown();
  await sim2?.stop();
  process.stderr.write = write;
}, 30_000);

test('positions and account values of every broker when none is named, with market price, value and PnL', async () => {
  const quote = await new Promise<Quote>((resolve, reject) => {
    const off = ts.subscribeMarketData('AAPL', 'SMART', (q) => q.ask !== undefined && resolve(q), { broker: 'sim2' });
    off.catch(reject);
    void off.then((s) => setTimeout(() => void s.unsubscribe(), 5_000));
  });
  const limit = (Math.ceil((quote.ask ?? 0) * 101) / 100).toFixed(2);
  const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 3, limit, { broker: 'sim2' });
  const filled = await eventually(
    () => ts.getOrderStatus(r.orderId),
    (o) => o.status === 'filled',
    20_000,
  );
  expect(filled.status).toBe('filled');

  const positions = await eventually(
    () => ts.getPositions(),
    (ps) => ps.some((p) => p.broker === 'sim2' && p.symbol === 'AAPL' && p.quantity === '3'),
    10_000,
  );
  expect(positions.unavailable).toEqual([]);
  const aapl = positions.find((p) => p.broker === 'sim2' && p.symbol === 'AAPL');
  expect(aapl).toMatchObject({ quantity: '3', marketPrice: expect.stringMatching(/^\d+(\.\d+)?$/) });
  // value = qty × price; unrealized PnL = value − qty × avgCost (exact decimals, cents).
  const price = Number(aapl?.marketPrice);
  expect(Number(aapl?.marketValue)).toBeCloseTo(3 * price, 2);
  expect(Number(aapl?.unrealizedPnl)).toBeCloseTo(3 * price - 3 * Number(aapl?.avgCost), 2);
  // One broker named: only its positions.
  expect((await ts.getPositions({ broker: 'sim' })).every((p) => p.broker === 'sim')).toBe(true);

  const accounts = await ts.getAccountInfo();
  expect(accounts.map((a) => a.broker).sort()).toEqual(['sim', 'sim2']);
  expect(accounts.unavailable).toEqual([]);
  expect((await ts.getAccountInfo({ broker: 'sim2' })).broker).toBe('sim2');
}, 60_000);

test('cancelAll cancels every open order of a broker and says which', async () => {
  const a = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '150', { tif: 'GTC' });
  const b = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 2, '151', { tif: 'GTC' });
  const ids = await ts.cancelAll({ broker: 'sim' });
  expect(ids).toEqual(expect.arrayContaining([a.orderId, b.orderId]));
  for (const id of [a.orderId, b.orderId])
    expect(
      (
        await eventually(
          () => ts.getOrderStatus(id),
          (o) => o.status === 'cancelled',
          10_000,
        )
      ).status,
    ).toBe('cancelled');
  expect(await ts.cancelAll({ broker: 'sim' })).toEqual([]);
}, 30_000);

test('trading state: halted and reducing-only refuse new orders with their codes, active trades again', async () => {
  try {
    const halted = await ts.setTradingState('halted', { reason: 'drill' });
    expect(halted).toMatchObject({ mode: 'halted', reason: 'drill' });
    expect((await ts.getTradingState()).mode).toBe('halted');
    await expect(ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '150')).rejects.toMatchObject({
      name: 'OrderDeniedError',
      code: 'TRADING_HALTED',
    });
    await ts.setTradingState('reducingOnly', { reason: 'drill' });
    const denied = await ts.submitLimitOrder('MSFT', 'SMART', 'BUY', 1, '100').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OrderDeniedError);
    expect(denied).toMatchObject({ code: 'TRADING_REDUCING_ONLY' });
  } finally {
    await ts.setTradingState('active', { reason: 'drill over' });
  }
  const ok = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '150');
  expect(['accepted', 'pendingSubmit', 'submitted']).toContain(ok.status);
  await ts.cancelOrder(ok.orderId);
}, 30_000);

test('risk limits of a strategy: read, set (numbers accepted), enforced', async () => {
  const strategy = `capped-${Date.now()}`;
  const set = await ts.setRiskLimits({ maxOrderQuantity: 5, maxOpenOrders: 3 }, { strategy });
  expect(set).toMatchObject({ maxOrderQuantity: '5', maxOpenOrders: 3 });
  expect(await ts.getRiskLimits({ strategy })).toMatchObject({ maxOrderQuantity: '5', maxOpenOrders: 3 });
  expect((await ts.getRiskLimits()).maxOrderQuantity).toBeDefined(); // the shipped default set
  await expect(ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 6, '150', { strategy })).rejects.toMatchObject({
    code: 'RISK_MAX_QUANTITY',
  });
}, 30_000);

test('exportHistoricalData takes a start and end date instead of a duration', async () => {
  const end = new Date(Date.now() - 24 * 3_600_000);
  const start = new Date(end.getTime() - 7 * 24 * 3_600_000).toISOString().slice(0, 10); // 'YYYY-MM-DD'
  const file = join(tmpdir(), `sdk-range-${process.pid}.csv`);
  try {
    const r = await ts.exportHistoricalData('AAPL', 'SMART', { start, end }, '1 hour', file);
    expect(r.rows).toBeGreaterThan(0);
    const lines = (await readFile(file, 'utf8')).trimEnd().split(/\r?\n/);
    const col = lines[0]?.split(',').indexOf('tsStartMs') ?? -1;
    const starts = lines.slice(1).map((l) => Number(l.split(',')[col]));
    expect(starts.length).toBe(r.rows);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(Date.parse(start));
    expect(Math.max(...starts)).toBeLessThan(end.getTime());
  } finally {
    await rm(file, { force: true });
  }
  await expect(ts.getHistoricalData('AAPL', 'SMART', { start: 'yesterday' }, '1 hour')).rejects.toThrow(
    /start 'yesterday' is not a date/,
  );
}, 60_000);

test('an unknown contract is a NotFoundError, and no service logs a warning with a stack for it', async () => {
  const from = stderr.length;
  const err = await ts.getHistoricalData('NOSUCHSYM', 'SMART', '1 D', '1 hour').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect(err).toMatchObject({ code: 'CONTRACT_UNKNOWN' });
  expect(stderr.slice(from).filter((l) => /NOSUCHSYM/.test(l))).toEqual([]);
}, 30_000);
