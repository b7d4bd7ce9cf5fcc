/**
 * Historical-data extras over a real socket with @stoqey/ib, on a manual clock (Tuesday 2024-03-12 11:00 New York):
 * SCHEDULE (106) against the trading calendar, volatility bars recomputed from TRADES bars, the histogram against
 * the volume TRADES bars report, historical ticks against the 1-minute bars and against each other, every refusal
 * with its code, golden field counts of 89/96/97/98/106 at sv 178 and 176, and no 505/320 in @stoqey/ib.
 */
import { type Contract, DurationUnit, EventName, type IBApi, SecType, type WhatToShow } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { manualClock } from '../src/clock.js';
import {
  connectClient,
  fetchBars,
  IbRequestError,
  loose,
  RawClient,
  startTestSim,
  type TestBar,
  type TestClient,
  TUESDAY_1100_ET,
  withTimeout,
} from './helpers.js';

const AAPL: Contract = { conId: 265598, exchange: 'SMART' };
const MSFT: Contract = { conId: 272093, exchange: 'SMART' };
const SPX: Contract = { conId: 416904, exchange: 'CBOE' };
const ES: Contract = { symbol: 'ES', secType: SecType.FUT, exchange: 'CME', lastTradeDateOrContractMonth: '202406' };
const EURUSD: Contract = { symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' };
const MONDAY_CLOSE = '20240311 16:00:00 US/Eastern';
const epoch = (iso: string): number => Date.parse(iso) / 1000;

let sim: RunningSim;
let c: TestClient;
let nextId = 1;
beforeAll(async () => {
  sim = await startTestSim({ clock: manualClock(TUESDAY_1100_ET), pacing: { enabled: false } });
  c = await connectClient(sim.port, 1);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

/** Sends a request and resolves with the args of its answer event, or rejects with its error (2174 passes). */
function ask<A extends unknown[]>(ib: IBApi, event: EventName, reqId: number, send: () => void): Promise<A> {
  return withTimeout(
    new Promise<A>((resolve, reject) => {
      const onAnswer = (...args: unknown[]): void => {
        if (args[0] !== reqId) return;
        cleanup();
        resolve(args as A);
      };
      const onError = (err: Error, code: number, id: number): void => {
        if (id !== reqId || code === 2174) return;
        cleanup();
        reject(new IbRequestError(code, err.message));
      };
      const cleanup = (): void => {
        loose(ib).off(event, onAnswer);
        loose(ib).off(EventName.error, onError);
      };
      loose(ib).on(event, onAnswer);
      loose(ib).on(EventName.error, onError);
      send();
    }),
    20_000,
    `${event} ${reqId}`,
  );
}

async function refusal(promise: Promise<unknown>): Promise<IbRequestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof IbRequestError) return err;
    throw err;
  }
  throw new Error('request was not refused');
}

interface Session {
  startDateTime: string;
  endDateTime: string;
  refDate: string;
}
type ScheduleArgs = [number, string, string, string, Session[]];

function schedule(contract: Contract, end: string, duration: string, useRth: number, bar = '1 day') {
  const id = nextId++;
  return ask<ScheduleArgs>(c.ib, EventName.historicalSchedule, id, () =>
    c.ib.reqHistoricalData(id, contract, end, duration, bar as never, 'SCHEDULE' as WhatToShow, useRth, 1, false),
  );
}

