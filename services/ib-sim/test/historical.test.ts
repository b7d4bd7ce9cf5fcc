import { BarSizeSetting, EventName, SecType, WhatToShow } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { scaledClock } from '../src/clock.js';
import {
  connectClient,
  fetchBars,
  IbRequestError,
  nextEvent,
  startTestSim,
  type TestClient,
  TUESDAY_1100_ET,
} from './helpers.js';

const AAPL = { conId: 265598, exchange: 'SMART' };
const SPY = { symbol: 'SPY', secType: SecType.STK, exchange: 'SMART', currency: 'USD' };
const EURUSD = { symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' };
const MONDAY_CLOSE = '20240311 16:00:00 US/Eastern';

let sim: RunningSim;
let c: TestClient;
let reqId = 1000;
beforeAll(async () => {
  sim = await startTestSim();
  c = await connectClient(sim.port, 1);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

async function refusal(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof IbRequestError) return err.code;
    throw err;
  }
  throw new Error('request was not refused');
}

describe('reqHistoricalData', () => {
  test('5 D of 1-hour AAPL bars: 7 RTH bars a day, first at 09:30, in the instrument zone', async () => {
    const bars = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '5 D', '1 hour', 'TRADES');
    expect(bars).toHaveLength(35);
    expect(bars[0]?.time).toBe('20240305 09:30:00 US/Eastern');
    expect(bars[1]?.time).toBe('20240305 10:00:00 US/Eastern');
    for (const b of bars) {
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
      expect(b.volume).toBeGreaterThan(0);
      expect(b.count).toBeGreaterThan(0);
    }
  });

  test('1 D of 1-min bars: 390 regular-hours bars; useRTH=0 adds extended hours', async () => {
    const rth = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '1 min', 'TRADES');
    expect(rth).toHaveLength(390);
    const all = await fetchBars(c.ib, reqId++, AAPL, '20240311 20:00:00 US/Eastern', '1 D', '1 min', 'TRADES', 0);
    expect(all).toHaveLength(16 * 60);
  });

  test('the same request twice returns identical bars; a different seed would not', async () => {
    const a = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '2 D', '5 mins', 'MIDPOINT');
    const b = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '2 D', '5 mins', 'MIDPOINT');
    expect(b).toEqual(a);
    expect(a.every((bar) => bar.volume === -1)).toBe(true);
    const other = await startTestSim({ seed: 2 });
    const c2 = await connectClient(other.port, 1);
    const d = await fetchBars(c2.ib, 1, AAPL, MONDAY_CLOSE, '2 D', '5 mins', 'MIDPOINT');
    expect(d).toHaveLength(a.length);
    expect(d).not.toEqual(a);
    c2.close();
    await other.stop();
  });

  test('SPY daily bars inside the replay file are the file rows', async () => {
    const bars = await fetchBars(c.ib, reqId++, SPY, '20100115 16:00:00 US/Eastern', '1 W', '1 day', 'TRADES');
    const jan14 = bars.find((b) => b.time === '20100114');
    // Prices come out on the instrument's 0.01 tick, volume exactly as in the file.
    expect(jan14).toMatchObject({ open: 114.49, high: 115.14, low: 114.42, close: 114.93, volume: 115718800 });
  });

  test('weekly and monthly bars, BID/ASK/BID_ASK, formatDate 2 epoch seconds', async () => {
    const weeks = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 Y', '1 week', 'TRADES');
    expect(weeks.length).toBeGreaterThanOrEqual(52);
    expect(weeks[0]?.time).toMatch(/^\d{8}$/);
    const months = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 Y', '1 month', 'TRADES');
    expect(months.length).toBeGreaterThanOrEqual(12);
    const bid = await fetchBars(c.ib, reqId++, EURUSD, MONDAY_CLOSE, '1 D', '1 hour', 'BID');
    const ask = await fetchBars(c.ib, reqId++, EURUSD, MONDAY_CLOSE, '1 D', '1 hour', 'ASK');
    expect(bid).toHaveLength(ask.length);
    expect(bid.every((b, i) => b.close < (ask[i]?.close ?? 0))).toBe(true);
    const epoch = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '3600 S', '5 secs', 'BID_ASK', 1, 2);
    expect(epoch).toHaveLength(720);
    expect(Number(epoch[0]?.time)).toBe(Date.parse('2024-03-11T19:00:00Z') / 1000);
  });

  test('endDateTime forms: UTC dash form equals the zoned form; missing zone warns 2174', async () => {
    const zoned = await fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '30 mins', 'TRADES');
    const utc = await fetchBars(c.ib, reqId++, AAPL, '20240311-20:00:00', '1 D', '30 mins', 'TRADES');
    expect(utc).toEqual(zoned);
    const warnId = reqId++;
    const warning = nextEvent<[Error, number, number]>(
      c.ib,
      EventName.error,
      (_e, code, id) => id === warnId && code === 2174,
    );
    const implied = await fetchBars(c.ib, warnId, AAPL, '20240311 16:00:00', '1 D', '30 mins', 'TRADES');
    await warning;
    expect(implied).toEqual(zoned);
    const now = await fetchBars(c.ib, reqId++, AAPL, '', '1 D', '30 mins', 'TRADES');
    // The bar still forming at 11:00+ is included, as TWS does.
    expect(now.at(-1)?.time).toBe('20240312 11:00:00 US/Eastern');
  });

  test('validation: 321 for bad bar size, duration, whatToShow, formatDate; 10314 bad end; 162 step; 200 unknown', async () => {
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '1 sec', 'TRADES'))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '10 X', '1 min', 'TRADES'))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '20 S', '1 secs', 'TRADES'))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '400 D', '1 day', 'TRADES'))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '1 min', 'FOO'))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '1 min', 'TRADES', 1, 3))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '1 min', 'ADJUSTED_LAST'))).toBe(321);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, '2024/03/11', '1 D', '1 min', 'TRADES'))).toBe(10314);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 D', '1 secs', 'TRADES'))).toBe(162);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '1 Y', '1 hour', 'TRADES'))).toBe(162);
    expect(await refusal(fetchBars(c.ib, reqId++, AAPL, MONDAY_CLOSE, '60 S', '1 day', 'TRADES'))).toBe(162);
    expect(await refusal(fetchBars(c.ib, reqId++, EURUSD, MONDAY_CLOSE, '1 D', '1 hour', 'TRADES'))).toBe(162);
    expect(
      await refusal(
        fetchBars(c.ib, reqId++, { symbol: 'ZZZZ', secType: SecType.STK }, MONDAY_CLOSE, '1 D', '1 hour', 'TRADES'),
      ),
    ).toBe(200);
  });

  test('reqHeadTimestamp answers in both formats', async () => {
    const first = nextEvent<[number, string]>(c.ib, EventName.headTimestamp, (id) => id === 77);
    c.ib.reqHeadTimestamp(77, AAPL, WhatToShow.TRADES, true, 1);
    expect((await first)[1]).toBe('19801212-14:30:00');
    const second = nextEvent<[number, string]>(c.ib, EventName.headTimestamp, (id) => id === 78);
    c.ib.reqHeadTimestamp(78, AAPL, WhatToShow.TRADES, true, 2);
    expect((await second)[1]).toBe(String(Date.UTC(1980, 11, 12, 14, 30) / 1000));
  });
});

