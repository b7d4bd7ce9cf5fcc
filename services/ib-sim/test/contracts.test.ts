import { type ContractDetails, EventName, SecType } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { connectClient, nextEvent, startTestSim, type TestClient, withTimeout } from './helpers.js';

let sim: RunningSim;
let c: TestClient;
beforeAll(async () => {
  sim = await startTestSim();
  c = await connectClient(sim.port, 1);
});
afterAll(async () => {
  c.close();
  await sim.stop();
});

let nextReq = 100;
/** reqContractDetails → all details, or the error code. */
function details(contract: Parameters<typeof c.ib.reqContractDetails>[1]): Promise<ContractDetails[] | number> {
  const reqId = nextReq++;
  const got: ContractDetails[] = [];
  return withTimeout(
    new Promise((resolve) => {
      const onDetail = (id: number, d: ContractDetails): void => {
        if (id === reqId) got.push(d);
      };
      const onEnd = (id: number): void => {
        if (id === reqId) done(got);
      };
      const onError = (_e: Error, code: number, id: number): void => {
        if (id === reqId) done(code);
      };
      const done = (v: ContractDetails[] | number): void => {
        c.ib.off(EventName.contractDetails, onDetail);
        c.ib.off(EventName.contractDetailsEnd, onEnd);
        c.ib.off(EventName.error, onError);
        resolve(v);
      };
      c.ib.on(EventName.contractDetails, onDetail);
      c.ib.on(EventName.contractDetailsEnd, onEnd);
      c.ib.on(EventName.error, onError);
      c.ib.reqContractDetails(reqId, contract);
    }),
    5_000,
    'contract details',
  );
}

function one(result: ContractDetails[] | number): ContractDetails {
  if (typeof result === 'number' || result.length !== 1 || !result[0])
    throw new Error(`expected one detail, got ${JSON.stringify(result)}`);
  return result[0];
}

describe('reqContractDetails', () => {
  test('AAPL by description and by conId, with real conId, hours and time zone', async () => {
    const byDesc = one(await details({ symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' }));
    expect(byDesc.contract.conId).toBe(265598);
    expect(byDesc.contract.primaryExch).toBe('NASDAQ');
    expect(byDesc.minTick).toBe(0.01);
    expect(byDesc.timeZoneId).toBe('US/Eastern');
    expect(byDesc.liquidHours).toMatch(/^\d{8}:0930-\d{8}:1600;/);
    expect(byDesc.stockType).toBe('COMMON');
    const byConId = one(await details({ conId: 265598 }));
    expect(byConId.contract.symbol).toBe('AAPL');
  });

  test('EUR.USD, USD.JPY, SPY, MSFT, SPX, XAUUSD resolve to their conIds', async () => {
    expect(
      one(await details({ symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' })).contract
        .conId,
    ).toBe(12087792);
    expect(one(await details({ localSymbol: 'USD.JPY', secType: SecType.CASH })).contract.conId).toBe(15016059);
    expect(one(await details({ symbol: 'SPY', secType: SecType.STK })).contract.conId).toBe(756733);
    expect(one(await details({ symbol: 'MSFT', secType: SecType.STK, currency: 'USD' })).contract.conId).toBe(272093);
    expect(one(await details({ symbol: 'SPX', secType: SecType.IND })).contract.conId).toBe(416904);
    expect(one(await details({ symbol: 'XAUUSD', secType: SecType.CMDTY })).contract.secType).toBe('CMDTY');
  });

  test('a future without expiry is ambiguous (every live expiry); with a month it is one contract', async () => {
    const all = await details({ symbol: 'ES', secType: SecType.FUT, exchange: 'CME', currency: 'USD' });
    expect(Array.isArray(all) && all.length).toBeGreaterThan(1);
    const es = one(
      await details({ symbol: 'ES', secType: SecType.FUT, exchange: 'CME', lastTradeDateOrContractMonth: '202406' }),
    );
    expect(es.contract.localSymbol).toBe('ESM4');
    expect(es.contract.multiplier).toBe(50);
    expect(es.timeZoneId).toBe('US/Central');
    expect(es.underConId).toBe(11004968);
    const sixE = one(await details({ localSymbol: '6EH4', secType: SecType.FUT, includeExpired: true }));
    expect(sixE.contract.lastTradeDateOrContractMonth).toBe('20240318');
  });

  test('an AAPL option: chain without strike is ambiguous; full description qualifies one', async () => {
    const chain = await details({ symbol: 'AAPL', secType: SecType.OPT, exchange: 'SMART', currency: 'USD' });
    if (typeof chain === 'number') throw new Error(`chain failed ${chain}`);
    expect(chain.length).toBeGreaterThan(50);
    const pick = chain[Math.floor(chain.length / 2)];
    if (!pick) throw new Error('empty chain');
    const opt = one(
      await details({
        symbol: 'AAPL',
        secType: SecType.OPT,
        exchange: 'SMART',
        currency: 'USD',
        lastTradeDateOrContractMonth: pick.contract.lastTradeDateOrContractMonth,
        strike: pick.contract.strike,
        right: pick.contract.right,
      }),
    );
    expect(opt.contract.conId).toBe(pick.contract.conId);
    expect(opt.contract.multiplier).toBe(100);
    expect(opt.underConId).toBe(265598);
    expect(opt.contract.localSymbol).toMatch(/^AAPL {2}\d{6}[CP]\d{8}$/);
  });

  test('unknown contract → error 200 and no end', async () => {
    expect(await details({ symbol: 'NOPE', secType: SecType.STK })).toBe(200);
    expect(await details({ conId: 1 })).toBe(200);
  });
});

describe('reqMatchingSymbols', () => {
  test('returns descriptions with derivative types', async () => {
    const reply = nextEvent<
      [number, Array<{ contract: { conId: number; symbol: string }; derivativeSecTypes: string[] }>]
    >(c.ib, EventName.symbolSamples);
    c.ib.reqMatchingSymbols(7, 'AAP');
    const [reqId, descriptions] = await reply;
    expect(reqId).toBe(7);
    const aapl = descriptions.find((d) => d.contract.symbol === 'AAPL');
    expect(aapl?.contract.conId).toBe(265598);
    expect(aapl?.derivativeSecTypes).toContain('OPT');
    // Only the 200s provoked on purpose above.
    expect(c.errors.filter((e) => e.code !== 200)).toEqual([]);
  });
});