describe('whatToShow SCHEDULE', () => {
  test('AAPL regular hours: one 09:30-16:00 session per NYSE trading day, in US/Eastern', async () => {
    const [, start, end, zone, sessions] = await schedule(AAPL, MONDAY_CLOSE, '5 D', 1);
    expect(zone).toBe('US/Eastern');
    expect(sessions.map((s) => s.refDate)).toEqual(['20240305', '20240306', '20240307', '20240308', '20240311']);
    for (const s of sessions) {
      expect(s.startDateTime).toBe(`${s.refDate}-09:30:00`);
      expect(s.endDateTime).toBe(`${s.refDate}-16:00:00`);
    }
    expect([start, end]).toEqual(['20240305-09:30:00', '20240311-16:00:00']);
    const [, , , , extended] = await schedule(AAPL, MONDAY_CLOSE, '1 D', 0);
    expect(extended).toEqual([
      { startDateTime: '20240311-04:00:00', endDateTime: '20240311-20:00:00', refDate: '20240311' },
    ]);
  });

  test('Thanksgiving week: no session on the holiday, the early close ends at 13:00', async () => {
    const [, , , , sessions] = await schedule(AAPL, '20231127 16:00:00 US/Eastern', '5 D', 1);
    expect(sessions.map((s) => s.refDate)).toEqual(['20231120', '20231121', '20231122', '20231124', '20231127']);
    expect(sessions[3]?.endDateTime).toBe('20231124-13:00:00');
  });

  test('ES: the Globex session opens the evening before its trade date, in US/Central', async () => {
    const [, , , zone, sessions] = await schedule(ES, MONDAY_CLOSE, '1 D', 0);
    expect(zone).toBe('US/Central');
    expect(sessions).toEqual([
      { startDateTime: '20240310-17:00:00', endDateTime: '20240311-16:00:00', refDate: '20240311' },
    ]);
  });

  test('refusals: 321 for a bar size other than 1 day and for keepUpToDate', async () => {
    const hourly = await refusal(schedule(AAPL, MONDAY_CLOSE, '5 D', 1, '1 hour'));
    expect(hourly.code).toBe(321);
    expect(hourly.message).toContain('Only daily resolution supported for Schedule requests');
    const live = await refusal(
      ask(c.ib, EventName.historicalSchedule, 4242, () =>
        c.ib.reqHistoricalData(4242, AAPL, '', '5 D', '1 day' as never, 'SCHEDULE' as WhatToShow, 1, 1, true),
      ),
    );
    expect(live.message).toContain('Source price not supported with live updates');
  });
});

const daysOf = (yyyymmdd: string): number =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;

function annualised(prices: readonly number[]): number {
  const r = prices.slice(1).map((p, i) => Math.log(p / (prices[i] ?? p)));
  const mean = r.reduce((n, x) => n + x, 0) / r.length;
  return Math.sqrt((r.reduce((n, x) => n + (x - mean) ** 2, 0) / (r.length - 1)) * 252);
}