describe('keepUpToDate, cancel and the open-request limit', () => {
  test('keepUpToDate streams the forming bar; cancel → 162 cancelled; cancel again → 366', async () => {
    const fast = await startTestSim({ clock: scaledClock(TUESDAY_1100_ET, 20) });
    const f = await connectClient(fast.port, 1);
    const updates = nextEvent<[number, string, number, number, number, number]>(
      f.ib,
      EventName.historicalDataUpdate,
      (id) => id === 5,
    );
    f.ib.reqHistoricalData(5, AAPL, '', '1 D', BarSizeSetting.MINUTES_ONE, WhatToShow.TRADES, 1, 1, true);
    const [, time, open, high, low, close] = await updates;
    expect(time).toMatch(/^20240312 11:0\d:00 US\/Eastern$/);
    expect(high).toBeGreaterThanOrEqual(Math.max(open, close));
    expect(low).toBeLessThanOrEqual(Math.min(open, close));
    expect(fast.control.openHistoricalRequests).toBe(1);
    const cancelled = nextEvent<[Error, number, number]>(
      f.ib,
      EventName.error,
      (_e, code, id) => id === 5 && code === 162,
    );
    f.ib.cancelHistoricalData(5);
    expect((await cancelled)[0].message).toContain('API historical data query cancelled: 5');
    expect(fast.control.openHistoricalRequests).toBe(0);
    const unknown = nextEvent<[Error, number, number]>(
      f.ib,
      EventName.error,
      (_e, code, id) => id === 5 && code === 366,
    );
    f.ib.cancelHistoricalData(5);
    await unknown;
    f.close();
    await fast.stop();
  });

  test('50 simultaneous open requests: the 51st gets 322; un-stalling answers the rest', async () => {
    const s = await startTestSim({ pacing: { enabled: false } });
    const k = await connectClient(s.port, 1);
    s.control.stallHistorical(true);
    const refused = nextEvent<[Error, number, number]>(k.ib, EventName.error, (_e, code) => code === 322, 15_000);
    const pending = Array.from({ length: 51 }, (_, i) =>
      fetchBars(k.ib, i + 1, AAPL, MONDAY_CLOSE, '1 D', '1 hour', 'TRADES', 1, 1, 20_000).catch((e: unknown) => e),
    );
    const [err, , id] = await refused;
    expect(id).toBe(51);
    expect(err.message).toContain('Only 50 simultaneous API historical data requests allowed.');
    expect(s.control.openHistoricalRequests).toBe(50);
    s.control.stallHistorical(false);
    const results = await Promise.all(pending);
    expect(results.filter(Array.isArray)).toHaveLength(50);
    k.close();
    await s.stop();
  });
});

