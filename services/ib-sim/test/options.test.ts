/**
 * Options over the wire with the real @stoqey/ib client: the chain (reqSecDefOptParams → 75 per exchange, 76),
 * tickOptionComputation on option market data (live 10-13, delayed 80-83) and the calculation requests (53).
 * The client must decode everything without a single error event.
 */
import { EventName, OptionType, SecType } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { connectClient, loose, nextEvent, startTestSim, type TestClient, withTimeout } from './helpers.js';

let sim: RunningSim;
let c: TestClient;
beforeAll(async () => {
  sim = await startTestSim();
  c = await connectClient(sim.port, 7);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

interface ChainMessage {
  exchange: string;
  underlyingConId: number;
  tradingClass: string;
  multiplier: number;
  expirations: string[];
  strikes: number[];
}

function requestChain(reqId: number, symbol: string, conId: number, exchange = ''): Promise<ChainMessage[]> {
  const out: ChainMessage[] = [];
  return withTimeout(
    new Promise<ChainMessage[]>((resolve) => {
      const onParam = (
        id: number,
        ex: string,
        underlyingConId: number,
        tradingClass: string,
        multiplier: number,
        expirations: string[],
        strikes: number[],
      ): void => {
        if (id === reqId) out.push({ exchange: ex, underlyingConId, tradingClass, multiplier, expirations, strikes });
      };
      const onEnd = (id: number): void => {
        if (id !== reqId) return;
        loose(c.ib).off(EventName.securityDefinitionOptionParameter, onParam);
        loose(c.ib).off(EventName.securityDefinitionOptionParameterEnd, onEnd);
        resolve(out);
      };
      loose(c.ib).on(EventName.securityDefinitionOptionParameter, onParam);
      loose(c.ib).on(EventName.securityDefinitionOptionParameterEnd, onEnd);
      c.ib.reqSecDefOptParams(reqId, symbol, exchange, SecType.STK, conId);
    }),
    5_000,
    `option chain ${reqId}`,
  );
}

interface Computation {
  tickType: number;
  tickAttrib: number | undefined;
  impliedVol: number | undefined;
  delta: number | undefined;
  optPrice: number | undefined;
  pvDividend: number | undefined;
  gamma: number | undefined;
  vega: number | undefined;
  theta: number | undefined;
  undPrice: number | undefined;
}

function collectComputations(tickerId: number, until: (all: Computation[]) => boolean): Promise<Computation[]> {
  const all: Computation[] = [];
  return withTimeout(
    new Promise<Computation[]>((resolve) => {
      const l = (id: number, tickType: number, tickAttrib: number | undefined, ...rest: Array<number | undefined>) => {
        if (id !== tickerId) return;
        const [impliedVol, delta, optPrice, pvDividend, gamma, vega, theta, undPrice] = rest;
        all.push({ tickType, tickAttrib, impliedVol, delta, optPrice, pvDividend, gamma, vega, theta, undPrice });
        if (until(all)) {
          loose(c.ib).off(EventName.tickOptionComputation, l);
          resolve(all);
        }
      };
      loose(c.ib).on(EventName.tickOptionComputation, l);
    }),
    5_000,
    `option computations ${tickerId}`,
  );
}

let chain: ChainMessage[];
beforeAll(async () => {
  chain = await requestChain(1, 'AAPL', 265598);
});

const option = (expiry: string, strike: number, right: OptionType) => ({
  symbol: 'AAPL',
  secType: SecType.OPT,
  lastTradeDateOrContractMonth: expiry,
  strike,
  right,
  exchange: 'SMART',
  currency: 'USD',
});

describe('reqSecDefOptParams', () => {
  test('one message per exchange with every expiration and strike, multiplier 100 and the trading class', () => {
    expect(chain.length).toBeGreaterThan(5);
    const exchanges = chain.map((m) => m.exchange);
    expect(exchanges).toContain('SMART');
    expect(exchanges).toContain('CBOE');
    expect(new Set(exchanges).size).toBe(exchanges.length);
    for (const m of chain) {
      expect(m.underlyingConId).toBe(265598);
      expect(m.tradingClass).toBe('AAPL');
      expect(m.multiplier).toBe(100);
      expect(m.expirations.length).toBeGreaterThanOrEqual(6);
      expect(m.expirations.every((e) => /^\d{8}$/.test(e) && e >= '20240312')).toBe(true);
      expect([...m.expirations].sort()).toEqual(m.expirations);
      expect(m.strikes.length).toBe(17);
      expect(m.strikes[1]! - m.strikes[0]!).toBe(5);
    }
    expect(c.errors).toEqual([]);
  });

  test('by symbol without conId, narrowed to one exchange; an underlying without options ends empty', async () => {
    const cboe = await requestChain(2, 'SPY', 0, 'CBOE');
    expect(cboe.map((m) => m.exchange)).toEqual(['CBOE']);
    expect(cboe[0]?.strikes.length).toBe(21);
    expect(await requestChain(3, 'EUR', 12087792)).toEqual([]);
    expect(await requestChain(4, 'NOSUCH', 0)).toEqual([]);
    expect(c.errors).toEqual([]);
  });
});

describe('option market data', () => {
  test('every line carries bid, ask, last and model computations with IV, greeks and the underlying price', async () => {
    const smart = chain.find((m) => m.exchange === 'SMART') as ChainMessage;
    const expiry = smart.expirations[2] as string;
    const atm = smart.strikes[8] as number;
    const ticks = collectComputations(10, (all) => [10, 11, 12, 13].every((t) => all.some((x) => x.tickType === t)));
    c.ib.reqMktData(10, option(expiry, atm, OptionType.Call), '', false, false);
    const all = await ticks;
    const model = all.find((x) => x.tickType === 13) as Computation;
    expect(model.tickAttrib).toBe(0);
    expect(model.impliedVol).toBeGreaterThan(0.1);
    expect(model.impliedVol).toBeLessThan(0.6);
    expect(model.delta).toBeGreaterThan(0.3);
    expect(model.delta).toBeLessThan(0.7);
    expect(model.gamma).toBeGreaterThan(0);
    expect(model.vega).toBeGreaterThan(0);
    expect(model.theta).toBeLessThan(0);
    expect(model.optPrice).toBeGreaterThan(0);
    expect(model.pvDividend).toBeGreaterThan(0);
    expect(Math.abs((model.undPrice as number) - atm)).toBeLessThan(5);
    const bid = all.find((x) => x.tickType === 10) as Computation;
    const ask = all.find((x) => x.tickType === 11) as Computation;
    expect(bid.tickAttrib).toBe(1);
    // A higher price implies a higher volatility: the ask's IV is above the bid's, the model's between.
    expect(ask.optPrice as number).toBeGreaterThan(bid.optPrice as number);
    expect(ask.impliedVol as number).toBeGreaterThan(bid.impliedVol as number);
    expect(model.impliedVol as number).toBeGreaterThan((bid.impliedVol as number) - 0.01);
    expect(model.impliedVol as number).toBeLessThan((ask.impliedVol as number) + 0.01);
    c.ib.cancelMktData(10);
    expect(c.errors).toEqual([]);
  });

  test('puts have negative delta; the smile makes a low strike dearer in volatility than a high one', async () => {
    const smart = chain.find((m) => m.exchange === 'SMART') as ChainMessage;
    const expiry = smart.expirations[4] as string;
    const model = async (tickerId: number, strike: number, right: OptionType) => {
      const got = collectComputations(tickerId, (all) => all.some((x) => x.tickType === 13));
      c.ib.reqMktData(tickerId, option(expiry, strike, right), '', false, false);
      const m = (await got).find((x) => x.tickType === 13) as Computation;
      c.ib.cancelMktData(tickerId);
      return m;
    };
    const lowPut = await model(11, smart.strikes[2] as number, OptionType.Put);
    const highCall = await model(12, smart.strikes[14] as number, OptionType.Call);
    expect(lowPut.delta).toBeLessThan(0);
    expect(lowPut.impliedVol as number).toBeGreaterThan(highCall.impliedVol as number);
    expect(c.errors).toEqual([]);
  });

  test('delayed data carries the delayed computations 80-83', async () => {
    const smart = chain.find((m) => m.exchange === 'SMART') as ChainMessage;
    c.ib.reqMarketDataType(3);
    const ticks = collectComputations(13, (all) => [80, 81, 82, 83].every((t) => all.some((x) => x.tickType === t)));
    c.ib.reqMktData(
      13,
      option(smart.expirations[1] as string, smart.strikes[8] as number, OptionType.Put),
      '',
      false,
      false,
    );
    const all = await ticks;
    expect(all.every((x) => x.tickType >= 80 && x.tickType <= 83)).toBe(true);
    c.ib.cancelMktData(13);
    c.ib.reqMarketDataType(1);
    expect(c.errors).toEqual([]);
  });
});

describe('calculateImpliedVolatility / calculateOptionPrice', () => {
  test('answered with tick type 53; the two calculations invert each other', async () => {
    const smart = chain.find((m) => m.exchange === 'SMART') as ChainMessage;
    const contract = option(smart.expirations[3] as string, smart.strikes[9] as number, OptionType.Call);
    const priced = collectComputations(20, (all) => all.length > 0);
    c.ib.calculateOptionPrice(20, contract, 0.3, 180);
    const [p] = await priced;
    expect(p?.tickType).toBe(53);
    expect(p?.impliedVol).toBeCloseTo(0.3, 8);
    expect(p?.undPrice).toBe(180);
    const price = p?.optPrice as number;
    expect(price).toBeGreaterThan(0);
    const implied = collectComputations(21, (all) => all.length > 0);
    c.ib.calculateImpliedVolatility(21, contract, price, 180);
    const [iv] = await implied;
    expect(iv?.tickType).toBe(53);
    expect(iv?.impliedVol).toBeCloseTo(0.3, 4);
    expect(iv?.delta).toBeCloseTo(p?.delta as number, 4);
    c.ib.cancelCalculateImpliedVolatility(21);
    c.ib.cancelCalculateOptionPrice(20);
    expect(c.errors).toEqual([]);
  });

  test('an unknown contract is refused with 200', async () => {
    const err = nextEvent<[Error, number, number]>(c.ib, EventName.error, (_e, _code, id) => id === 22);
    c.ib.calculateImpliedVolatility(22, option('20990101', 1, OptionType.Call), 1, 100);
    const [, code] = await err;
    expect(code).toBe(200);
    c.errors.length = 0;
  });
});