describe('volatility bars', () => {
  test('HISTORICAL_VOLATILITY: each daily close is the 30-day close-to-close volatility of the TRADES bars', async () => {
    const hv = await fetchBars(c.ib, nextId++, AAPL, MONDAY_CLOSE, '2 M', '1 day', 'HISTORICAL_VOLATILITY');
    const trades = await fetchBars(c.ib, nextId++, AAPL, MONDAY_CLOSE, '4 M', '1 day', 'TRADES');
    expect(hv.length).toBeGreaterThan(35);
    for (const bar of hv) {
      const day = daysOf(bar.time);
      const lookback = trades.filter((t) => daysOf(t.time) >= day - 30 && daysOf(t.time) < day).map((t) => t.close);
      const today = trades.find((t) => t.time === bar.time);
      expect(today).toBeDefined();
      expect(bar.close).toBeCloseTo(annualised([...lookback, today?.close ?? 0]), 8);
      expect(bar.high).toBeGreaterThanOrEqual(Math.max(bar.open, bar.close));
      expect(bar.low).toBeLessThanOrEqual(Math.min(bar.open, bar.close));
      expect([bar.volume, bar.wap, bar.count]).toEqual([-1, -1, -1]);
      expect(bar.close).toBeGreaterThan(0.05);
      expect(bar.close).toBeLessThan(1);
    }
    // The index has a volatility history too.
    expect((await fetchBars(c.ib, nextId++, SPX, MONDAY_CLOSE, '5 D', '1 day', 'HISTORICAL_VOLATILITY')).length).toBe(
      5,
    );
  });

  test('OPTION_IMPLIED_VOLATILITY: the 30-day at-the-money volatility of the option surface, intraday', async () => {
    const iv = await fetchBars(c.ib, nextId++, AAPL, MONDAY_CLOSE, '1 D', '5 mins', 'OPTION_IMPLIED_VOLATILITY');
    expect(iv).toHaveLength(78);
    const aapl = sim.control.catalog.get(265598);
    const years = 30 / 365;
    const atm = (aapl?.annualVol ?? 0) * (0.92 + 0.18 * (1 - Math.exp(-years / 0.4)));
    for (const bar of iv) {
      expect(Math.abs(bar.close / atm - 1)).toBeLessThan(0.01);
      expect([bar.volume, bar.wap, bar.count]).toEqual([-1, -1, -1]);
    }
    // It moves with the forward's place between listed strikes.
    expect(new Set(iv.map((b) => b.close)).size).toBeGreaterThan(1);
  });

  test('refusals: no options → no implied volatility; FX, options: 162 from IBVOL; keepUpToDate 321', async () => {
    const noOptions = await refusal(
      fetchBars(c.ib, nextId++, MSFT, MONDAY_CLOSE, '1 D', '5 mins', 'OPTION_IMPLIED_VOLATILITY'),
    );
    expect(noOptions.code).toBe(162);
    expect(noOptions.message).toContain('No historical market data for MSFT/STK@IBVOL OptionImpliedVol 300');
    const fx = await refusal(fetchBars(c.ib, nextId++, EURUSD, MONDAY_CLOSE, '1 M', '1 day', 'HISTORICAL_VOLATILITY'));
    expect(fx.code).toBe(162);
    expect(fx.message).toContain('EUR/CASH@IBVOL HistoricalVol 86400');
    const option = sim.control.catalog.instruments.find((i) => i.secType === 'OPT' && i.symbol === 'AAPL');
    const opt = await refusal(
      fetchBars(
        c.ib,
        nextId++,
        { conId: option?.conId ?? 0, exchange: 'SMART' },
        '',
        '1 D',
        '1 hour',
        'OPTION_IMPLIED_VOLATILITY',
      ),
    );
    expect(opt.message).toContain('AAPL/OPT@IBVOL OptionImpliedVol 3600');
    const live = await refusal(
      ask(c.ib, EventName.historicalData, 4343, () =>
        c.ib.reqHistoricalData(
          4343,
          AAPL,
          '',
          '1 D',
          '5 mins' as never,
          'HISTORICAL_VOLATILITY' as WhatToShow,
          1,
          1,
          true,
        ),
      ),
    );
    expect(live.code).toBe(321);
  });
});

type HistogramArgs = [number, Array<{ price: number; size: number }>];

function histogram(contract: Contract, useRth: boolean, period: number, unit: DurationUnit) {
  const id = nextId++;
  return ask<HistogramArgs>(c.ib, EventName.histogramData, id, () =>
    c.ib.reqHistogramData(id, contract, useRth, period, unit),
  );
}

const sum = (bars: readonly TestBar[]): number => bars.reduce((n, b) => n + b.volume, 0);