describe('pacing', () => {
  test('61 small-bar requests in a (scaled) 10-minute window: the 61st is a pacing violation', async () => {
    const s = await startTestSim({ pacing: { timeScale: 60 } });
    const k = await connectClient(s.port, 1);
    const contracts = [
      AAPL,
      { conId: 756733, exchange: 'SMART' },
      { conId: 272093, exchange: 'SMART' },
      { conId: 3691937, exchange: 'SMART' },
    ];
    const kinds = ['TRADES', 'MIDPOINT', 'BID'];
    const outcomes: Array<number | 'ok'> = [];
    for (let i = 0; i < 61; i++) {
      const contract = contracts[i % 4] ?? AAPL;
      const what = kinds[Math.floor(i / 4) % 3] ?? 'TRADES';
      const end = `20240311 ${String(10 + Math.floor(i / 12)).padStart(2, '0')}:${String((i * 5) % 60).padStart(2, '0')}:00 US/Eastern`;
      outcomes.push(
        await fetchBars(k.ib, i + 1, contract, end, '60 S', '5 secs', what).then(
          () => 'ok' as const,
          (e: unknown) => (e instanceof IbRequestError ? e.code : -1),
        ),
      );
    }
    expect(outcomes.slice(0, 60).every((o) => o === 'ok')).toBe(true);
    expect(outcomes[60]).toBe(162);
    expect(k.errors.at(-1)?.message).toContain('Historical data request pacing violation');
    k.close();
    await s.stop();
  });

  test('an identical request within 15 s (scaled) is refused; bars over 30 secs are not paced', async () => {
    const s = await startTestSim({ pacing: { timeScale: 60 } });
    const k = await connectClient(s.port, 1);
    await fetchBars(k.ib, 1, AAPL, MONDAY_CLOSE, '60 S', '5 secs', 'TRADES');
    expect(await refusal(fetchBars(k.ib, 2, AAPL, MONDAY_CLOSE, '60 S', '5 secs', 'TRADES'))).toBe(162);
    await fetchBars(k.ib, 3, AAPL, MONDAY_CLOSE, '1 D', '1 hour', 'TRADES');
    await fetchBars(k.ib, 4, AAPL, MONDAY_CLOSE, '1 D', '1 hour', 'TRADES');
    k.close();
    await s.stop();
  });
});
