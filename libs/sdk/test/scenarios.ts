/**
 * The SDK scenarios, run against both ways of deploying the system (embedded default, and NATS + Postgres with the
 * services started in-process). Each file gives `system()` its own TradingSystem, with two brokers: the default
 * one (ib-sim on the wall clock, as a user gets it) and `live`, an ib-sim on a clock inside a regular session
 * (startSessionSim), for what needs quote ticks or fills: the wall-clock sim sends neither outside trading hours,
 * and CI runs at any hour.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoFromDay, localDay, sessionOnDay, tradingDaysBackStart } from '@trading-system/contracts';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { poll } from '@trading-system/testkit';
import { expect, test } from 'vitest';
import {
  ClosedError,
  NotFoundError,
  type Order,
  OrderDeniedError,
  type OrderEvent,
  type Quote,
  type TradingSystem,
  TradingSystemError,
  ValidationError,
} from '../src/index.js';

/** Resolves when `predicate` holds for a value pushed by `watch`, rejects after `timeoutMs`. */
export function waitFor<T>(
  watch: (push: (v: T) => void) => () => void,
  predicate: (v: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    let stop: () => void = () => undefined;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen).slice(0, 2000)}`));
    }, timeoutMs);
    stop = watch((v) => {
      seen.push(v);
      if (predicate(v)) {
        clearTimeout(timer);
        stop();
        resolve(v);
      }
    });
  });
}

/** Polls a read (history's read model is eventually consistent with the order stream) until `ok` holds for it. */
export function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  let last: T | undefined;
  return poll(
    'a read that passes the check',
    async () => {
      last = await read();
      return ok(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 100, detail: () => `last read: ${JSON.stringify(last)?.slice(0, 2000)}` },
  );
}

/**
 * An ib-sim whose clock starts inside a regular US session (Wednesday 2024-03-13 11:00 New York, five hours before
 * the close) and runs at wall speed: it streams quotes and fills marketable orders whatever the hour of the real
 * day. The caller adds it as a broker (`addBroker`) and stops it.
 */
export function startSessionSim(): Promise<RunningSim> {
  return startSim({ port: 0, clock: scaledClock(Date.parse('2024-03-13T15:00:00Z'), 1) });
}

/** The first quote of `symbol` from `broker` that satisfies `ok`; the subscription ends before it returns. */
export async function quoteFrom(
  ts: TradingSystem,
  symbol: string,
  broker: string,
  ok: (q: Quote) => boolean,
  timeoutMs = 15_000,
): Promise<Quote> {
  let timer: NodeJS.Timeout | undefined;
  let resolve: (q: Quote) => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const quote = new Promise<Quote>((res, rej) => {
    resolve = res;
    reject = rej;
    timer = setTimeout(() => rej(new Error(`no ${symbol} quote from ${broker} in ${timeoutMs} ms`)), timeoutMs);
  });
  let sub: Awaited<ReturnType<TradingSystem['subscribeMarketData']>> | undefined;
  try {
    sub = await ts.subscribeMarketData(
      symbol,
      'SMART',
      (q) => {
        if (ok(q)) resolve(q);
      },
      { broker, onError: reject },
    );
    return await quote;
  } finally {
    clearTimeout(timer);
    await sub?.unsubscribe();
  }
}

const NEW_YORK = 'America/New_York';
const HOUR_MS = 3_600_000;

/**
 * The 1-hour RTH bars of AAPL a "5 D" request ending at `nowMs` holds, per trade day (day number), from the
 * trading calendar: the sessions of the span (tradingDaysBackStart: the end's trade date and the four trading days
 * before it, holidays skipped), each cut on the hour grid and clipped to its regular hours — 09:30-10:00 first,
 * 7 bars a full day, 4 on a 13:00 early close. `done` bars have ended by nowMs; `forming` is 1 when a bar is in
 * progress (IB includes it; the history cache serves completed bars only, so either count is right).
 */
function hourlyBarsByDay(nowMs: number): Map<number, { done: number; forming: number }> {
  const out = new Map<number, { done: number; forming: number }>();
  const start = tradingDaysBackStart('NASDAQ', nowMs, 5);
  for (let day = localDay(NEW_YORK, start); day <= localDay(NEW_YORK, nowMs); day++) {
    const session = sessionOnDay('NASDAQ', day);
    if (session === undefined) continue;
    const { openMs, closeMs } = session.regular;
    let done = 0;
    let forming = 0;
    // New York is a whole number of hours off UTC, so its hour grid is the UTC one.
    for (let a = openMs; a < closeMs && a < nowMs; a = Math.floor(a / HOUR_MS) * HOUR_MS + HOUR_MS) {
      const end = Math.min(closeMs, Math.floor(a / HOUR_MS) * HOUR_MS + HOUR_MS);
      if (end <= nowMs) done += 1;
      else forming = 1;
    }
    if (done + forming > 0) out.set(day, { done, forming });
  }
  return out;
}

export function sdkScenarios(system: () => TradingSystem, broker: () => string, live: () => string): void {
  test('the default broker is connected', async () => {
    const brokers = await system().listBrokers();
    expect(brokers.find((b) => b.name === broker())?.state).toBe('connected');
  });

  test('5 D of 1-hour AAPL bars: numbers for analysis, exact strings kept, hourly over the last five days', async () => {
    const before = Date.now();
    const bars = await system().getHistoricalData('AAPL', 'SMART', '5 D', '1 hour', {
      whatToShow: 'TRADES',
      useRTH: true,
    });
    const after = Date.now();
    expect(bars.partial).toBe(false);
    expect(bars.instrument?.symbol).toBe('AAPL');
    // "5 D" = five trading days as at IB: today (once its session has opened) and the four sessions before it,
    // holidays skipped (the trading calendar).
    const barDays = bars.map((b) => localDay(NEW_YORK, b.time.getTime()));
    const days = new Set(barDays);
    expect(days.size).toBeGreaterThanOrEqual(4);
    expect(days.size).toBeLessThanOrEqual(5);
    // Every day holds the bars its session has, from the calendar (a half day has 4): as expected when the request
    // began or when it ended, should a bar or the span have moved on meanwhile.
    const perDay = new Map<number, number>();
    for (const day of barDays) perDay.set(day, (perDay.get(day) ?? 0) + 1);
    const [atStart, atEnd] = [hourlyBarsByDay(before), hourlyBarsByDay(after)];
    const none = { done: 0, forming: 0 };
    for (const day of new Set([...atStart.keys(), ...atEnd.keys(), ...perDay.keys()])) {
      const [s, e] = [atStart.get(day) ?? none, atEnd.get(day) ?? none];
      const n = perDay.get(day) ?? 0;
      expect(n, `bars on ${isoFromDay(day)}`).toBeGreaterThanOrEqual(Math.min(s.done, e.done));
      expect(n, `bars on ${isoFromDay(day)}`).toBeLessThanOrEqual(Math.max(s.done + s.forming, e.done + e.forming));
    }
    expect(bars[0]?.time.getTime()).toBeGreaterThanOrEqual(tradingDaysBackStart('NASDAQ', before, 5));
    expect(bars.every((b) => b.exact.tsEndMs - b.exact.tsStartMs <= 3_600_000)).toBe(true);
    for (const b of bars) {
      expect(b.time).toBeInstanceOf(Date);
      expect(b.close).toBe(Number(b.exact.close));
      expect(b.high).toBeGreaterThanOrEqual(b.low);
    }
    const times = bars.map((b) => b.time.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test('the same bars as columns: one typed array per field, the numbers the array form has', async () => {
    // Ending two hours back: the hour holding the end is complete before either call, so both see the same bars.
    const opts = { whatToShow: 'TRADES', useRTH: true, end: new Date(Date.now() - 7_200_000) } as const;
    const bars = await system().getHistoricalData('AAPL', 'SMART', '2 D', '1 hour', opts);
    const cols = await system().getHistoricalColumns('AAPL', 'SMART', '2 D', '1 hour', opts);
    expect(cols.partial).toBe(false);
    expect(cols.instrument?.symbol).toBe('AAPL');
    expect(cols.timeframe).toBe(bars.timeframe);
    expect(cols.length).toBeGreaterThan(0);
    expect(cols.length).toBe(bars.length);
    expect(cols.close).toBeInstanceOf(Float64Array);
    for (const [k, b] of bars.entries()) {
      expect(cols.tsStartMs[k]).toBe(b.time.getTime());
      expect([cols.open[k], cols.high[k], cols.low[k], cols.close[k]]).toEqual([b.open, b.high, b.low, b.close]);
      expect(cols.volume[k]).toBe(b.volume);
    }
  });

  test('historical data exported to CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sdk-'));
    try {
      const file = join(dir, 'aapl.csv');
      const r = await system().exportHistoricalData('AAPL', 'SMART', '2 D', '1 hour', file);
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(r.rows).toBeGreaterThan(0);
      expect(lines.length).toBe(r.rows + 1);
      expect(lines[0]?.toLowerCase()).toContain('close');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('live quotes by callback and by async iterator; unsubscribe ends them', async () => {
    let sub: Awaited<ReturnType<TradingSystem['subscribeMarketData']>> | undefined;
    const quote = await waitFor<Quote>(
      (push) => {
        void system()
          .subscribeMarketData('AAPL', 'SMART', push, { broker: live() })
          .then((s) => {
            sub = s;
          });
        return () => undefined;
      },
      (q) => q.bid !== undefined || q.last !== undefined,
      15_000,
      'a quote',
    );
    expect(quote.instrumentId).toBe(sub?.instrument.id);
    expect(quote.time).toBeInstanceOf(Date);
    await sub?.unsubscribe();
    for await (const q of system().marketData('AAPL', 'SMART', { broker: live() })) {
      expect(q.symbol).toBe('AAPL');
      break;
    }
  });

  test('a limit order: id and status at once, updates as events, modify, cancel, listed and in history', async () => {
    const ts = system();
    const events: OrderEvent[] = [];
    const listeners = new Set<(e: OrderEvent) => void>();
    const off = ts.onOrderUpdate(
      (e) => {
        events.push(e);
        for (const l of listeners) l(e);
      },
      { broker: broker() },
    );
    const watch = (push: (e: OrderEvent) => void) => {
      for (const e of events) push(e);
      listeners.add(push);
      return () => listeners.delete(push);
    };
    // The views onOrderView folds from the events: one subscription from the start, one from mid-life (completed
    // from orders.get); both must end where getOrderStatus does.
    const views = new Map<string, Order>();
    const offViews = ts.onOrderView((o) => views.set(o.orderId, o), { broker: broker() });
    const lateViews = new Map<string, Order>();
    let offLate: (() => void) | undefined;
    try {
      const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 5, 1.0, { tif: 'GTC', strategy: 'sdk-test' });
      expect(['accepted', 'pendingSubmit', 'submitted']).toContain(r.status);
      expect(r.order.limitPrice).toBe('1');
      const id = r.orderId;
      await waitFor(
        watch,
        (e) => e.clientOrderId === id && e.kind === 'statusChanged' && e.to === 'submitted',
        15_000,
        'submitted',
      );
      const status = await ts.getOrderStatus(id);
      expect(status.status).toBe('submitted');
      expect(status.strategy).toBe('sdk-test');

      offLate = ts.onOrderView((o) => lateViews.set(o.orderId, o), { broker: broker() });
      await ts.modifyOrder(id, { limitPrice: '1.01' });
      await waitFor(watch, (e) => e.clientOrderId === id && e.kind === 'modified', 15_000, 'modified');
      expect((await ts.getOrderStatus(id)).limitPrice).toBe('1.01');

      expect((await ts.getAllOrders({ broker: broker() })).map((o) => o.orderId)).toContain(id);
      await ts.cancelOrder(id);
      await waitFor(watch, (e) => e.clientOrderId === id && e.kind === 'cancelled', 15_000, 'cancelled');
      expect((await ts.getOrderStatus(id)).status).toBe('cancelled');
      const history = await eventually(
        () => ts.getOrderHistory({ orderId: id, broker: broker() }),
        (h) => h[0]?.status === 'cancelled',
        10_000,
      );
      expect(history.map((o) => [o.orderId, o.status])).toEqual([[id, 'cancelled']]);
      const final = await ts.getOrderStatus(id);
      await expect.poll(() => views.get(id)?.status, { timeout: 10_000 }).toBe('cancelled');
      expect(views.get(id)).toEqual(final);
      await expect.poll(() => lateViews.get(id)?.status, { timeout: 10_000 }).toBe('cancelled');
      expect(lateViews.get(id)).toEqual(final);
      // History folds the same events with the same fold: the same order.
      expect(history[0]).toEqual(final);
    } finally {
      off();
      offViews();
      offLate?.();
    }
  });

  test('a marketable order fills; the fill shows in trades and positions', async () => {
    const ts = system();
    const on = live();
    const filled = new Promise<OrderEvent>((resolve) => {
      const off = ts.onOrderUpdate(
        (e) => {
          if (e.kind === 'filled') {
            off();
            resolve(e);
          }
        },
        { broker: on },
      );
    });
    // A limit 1 % above the live broker's ask is marketable: its sim is inside a regular session, so it fills.
    const quote = await quoteFrom(ts, 'AAPL', on, (q) => q.ask !== undefined);
    const limit = (Math.ceil((quote.ask ?? 0) * 101) / 100).toFixed(2);
    expect(Number(limit)).toBeGreaterThan(0);
    const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 3, limit, { broker: on, tif: 'GTC' });
    expect(r.order.broker).toBe(on);
    const fill = await Promise.race([
      filled,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no fill in 20 s')), 20_000)),
    ]);
    expect(fill.clientOrderId).toBe(r.orderId);
    const trades = await eventually(
      () => ts.getTradeHistory({ orderId: r.orderId, broker: on }),
      (t) => t.length > 0,
      10_000,
    );
    expect(trades[0]?.quantity).toBe(3);
    expect(trades[0]?.price).toBeGreaterThan(0);
    const positions = await eventually(
      () => ts.getPositions({ broker: on }),
      (p) => p.some((x) => x.symbol === 'AAPL' && Number(x.quantity) > 0),
      10_000,
    );
    expect(positions.some((x) => x.broker === on && x.symbol === 'AAPL' && Number(x.quantity) >= 3)).toBe(true);
    const account = await ts.getAccountInfo({ broker: on });
    expect(account.broker).toBe(on);
    expect(account.values.length).toBeGreaterThan(0);
  }, 45_000);

  test('an order our risk limits refuse is an OrderDeniedError: nothing sent, the order recorded as denied', async () => {
    const ts = system();
    const strategy = `capped-${Date.now()}`;
    await ts.bus.request(
      'orders.riskLimits',
      { v: 1, set: { maxOrderQuantity: '1' }, scope: { strategy } },
      { timeoutMs: 5_000 },
    );
    const err = await ts
      .submitLimitOrder('AAPL', 'SMART', 'BUY', 5, '1.00', { strategy, orderId: `${strategy}-1` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrderDeniedError);
    expect(err).toMatchObject({ code: 'RISK_MAX_QUANTITY' });
    expect((err as OrderDeniedError).hint).toMatch(/Split the order/);
    const status = await ts.getOrderStatus(`${strategy}-1`);
    expect(status.status).toBe('denied');
    // The reason stays on the order for anyone reading it later.
    expect(status.rejection).toMatchObject({ kind: 'denied', code: 'RISK_MAX_QUANTITY' });
    expect((err as OrderDeniedError).message).toContain(status.rejection?.message);
  });

  test('errors are typed, carry the registry code and say what to do next', async () => {
    const ts = system();
    const notOnTick = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '1.001').catch((e: unknown) => e);
    expect(notOnTick).toBeInstanceOf(TradingSystemError);
    expect(notOnTick).toMatchObject({ code: expect.stringMatching(/PRICE_NOT_ON_TICK|VALIDATION_FAILED/) });
    expect((notOnTick as TradingSystemError).hint.length).toBeGreaterThan(10);
    const missing = await ts.getOrderStatus('no-such-order').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: 'ORDER_NOT_FOUND', retryable: false });
    await expect(ts.submitMarketOrder('AAPL', 'SMART', 'HOLD' as 'BUY', 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(ts.submitMarketOrder('AAPL', 'SMART', 'BUY', Number.NaN)).rejects.toBeInstanceOf(ValidationError);
  });
}

export { ClosedError };
