/**
 * A strategy live through the whole embedded system (OMS, gateway-ib, market-data) against a real ib-sim over its
 * socket. The sim's clock starts inside a regular session (2024-03-13 11:00 New York), so the test passes at any
 * hour; bars are 2-second ones (and a custom 4-second timeframe) of this process's clock, as a live run builds them. The strategy exercises what the live
 * context offers: every order type, GTC and DAY, modify and cancel, a denial by the per-strategy risk limit its
 * tag selects, a timer, a custom timeframe, and a closing order from onStop.
 */
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { TradingSystem } from '@trading-system/sdk';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LiveRun } from '../src/live/index.js';
import type { Bar, Fill, OrderUpdate, Strategy, StrategyContext } from '../src/types.js';

const BROKER = 'live';
const TAG = 'live-exerciser';
let ts: TradingSystem;
let sim: RunningSim;
let added = false;

beforeAll(async () => {
  sim = await startSim({ port: 0, clock: scaledClock(Date.parse('2024-03-13T15:00:00Z'), 1) });
  ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  await ts.addBroker(BROKER, 'ib', { host: '127.0.0.1', port: sim.port, clientId: 41 });
  added = true;
  await ts.setRiskLimits({ maxOrderQuantity: 20 }, { strategy: TAG });
}, 60_000);

afterAll(async () => {
  if (added) await ts.removeBroker(BROKER);
  await ts?.shutdown();
  await sim?.stop();
}, 30_000);

/** Records what it sees and resolves `done` once every path it takes has been answered. */
class Exerciser implements Strategy {
  readonly name = TAG;
  readonly params = { quantity: 10 };
  readonly timeframes = ['2s', '4s'];
  readonly bars: Bar[] = [];
  readonly updates: OrderUpdate[] = [];
  readonly fills: Fill[] = [];
  timerFired = 0;
  ids: Record<string, string> = {};
  modifiedTo: number | undefined;
  stopSellId: string | undefined;
  readonly done: Promise<void>;
  private finish: () => void = () => undefined;

