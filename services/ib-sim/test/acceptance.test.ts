/**
 * The "done" scenario with @stoqey/ib over TCP, in honest real time: connect, qualify AAPL, EUR.USD,
 * an ES future and an AAPL option, download 5 D of 1-hour and 1 D of 1-min bars (twice: identical), stream
 * ticks for 10 s, and see no error event at all. (The 61-request pacing burst is in historical.test.ts.)
 */
import { type Contract, type ContractDetails, EventName, SecType } from '@stoqey/ib';
import { expect, test } from 'vitest';
import { connectClient, fetchBars, loose, startTestSim, withTimeout } from './helpers.js';

function qualify(ib: Parameters<typeof loose>[0], reqId: number, contract: Contract): Promise<ContractDetails[]> {
  const got: ContractDetails[] = [];
  return withTimeout(
    new Promise((resolve) => {
      const onDetail = (id: number, d: ContractDetails): void => {
        if (id === reqId) got.push(d);
      };
      const onEnd = (id: number): void => {
        if (id !== reqId) return;
        loose(ib).off(EventName.contractDetails, onDetail);
        loose(ib).off(EventName.contractDetailsEnd, onEnd);
        resolve(got);
      };
      loose(ib).on(EventName.contractDetails, onDetail);
      loose(ib).on(EventName.contractDetailsEnd, onEnd);
      ib.reqContractDetails(reqId, contract);
    }),
    5_000,
    `qualify ${reqId}`,
  );
}

test('connect, qualify four instruments, download bars twice, stream 10 s, no error events', {
  timeout: 30_000,
}, async () => {
  const sim = await startTestSim();
  const c = await connectClient(sim.port, 0);
  const [aapl] = await qualify(c.ib, 1, { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' });
  const [eur] = await qualify(c.ib, 2, { symbol: 'EUR', secType: SecType.CASH, exchange: 'IDEALPRO', currency: 'USD' });
  const [es] = await qualify(c.ib, 3, {
    symbol: 'ES',
    secType: SecType.FUT,
    exchange: 'CME',
    lastTradeDateOrContractMonth: '202406',
  });
  const chain = await qualify(c.ib, 4, {
    symbol: 'AAPL',
    secType: SecType.OPT,
    exchange: 'SMART',
    currency: 'USD',
    lastTradeDateOrContractMonth: '20240315',
  });
  const call = chain.find((d) => d.contract.right === 'C' && d.contract.strike === 190);
  const [opt] = await qualify(c.ib, 5, { conId: call?.contract.conId ?? 0 });
  expect([aapl?.contract.conId, eur?.contract.conId, es?.contract.localSymbol, opt?.contract.strike]).toEqual([
    265598,
    12087792,
    'ESM4',
    190,
  ]);

  const hourly = await fetchBars(c.ib, 10, { conId: 265598, exchange: 'SMART' }, '', '5 D', '1 hour', 'TRADES');
  const minutes = await fetchBars(c.ib, 11, { conId: 265598, exchange: 'SMART' }, '', '1 D', '1 min', 'TRADES');
  expect(hourly.length).toBeGreaterThanOrEqual(29);
  expect(minutes.length).toBeGreaterThanOrEqual(90);
  const again = await fetchBars(
    c.ib,
    12,
    { conId: 265598, exchange: 'SMART' },
    '20240311 16:00:00 US/Eastern',
    '5 D',
    '1 hour',
    'TRADES',
  );
  const twice = await fetchBars(
    c.ib,
    13,
    { conId: 265598, exchange: 'SMART' },
    '20240311 16:00:00 US/Eastern',
    '5 D',
    '1 hour',
    'TRADES',
  );
  expect(twice).toEqual(again);
  const optionBars = await fetchBars(c.ib, 14, { conId: opt?.contract.conId ?? 0 }, '', '1 D', '5 mins', 'MIDPOINT');
  expect(optionBars.length).toBeGreaterThan(0);

  const counts = new Map<number, number>();
  loose(c.ib).on(EventName.tickPrice, (id: number) => counts.set(id, (counts.get(id) ?? 0) + 1));
  c.ib.reqMktData(20, { conId: 265598, exchange: 'SMART' }, '', false, false);
  c.ib.reqMktData(21, { conId: 12087792, exchange: 'IDEALPRO' }, '', false, false);
  c.ib.reqMktData(22, { conId: es?.contract.conId ?? 0, exchange: 'CME' }, '', false, false);
  await new Promise<void>((resolve) => setTimeout(resolve, 10_000)); // the scenario itself: stream for 10 s
  c.ib.cancelMktData(20);
  c.ib.cancelMktData(21);
  c.ib.cancelMktData(22);
  // AAPL trades once per second (LAST) plus book changes; EUR.USD quotes move at the 5 ms FX cadence.
  expect(counts.get(20) ?? 0).toBeGreaterThanOrEqual(15);
  expect(counts.get(21) ?? 0).toBeGreaterThanOrEqual(50);
  expect(counts.get(22) ?? 0).toBeGreaterThanOrEqual(10);
  expect(c.errors).toEqual([]);
  c.close();
  await sim.stop();
});
