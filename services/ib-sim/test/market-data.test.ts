import { EventName, SecType, TickByTickDataType, WhatToShow } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { scaledClock } from '../src/clock.js';
import {
  connectClient,
  loose,
  nextEvent,
  startTestSim,
  type TestClient,
  TUESDAY_1100_ET,
  withTimeout,
} from './helpers.js';

const AAPL = { conId: 265598, exchange: 'SMART' };
const EURUSD = { symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' };

let sim: RunningSim;
let c: TestClient;
beforeAll(async () => {
  sim = await startTestSim({ maxMarketDataLines: 3 });
  c = await connectClient(sim.port, 1);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

/** Collects (event, args) for a ticker id until `until` holds or the timeout passes. */
function collect(
  client: TestClient,
  tickerId: number,
  until: (ticks: Array<[string, unknown[]]>) => boolean,
  ms = 5_000,
) {
  const ticks: Array<[string, unknown[]]> = [];
  const events = [
    EventName.tickPrice,
    EventName.tickSize,
    EventName.tickString,
    EventName.tickGeneric,
    EventName.tickSnapshotEnd,
    EventName.marketDataType,
    EventName.tickReqParams,
  ];
  const listeners = events.map((event) => {
    const l = (...args: unknown[]): void => {
      if (args[0] === tickerId) ticks.push([event, args]);
    };
    loose(client.ib).on(event, l);
    return [event, l] as const;
  });
  return withTimeout(
    new Promise<Array<[string, unknown[]]>>((resolve) => {
      const timer = setInterval(() => {
        if (until(ticks)) {
          clearInterval(timer);
          for (const [event, l] of listeners) loose(client.ib).off(event, l);
          resolve(ticks);
        }
      }, 5);
    }),
    ms,
    `ticks for ${tickerId}`,
  );
}

const priceTypes = (ticks: Array<[string, unknown[]]>): number[] =>
  ticks.filter(([e]) => e === EventName.tickPrice).map(([, a]) => a[1] as number);

describe('reqMktData', () => {
  test('streaming AAPL: tickReqParams, market data type 1, book and trades, then updates at TWS cadence', async () => {
    const got = collect(c, 1, (t) => priceTypes(t).filter((p) => p === 4).length >= 3);
    c.ib.reqMktData(1, AAPL, '', false, false);
    const ticks = await got;
    expect(ticks[0]?.[0]).toBe(EventName.tickReqParams);
    expect(ticks.find(([e]) => e === EventName.marketDataType)?.[1][1]).toBe(1);
    expect(priceTypes(ticks)).toEqual(expect.arrayContaining([1, 2, 4, 6, 7, 9, 14]));
    const bid = ticks.find(([e, a]) => e === EventName.tickPrice && a[1] === 1)?.[1][2] as number;
    const ask = ticks.find(([e, a]) => e === EventName.tickPrice && a[1] === 2)?.[1][2] as number;
    expect(ask).toBeGreaterThan(bid);
    expect(sim.control.marketDataLines).toBe(1);
    c.ib.cancelMktData(1);
    await expect.poll(() => sim.control.marketDataLines).toBe(0);
  });

  test('snapshot: the initial ticks then tickSnapshotEnd, without using a line', async () => {
    const got = collect(c, 2, (t) => t.some(([e]) => e === EventName.tickSnapshotEnd));
    c.ib.reqMktData(2, EURUSD, '', true, false);
    const ticks = await got;
    expect(priceTypes(ticks)).toEqual(expect.arrayContaining([1, 2]));
    expect(sim.control.marketDataLines).toBe(0);
  });

  test('delayed data (type 3) uses delayed tick types', async () => {
    c.ib.reqMarketDataType(3);
    const got = collect(c, 3, (t) => priceTypes(t).includes(68));
    c.ib.reqMktData(3, AAPL, '', false, false);
    const ticks = await got;
    expect(ticks.find(([e]) => e === EventName.marketDataType)?.[1][1]).toBe(3);
    expect(priceTypes(ticks)).toEqual(expect.arrayContaining([66, 67, 68]));
    c.ib.cancelMktData(3);
    c.ib.reqMarketDataType(1);
  });

  test('generic tick 233 adds RTVolume; an illegal generic tick is refused with 321', async () => {
    const got = collect(c, 4, (t) => t.some(([e, a]) => e === EventName.tickString && a[1] === 48));
    c.ib.reqMktData(4, AAPL, '233,236', false, false);
    const ticks = await got;
    const rt = ticks.find(([e, a]) => e === EventName.tickString && a[1] === 48)?.[1][2] as string;
    expect(rt.split(';')).toHaveLength(6);
    c.ib.cancelMktData(4);
    const refused = nextEvent<[Error, number, number]>(c.ib, EventName.error, (_e, _code, id) => id === 5);
    c.ib.reqMktData(5, AAPL, '999', false, false);
    const [err, code] = await refused;
    expect(code).toBe(321);
    expect(err.message).toContain('Incorrect generic tick list of 999');
  });

  test('200 unknown contract, 102 duplicate id, 300 cancel of an unknown id, 101 past the line budget', async () => {
    const e200 = nextEvent<[Error, number, number]>(c.ib, EventName.error, (_e, code, id) => id === 6 && code === 200);
    c.ib.reqMktData(6, { symbol: 'NOPE', secType: SecType.STK }, '', false, false);
    await e200;
    c.ib.reqMktData(7, AAPL, '', false, false);
    const e102 = nextEvent<[Error, number, number]>(c.ib, EventName.error, (_e, code, id) => id === 7 && code === 102);
    c.ib.reqMktData(7, AAPL, '', false, false);
    await e102;
    const e300 = nextEvent<[Error, number, number]>(
      c.ib,
      EventName.error,
      (_e, code, id) => id === 999 && code === 300,
    );
    c.ib.cancelMktData(999);
    expect((await e300)[0].message).toBe("Can't find EId with tickerId:999");
    const other = await connectClient(sim.port, 2);
    other.ib.reqMktData(8, AAPL, '', false, false);
    other.ib.reqMktData(9, EURUSD, '', false, false);
    const e101 = nextEvent<[Error, number, number]>(
      other.ib,
      EventName.error,
      (_e, code, id) => id === 10 && code === 101,
    );
    other.ib.reqMktData(10, EURUSD, '', false, false);
    expect((await e101)[0].message).toBe('Max number of tickers has been reached');
    other.close();
    await expect.poll(() => sim.control.marketDataLines).toBe(1);
    c.ib.cancelMktData(7);
  });

  test('1101 (data lost) drops server-side subscriptions: quotes, tick-by-tick and depth alike', async () => {
    await expect.poll(() => sim.control.marketDataLines).toBe(0);
    const first = nextEvent(c.ib, EventName.tickPrice, (id: number) => id === 11);
    const tbt = nextEvent(c.ib, EventName.tickByTickBidAsk, (id: number) => id === 12);
    const depth = nextEvent(c.ib, EventName.updateMktDepthL2, (id: number) => id === 13);
    c.ib.reqMktData(11, AAPL, '', false, false);
    c.ib.reqTickByTickData(12, AAPL, TickByTickDataType.BidAsk, 0, false);
    c.ib.reqMktDepth(13, AAPL, 5, true);
    await Promise.all([first, tbt, depth]);
    expect(sim.control.marketDataLines).toBe(3);
    const notice = nextEvent(c.ib, EventName.info, (_m: string, code: number) => code === 1101);
    sim.control.broadcast(1101);
    await notice;
    // "Market and account data subscription requests must be resubmitted": every stream ended, every line back.
    expect(sim.control.marketDataLines).toBe(0);
  });
});

describe('reqRealTimeBars and high-rate mode', () => {
  test('5-second bars on the 5-s grid (accelerated clock)', async () => {
    const fast = await startTestSim({ clock: scaledClock(TUESDAY_1100_ET, 20) });
    const k = await connectClient(fast.port, 1);
    const bar = nextEvent<[number, number, number, number, number, number]>(
      k.ib,
      EventName.realtimeBar,
      (id) => id === 1,
    );
    k.ib.reqRealTimeBars(1, AAPL, 5, WhatToShow.TRADES, true);
    const [, time, open, high, low, close] = await bar;
    expect(time % 5).toBe(0);
    expect(high).toBeGreaterThanOrEqual(Math.max(open, close));
    expect(low).toBeLessThanOrEqual(Math.min(open, close));
    k.ib.cancelRealTimeBars(1);
    expect(k.errors).toEqual([]);
    k.close();
    await fast.stop();
  });

  test('tradeTimes sim: RTVolume carries the (scaled) sim clock, the wall clock by default', async () => {
    const rtTimes = async (sim: RunningSim): Promise<number[]> => {
      const k = await connectClient(sim.port, 1);
      const times: number[] = [];
      loose(k.ib).on(EventName.tickString, ((id: number, type: number, value: string) => {
        if (id === 1 && type === 48) times.push(Number(value.split(';')[2]));
      }) as never);
      k.ib.reqMktData(1, AAPL, '233', false, false);
      await expect.poll(() => times.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      k.ib.cancelMktData(1);
      k.close();
      await sim.stop();
      return times;
    };
    const clock = scaledClock(TUESDAY_1100_ET, 20);
    const simStamped = await rtTimes(await startTestSim({ clock, tradeTimes: 'sim' }));
    // 2024 market time, advancing 20× the wall: within the sim clock's span, not the wall's
    for (const t of simStamped) expect(t).toBeGreaterThan(TUESDAY_1100_ET);
    for (const t of simStamped) expect(t).toBeLessThanOrEqual(clock.now());
    const wallBefore = Date.now();
    const wallStamped = await rtTimes(await startTestSim({ clock: scaledClock(TUESDAY_1100_ET, 20) }));
    for (const t of wallStamped) expect(t).toBeGreaterThanOrEqual(wallBefore);
  });

  test('high-rate mode: N ticks/s per subscription with the emit time in RTVolume', async () => {
    const fast = await startTestSim({ highRateTicksPerSec: 2_000 });
    const k = await connectClient(fast.port, 1);
    const latencies: number[] = [];
    loose(k.ib).on(EventName.tickString, ((id: number, type: number, value: string) => {
      if (id === 1 && type === 48) latencies.push(Date.now() - Number(value.split(';')[2]));
    }) as never);
    const started = Date.now();
    k.ib.reqMktData(1, AAPL, '', false, false);
    await expect.poll(() => latencies.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1_000);
    const rate = latencies.length / ((Date.now() - started) / 1000);
    expect(rate).toBeGreaterThan(500);
    expect(latencies.every((l) => l >= 0 && l < 2_000)).toBe(true);
    k.ib.cancelMktData(1);
    k.close();
    await fast.stop();
  });
});