  constructor() {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  onStart(ctx: StrategyContext): void {
    expect(ctx.mode).toBe('paper');
    expect(ctx.tickSize()).toBe(0.01);
    ctx.setTimer('heartbeat', 200, { repeat: true });
  }

  onTimer(_name: string): void {
    this.timerFired++;
    this.check();
  }

  onBar(bar: Bar, ctx: StrategyContext): void {
    this.bars.push(bar);
    if (bar.timeframe !== '2s' || this.ids.market !== undefined) return;
    const quantity = Number(ctx.params.quantity);
    this.ids.market = ctx.buy(bar.symbol, quantity);
    this.ids.limit = ctx.buy(bar.symbol, 5, { type: 'LMT', limitPrice: ctx.roundToTick(bar.close * 0.8), tif: 'GTC' });
    this.ids.stopLimit = ctx.sell(bar.symbol, 5, {
      type: 'STP LMT',
      stopPrice: ctx.roundToTick(bar.close * 0.5),
      limitPrice: ctx.roundToTick(bar.close * 0.49),
    });
    this.ids.stop = ctx.sell(bar.symbol, 5, { type: 'STP', stopPrice: ctx.roundToTick(bar.close * 0.5), tif: 'GTC' });
    this.ids.tooBig = ctx.buy(bar.symbol, 50);
    expect(ctx.openOrders(bar.symbol).map((o) => o.id)).toContain(this.ids.market);
  }

  onOrderUpdate(u: OrderUpdate, ctx: StrategyContext): void {
    this.updates.push(u);
    const o = u.order;
    if (o.id === this.ids.limit && o.status === 'submitted' && this.modifiedTo === undefined) {
      this.modifiedTo = ctx.roundToTick((o.limitPrice as number) - 0.5);
      ctx.modify(o.id, { limitPrice: this.modifiedTo });
    } else if (o.id === this.ids.limit && o.limitPrice === this.modifiedTo && o.status === 'submitted')
      ctx.cancel(o.id);
    this.check();
  }

  onFill(fill: Fill): void {
    this.fills.push(fill);
    this.check();
  }

  onStop(ctx: StrategyContext): void {
    const held = ctx.position();
    if (held > 0) this.stopSellId = ctx.sell(ctx.symbols[0] as string, held);
  }

  private status(key: string): string | undefined {
    return [...this.updates].reverse().find((u) => u.order.id === this.ids[key])?.order.status;
  }

  private check(): void {
    if (
      this.status('market') === 'filled' &&
      this.status('limit') === 'cancelled' &&
      this.status('tooBig') === 'denied' &&
      this.status('stopLimit') === 'submitted' &&
      this.status('stop') === 'submitted' &&
      this.bars.some((b) => b.timeframe === '4s') &&
      this.timerFired > 0
    )
      this.finish();
  }
}

test('a strategy runs live through the SDK: order types, modify, cancel, risk denial by its tag, timers, bars, onStop', async () => {
  const strategy = new Exerciser();
  const run = await LiveRun.start({
    ts,
    strategy,
    broker: BROKER,
    instruments: ['AAPL'],
    timeframe: '2s',
    log: 'silent',
  });
  const failed = run.failed.then((err) => {
    throw err;
  });
  await Promise.race([strategy.done, failed]);
  const summary = await run.stop();

  expect(summary.failure).toBeUndefined();
  expect(summary.strategyId).toBe(TAG);
  const byId = new Map(summary.orders.map((o) => [o.id, o]));
  const id = (key: string): string => String(strategy.ids[key]);
  const [market, limit, stopLimit, stop, tooBig] = [
    id('market'),
    id('limit'),
    id('stopLimit'),
    id('stop'),
    id('tooBig'),
  ];
  expect(byId.get(market)).toMatchObject({ status: 'filled', filledQuantity: 10, type: 'MKT', side: 'BUY' });
  expect(byId.get(limit)).toMatchObject({ status: 'cancelled', limitPrice: strategy.modifiedTo, tif: 'GTC' });
  // Working when the run stopped: cancelled by stop().
  expect(byId.get(stopLimit)).toMatchObject({ status: 'cancelled', type: 'STP LMT', tif: 'DAY' });
  expect(byId.get(stop)).toMatchObject({ status: 'cancelled', type: 'STP', tif: 'GTC' });
  expect(byId.get(tooBig)?.status).toBe('denied');
  expect(byId.get(tooBig)?.reason).toMatch(/RISK_MAX_QUANTITY|quantity/i);
  // onStop's closing sell was left to fill: the run ends flat.
  expect(strategy.stopSellId).toBeDefined();
  expect(byId.get(strategy.stopSellId as string)).toMatchObject({ status: 'filled', filledQuantity: 10, side: 'SELL' });
  expect(summary.positions).toEqual([]);
  expect(summary.fills.map((f) => [f.side, f.quantity])).toEqual([
    ['BUY', 10],
    ['SELL', 10],
  ]);
  expect(summary.commissionsPending).toBe(0);
  expect(summary.commissions).toBeGreaterThan(0);
  expect(summary.fills.every((f) => f.commission !== undefined && f.commission > 0)).toBe(true);

  // Every order reached the OMS tagged with the strategy (the tag the risk limit above keyed on).
  const tagged = await ts.getAllOrders({ broker: BROKER, strategy: TAG, status: 'all' });
  expect(new Set(tagged.map((o) => o.orderId))).toEqual(new Set(summary.orders.map((o) => o.id)));

  // Bars of the run's clock: 2s and the custom 4s, aligned, each 4s bar after the 2s bar that completed it.
  for (const b of strategy.bars) {
    const span = b.timeframe === '2s' ? 2_000 : 4_000;
    expect(b.endTime - b.time).toBe(span);
    expect(b.time % span).toBe(0);
    expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
    expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
    expect(b.time).toBeGreaterThanOrEqual(summary.startedAt - span);
  }
  const first2m = strategy.bars.findIndex((b) => b.timeframe === '4s');
  expect(strategy.bars[first2m - 1]?.endTime).toBe(strategy.bars[first2m]?.endTime);
}, 60_000);