describe('reqHistogramData', () => {
  test('"3 days": the points sum to the volume the daily TRADES bars report, prices inside their range', async () => {
    const [, points] = await histogram(AAPL, true, 3, DurationUnit.DAY);
    const bars = await fetchBars(c.ib, nextId++, AAPL, '', '3 D', '1 day', 'TRADES');
    expect(bars.map((b) => b.time)).toEqual(['20240308', '20240311', '20240312']);
    expect(points.reduce((n, p) => n + Number(p.size), 0)).toBe(sum(bars));
    const prices = points.map((p) => p.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(new Set(prices).size).toBe(prices.length);
    // Every print is in the histogram; daily bars sample the prints every 5 minutes for their high and low.
    const low = Math.min(...bars.map((b) => b.low));
    const high = Math.max(...bars.map((b) => b.high));
    expect(Math.min(...prices)).toBeLessThanOrEqual(low);
    expect(Math.max(...prices)).toBeGreaterThanOrEqual(high);
    expect(Math.min(...prices)).toBeGreaterThan(low * 0.98);
    expect(Math.max(...prices)).toBeLessThan(high * 1.02);
    const [, all] = await histogram(AAPL, false, 3, DurationUnit.DAY);
    const allBars = await fetchBars(c.ib, nextId++, AAPL, '', '3 D', '1 day', 'TRADES', 0);
    expect(all.reduce((n, p) => n + Number(p.size), 0)).toBe(sum(allBars));
    expect(sum(allBars)).toBeGreaterThan(sum(bars));
  });

  test('refusals: 200 unknown contract, 162 for a quote-only instrument, 321 for a malformed period', async () => {
    expect((await refusal(histogram({ symbol: 'ZZZZ', secType: SecType.STK }, true, 1, DurationUnit.WEEK))).code).toBe(
      200,
    );
    const fx = await refusal(histogram(EURUSD, true, 1, DurationUnit.WEEK));
    expect(fx.code).toBe(162);
    const raw = await RawClient.started(sim.port, 7);
    raw.send(['88', '901', '265598', '', '', '', '', '', '', 'SMART', '', '', '', '', '0', '1', 'three days']);
    const err = await raw.waitFor((m) => m[0] === '4' && m[2] === '901');
    expect(err[3]).toBe('321');
    // Periods past a year in days/weeks/months, or past HISTOGRAM_MAX_YEARS, are refused at once: "99999999 days"
    // walked every session back with the sim's event loop blocked for 18 s.
    for (const [id, period] of [
      ['903', '99999999 days'],
      ['904', '53 weeks'],
      ['905', '13 months'],
      ['906', '6 years'],
    ] as const) {
      raw.send(['88', id, '265598', '', '', '', '', '', '', 'SMART', '', '', '', '', '0', '1', period]);
      const tooLong = await raw.waitFor((m) => m[0] === '4' && m[2] === id, `the refusal of ${period}`, 1_000);
      expect(tooLong[3]).toBe('321');
    }
    raw.send(['89', '901']); // cancel of a finished histogram: silently accepted
    raw.send(['88', '902', '265598', '', '', '', '', '', '', 'SMART', '', '', '', '', '0', '1', '2 weeks']);
    await raw.waitFor((m) => m[0] === '89' && m[1] === '902');
    expect(raw.messages.filter((m) => m[0] === '4' && m[2] === '901')).toHaveLength(1);
    raw.close();
  });
});

interface LastTick {
  time: number;
  price: number;
  size: number;
  exchange: string;
  specialConditions: string;
}
interface BidAskTick {
  time: number;
  priceBid: number;
  priceAsk: number;
  sizeBid: number;
  sizeAsk: number;
}
interface MidTick {
  time: number;
  price: number;
  size: number;
}

function ticks<T>(
  event: EventName,
  contract: Contract,
  start: string,
  end: string,
  n: number,
  what: string,
  useRth = 1,
  ignoreSize = false,
): Promise<[number, T[], boolean]> {
  const id = nextId++;
  return ask<[number, T[], boolean]>(c.ib, event, id, () =>
    c.ib.reqHistoricalTicks(id, contract, start, end, n, what as WhatToShow, useRth, ignoreSize),
  );
}

describe('reqHistoricalTicks', () => {
  test('TRADES from a start: one print a second, done, and exactly the 1-minute TRADES bar they make', async () => {
    const [, prints, done] = await ticks<LastTick>(
      EventName.historicalTicksLast,
      AAPL,
      '20240311 10:00:00 US/Eastern',
      '',
      120,
      'TRADES',
    );
    expect(done).toBe(true);
    expect(prints.map((t) => t.time)).toEqual(Array.from({ length: 120 }, (_, i) => epoch('2024-03-11T14:00:00Z') + i));
    for (const t of prints) {
      expect(t.size).toBeGreaterThan(0);
      expect(t.exchange).not.toBe('');
      expect(t.specialConditions).toBe('');
    }
    const [bar] = await fetchBars(c.ib, nextId++, AAPL, '20240311 10:01:00 US/Eastern', '60 S', '1 min', 'TRADES');
    const minute = prints.slice(0, 60).map((t) => t.price);
    expect([bar?.open, bar?.high, bar?.low, bar?.close]).toEqual([
      minute[0],
      Math.max(...minute),
      Math.min(...minute),
      minute[59],
    ]);
    const [, early] = await ticks<LastTick>(
      EventName.historicalTicksLast,
      AAPL,
      '20240311 08:00:00 US/Eastern',
      '',
      5,
      'TRADES',
      0,
    );
    expect(early.map((t) => t.specialConditions)).toEqual(['T', 'T', 'T', 'T', 'T']);
  });

  test('TRADES back from an end: the last prints before the close, oldest first; never past now', async () => {
    const [, prints] = await ticks<LastTick>(EventName.historicalTicksLast, AAPL, '', MONDAY_CLOSE, 50, 'TRADES');
    expect(prints.map((t) => t.time)).toEqual(Array.from({ length: 50 }, (_, i) => epoch('2024-03-11T19:59:10Z') + i));
    const [, future] = await ticks<LastTick>(
      EventName.historicalTicksLast,
      AAPL,
      '',
      '20240312 15:00:00 US/Eastern',
      10,
      'TRADES',
    );
    expect(future.at(-1)?.time).toBe(TUESDAY_1100_ET / 1000 - 1);
    const [, capped] = await ticks<LastTick>(EventName.historicalTicksLast, AAPL, '', MONDAY_CLOSE, 5000, 'TRADES');
    expect(capped).toHaveLength(1000);
  });

  test('BID_ASK: only changes, time-ordered, the whole last second included; ignoreSize keeps price changes only', async () => {
    const start = '20240311 10:00:00 US/Eastern';
    const [, small] = await ticks<BidAskTick>(EventName.historicalTicksBidAsk, AAPL, start, '', 30, 'BID_ASK');
    const [, large] = await ticks<BidAskTick>(EventName.historicalTicksBidAsk, AAPL, start, '', 200, 'BID_ASK');
    expect(small.length).toBeGreaterThanOrEqual(30);
    const lastSecond = small.at(-1)?.time ?? 0;
    expect(large.filter((t) => t.time <= lastSecond)).toEqual(small);
    for (const [i, t] of large.entries()) {
      expect(t.priceBid).toBeLessThan(t.priceAsk);
      const prev = large[i - 1];
      if (!prev) continue;
      expect(t.time).toBeGreaterThanOrEqual(prev.time);
      const same =
        prev.priceBid === t.priceBid &&
        prev.priceAsk === t.priceAsk &&
        prev.sizeBid === t.sizeBid &&
        prev.sizeAsk === t.sizeAsk;
      expect(same).toBe(false);
    }
    const [, prices] = await ticks<BidAskTick>(
      EventName.historicalTicksBidAsk,
      AAPL,
      start,
      '',
      50,
      'BID_ASK',
      1,
      true,
    );
    for (const [i, t] of prices.entries()) {
      const prev = prices[i - 1];
      if (prev) expect(prev.priceBid !== t.priceBid || prev.priceAsk !== t.priceAsk).toBe(true);
    }
    // Fewer ticks per second without size changes: 50 of them reach further in time.
    expect(prices.at(-1)?.time ?? 0).toBeGreaterThan(large.find((_, i) => i === 49)?.time ?? 0);
  });

  test('MIDPOINT: size 0, a tick per change of the mid, the latest equals the latest bid/ask mid', async () => {
    const end = '20240311 15:30:00 US/Eastern';
    const [, mids, done] = await ticks<MidTick>(EventName.historicalTicks, AAPL, '', end, 40, 'MIDPOINT');
    expect(done).toBe(true);
    expect(mids.length).toBeGreaterThanOrEqual(40);
    expect(mids.every((t) => t.size === 0)).toBe(true);
    for (let i = 1; i < mids.length; i++) expect(mids[i]?.price).not.toBe(mids[i - 1]?.price);
    const [, quotes] = await ticks<BidAskTick>(EventName.historicalTicksBidAsk, AAPL, '', end, 5, 'BID_ASK', 1, true);
    const last = quotes.at(-1);
    expect(mids.at(-1)?.price).toBeCloseTo(((last?.priceBid ?? 0) + (last?.priceAsk ?? 0)) / 2, 6);
    expect(mids.at(-1)?.time).toBeLessThanOrEqual(epoch('2024-03-11T19:30:00Z'));
  });

  test('refusals: 321 start and end / neither / no ticks / bad whatToShow, 10314, 162 FX trades, 200; 2174 warns', async () => {
    const codeOf = async (p: Promise<unknown>): Promise<number> => (await refusal(p)).code;
    const E = EventName.historicalTicksLast;
    expect(await codeOf(ticks(E, AAPL, '20240311 10:00:00 US/Eastern', MONDAY_CLOSE, 10, 'TRADES'))).toBe(321);
    expect(await codeOf(ticks(E, AAPL, '', '', 10, 'TRADES'))).toBe(321);
    expect(await codeOf(ticks(E, AAPL, '', MONDAY_CLOSE, 0, 'TRADES'))).toBe(321);
    expect(await codeOf(ticks(E, AAPL, '', MONDAY_CLOSE, 10, 'BID'))).toBe(321);
    expect(await codeOf(ticks(E, AAPL, '', '2024/03/11', 10, 'TRADES'))).toBe(10314);
    expect(await codeOf(ticks(E, EURUSD, '', MONDAY_CLOSE, 10, 'TRADES'))).toBe(162);
    expect(await codeOf(ticks(E, { symbol: 'ZZZZ', secType: SecType.STK }, '', MONDAY_CLOSE, 10, 'TRADES'))).toBe(200);
    const warned = c.errors.filter((e) => e.code === 2174).length;
    const [, fx] = await ticks<MidTick>(EventName.historicalTicks, EURUSD, '', '20240311 16:00:00', 10, 'MIDPOINT');
    expect(fx.length).toBeGreaterThanOrEqual(10);
    expect(c.errors.filter((e) => e.code === 2174)).toHaveLength(warned + 1);
  });

  test('pacing: an identical request within 15 s is a pacing violation', async () => {
    const paced = await startTestSim({ clock: manualClock(TUESDAY_1100_ET) });
    const k = await connectClient(paced.port, 1);
    const send = (id: number) =>
      ask(k.ib, EventName.historicalTicksLast, id, () =>
        k.ib.reqHistoricalTicks(id, AAPL, '', MONDAY_CLOSE, 10, 'TRADES' as WhatToShow, 1, false),
      );
    await send(1);
    const second = await refusal(send(2));
    expect(second.code).toBe(162);
    expect(second.message).toContain('Historical data request pacing violation');
    k.close();
    await paced.stop();
  });
});

describe('bid/ask attribute bits and golden field counts', () => {
  test('mask bit 1 askPastHigh / bit 2 bidPastLow (IB EDecoder, ib_async) against the session prints', async () => {
    const raw = await RawClient.started(sim.port, 8);
    const open = '20240311 09:30:00 US/Eastern';
    // reqHistoricalTicks of AAPL from the open: reqId, count, whatToShow, ignoreSize.
    const ticksFromOpen = (reqId: string, count: string, what: string, ignoreSize: string) =>
      raw.send([
        '96',
        reqId,
        '265598',
        '',
        '',
        '',
        '',
        '',
        '',
        'SMART',
        '',
        '',
        '',
        '',
        '0',
        open,
        '',
        count,
        what,
        '1',
        ignoreSize,
        '',
      ]);
    ticksFromOpen('801', '300', 'BID_ASK', '1');
    ticksFromOpen('802', '1000', 'TRADES', '0');
    const quotes = await raw.waitFor((m) => m[0] === '97' && m[1] === '801');
    const trades = await raw.waitFor((m) => m[0] === '98' && m[1] === '802');
    const prints = Array.from({ length: Number(trades[2]) }, (_, i) => ({
      time: Number(trades[3 + i * 6]),
      price: Number(trades[5 + i * 6]),
    }));
    let flagged = 0;
    for (let i = 0; i < Number(quotes[2]); i++) {
      const [time, mask, bid, ask] = quotes.slice(3 + i * 6, 7 + i * 6).map(Number) as [number, number, number, number];
      const before = prints.filter((p) => p.time < time).map((p) => p.price);
      expect(prints.at(-1)?.time ?? 0).toBeGreaterThan(time);
      const askPastHigh = before.length > 0 && ask > Math.max(...before);
      const bidPastLow = before.length > 0 && bid < Math.min(...before);
      expect(mask).toBe((askPastHigh ? 1 : 0) | (bidPastLow ? 2 : 0));
      if (mask !== 0) flagged++;
    }
    expect(flagged).toBeGreaterThan(0);
    raw.close();
  });

  test.each(['v100..193', 'v157..176'])(
    'exact field counts (client %s); integers where ib_async int()s',
    async (versions) => {
      const raw = await RawClient.started(sim.port, versions === 'v100..193' ? 9 : 10, versions);
      const A = ['265598', '', '', '', '', '', '', 'SMART', '', '', '', ''];
      const start = '20240311 10:00:00 US/Eastern';
      raw.send(['20', '1', ...A, '0', MONDAY_CLOSE, '1 day', '5 D', '1', 'SCHEDULE', '1', '0', '']);
      raw.send(['20', '2', ...A, '0', MONDAY_CLOSE, '1 day', '1 M', '1', 'HISTORICAL_VOLATILITY', '1', '0', '']);
      raw.send(['20', '3', ...A, '0', MONDAY_CLOSE, '1 hour', '1 D', '1', 'OPTION_IMPLIED_VOLATILITY', '2', '0', '']);
      raw.send(['88', '4', ...A, '0', '1', '3 days']);
      raw.send(['96', '5', ...A, '0', start, '', '10', 'MIDPOINT', '1', '0', '']);
      raw.send(['96', '6', ...A, '0', start, '', '10', 'BID_ASK', '1', '0', '']);
      raw.send(['96', '7', ...A, '0', start, '', '10', 'TRADES', '1', '0', '']);
      for (const id of ['106', '17', '89', '96', '97', '98'])
        await raw.waitFor((m) => m[0] === id, `message ${id}`, 20_000);
      await raw.until(() => raw.messages.filter((m) => m[0] === '17').length === 2, 'both volatility replies', 20_000);
      const only = (id: string): string[] => raw.messages.find((m) => m[0] === id) ?? [];
      const sched = only('106');
      expect(sched).toHaveLength(6 + 3 * Number(sched[5]));
      expect(Number(sched[5])).toBe(5);
      for (const m of raw.messages.filter((x) => x[0] === '17')) expect(m).toHaveLength(5 + 8 * Number(m[4]));
      const hist = only('89');
      expect(hist).toHaveLength(3 + 2 * Number(hist[2]));
      expect(hist.filter((_, i) => i >= 3 && i % 2 === 0).every((s) => /^\d+$/.test(s))).toBe(true);
      const mid = only('96');
      expect(mid).toHaveLength(4 + 4 * Number(mid[2]));
      const ba = only('97');
      expect(ba).toHaveLength(4 + 6 * Number(ba[2]));
      const last = only('98');
      expect(last).toHaveLength(4 + 6 * Number(last[2]));
      for (const m of [mid, ba, last]) {
        expect(m.at(-1)).toBe('1'); // done
        expect(m[3]).toMatch(/^\d+$/); // epoch seconds
      }
      // Errors on a request id (farm notices come on -1): none.
      expect(raw.messages.filter((m) => m[0] === '4' && m[2] !== '-1')).toEqual([]);
      raw.close();
    },
  );

  test('@stoqey/ib decoded every reply: no 505 (leftover/missing field), no 320', () => {
    const codes = c.errors.map((e) => e.code);
    expect(codes).not.toContain(505);
    expect(codes).not.toContain(320);
  });
});
