/**
 * Account requests with @stoqey/ib: reqAccountUpdates (values, portfolio, account time, download end, then
 * pushes as fills happen), reqAccountSummary (2 subscriptions per client → 322, cancel frees one, pushed on
 * fills), reqPnL / reqPnLSingle (+cancel), all consistent with each other and across clients.
 */
import { type Contract, EventName } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AAPL,
  AAPL_ID,
  ACCOUNT,
  connectRecorder,
  type ManualSim,
  market,
  type Recorder,
  startManualSim,
  toCents,
} from './order-helpers.js';

let m: ManualSim;
let a: Recorder;
let b: Recorder;
beforeAll(async () => {
  m = await startManualSim();
  a = await connectRecorder(m.sim.port, 1);
  b = await connectRecorder(m.sim.port, 2);
});
afterAll(async () => {
  a.client.close();
  b.client.close();
  await m.sim.stop();
});

const values = (r: Recorder, key: string, currency = 'USD'): string[] =>
  r
    .of(EventName.updateAccountValue)
    .filter((x) => x[0] === key && x[2] === currency)
    .map((x) => x[1] as string);

describe('reqAccountUpdates', () => {
  test('download: values, account time, download end; a fill pushes portfolio and values', async () => {
    a.ib.reqAccountUpdates(true, ACCOUNT);
    await a.waitFor(EventName.accountDownloadEnd, (acct: string) => acct === ACCOUNT);
    expect(values(a, 'NetLiquidation')).toEqual(['1000000.00']);
    expect(values(a, 'TotalCashValue')).toEqual(['1000000.00']);
    expect(values(a, 'AccountCode', '')).toEqual([ACCOUNT]);
    expect(a.of(EventName.updateAccountTime)[0]?.[0]).toMatch(/^\d{2}:\d{2}$/);
    expect(a.of(EventName.updatePortfolio)).toEqual([]);

    const q = m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now());
    a.ib.placeOrder(1, AAPL, market('BUY', 200));
    const [contract, position, marketPrice, marketValue, averageCost, , , account] = (await a.waitFor(
      EventName.updatePortfolio,
    )) as [Contract, number, number, number, number, number, number, string];
    expect(contract.conId).toBe(AAPL_ID);
    expect([position, account]).toEqual([200, ACCOUNT]);
    expect(marketPrice).toBe(q.last);
    expect(marketValue).toBeCloseTo(200 * q.last, 2);
    expect(averageCost).toBeCloseTo(q.ask + 0.7 / 200, 6);
    await a.until(() => values(a, 'TotalCashValue').length >= 2, 'pushed cash');
    const cash = toCents(values(a, 'TotalCashValue').at(-1) ?? '');
    expect(cash).toBe(100_000_000 - 200 * Math.round(q.ask * 100) - 70);
  });

  test('asking for another account warns 2100', async () => {
    a.ib.reqAccountUpdates(true, 'DU0000000');
    await a.waitInfo(2100);
    a.ib.reqAccountUpdates(false, ACCOUNT);
  });
});

describe('reqAccountSummary', () => {
  test('two subscriptions per client; the third gets 322; cancel frees a slot', async () => {
    b.ib.reqAccountSummary(1, 'All', 'NetLiquidation');
    b.ib.reqAccountSummary(2, 'All', 'TotalCashValue');
    b.ib.reqAccountSummary(3, 'All', 'BuyingPower');
    const e = await b.waitError(322, 3);
    expect(e.message).toBe(
      "Error processing request.-'b1' : cause - Maximum number of account summary requests exceeded; desubscribe to previous request first",
    );
    await b.waitFor(EventName.accountSummaryEnd, (id: number) => id === 2);
    b.ib.cancelAccountSummary(2);
    b.ib.reqAccountSummary(4, 'All', 'BuyingPower,Cushion,$LEDGER');
    await b.waitFor(EventName.accountSummaryEnd, (id: number) => id === 4);
    const rows = b.of(EventName.accountSummary).filter((x) => x[0] === 4);
    expect(rows.map((x) => [x[2], x[4]])).toEqual([
      ['BuyingPower', 'USD'],
      ['Cushion', ''],
      ['CashBalance', 'BASE'],
      ['TotalCashBalance', 'BASE'],
      ['NetLiquidationByCurrency', 'BASE'],
      ['CashBalance', 'USD'],
      ['TotalCashBalance', 'USD'],
      ['NetLiquidationByCurrency', 'USD'],
      ['UnrealizedPnL', 'USD'],
      ['RealizedPnL', 'USD'],
    ]);
  });

  test('subscriptions are re-sent every 3 sim minutes', async () => {
    const ends = (): number => b.of(EventName.accountSummaryEnd).filter((x) => x[0] === 1).length;
    const before = ends();
    m.clock.advance(179_000);
    await new Promise<void>((resolve) => {
      b.ib.once(EventName.currentTime, () => resolve());
      b.ib.reqCurrentTime();
    });
    expect(ends()).toBe(before);
    m.clock.advance(1_000);
    await b.until(() => ends() === before + 1, 're-send');
  });

  test('a fill pushes the subscribed tags again; both clients agree with reqAccountUpdates', async () => {
    const before = b.of(EventName.accountSummaryEnd).filter((x) => x[0] === 1).length;
    a.ib.placeOrder(2, AAPL, market('SELL', 50));
    await b.until(() => b.of(EventName.accountSummaryEnd).filter((x) => x[0] === 1).length > before, 'summary push');
    const nlv = b
      .of(EventName.accountSummary)
      .filter((x) => x[0] === 1 && x[2] === 'NetLiquidation')
      .map((x) => x[3] as string)
      .at(-1);
    const summary = m.sim.control.exchange.accountSummary(ACCOUNT);
    expect(toCents(nlv ?? '')).toBe(Number(summary.netLiquidation / 10_000n));
    b.ib.cancelAccountSummary(1);
    b.ib.cancelAccountSummary(4);
  });
});

describe('PnL', () => {
  test('reqPnL and reqPnLSingle report the account and the position; cancel stops them', async () => {
    const s = m.sim.control.exchange.accountSummary(ACCOUNT);
    const unrealized = Number(s.unrealizedPnL) / 1e6;
    const realized = Number(s.realizedPnL) / 1e6;
    b.ib.reqPnL(30, ACCOUNT, '');
    const [, daily, u, r] = (await b.waitFor(EventName.pnl, (id: number) => id === 30)) as number[];
    expect(u).toBeCloseTo(unrealized, 2);
    expect(r).toBeCloseTo(realized, 2);
    expect(daily).toBeCloseTo(unrealized + realized, 2);
    expect(r).not.toBe(0); // the sell of 50 realised something (at least its commission)

    b.ib.reqPnLSingle(31, ACCOUNT, '', AAPL_ID);
    const [, pos, , su, sr, value] = (await b.waitFor(EventName.pnlSingle, (id: number) => id === 31)) as number[];
    expect(pos).toBe(150);
    expect(su).toBeCloseTo(unrealized, 2);
    expect(sr).toBeCloseTo(realized, 2);
    expect(value).toBeCloseTo(150 * m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now()).last, 2);

    // Pushed on the sim clock's cadence while subscribed, not after cancel.
    m.clock.advance(1_000);
    await b.until(() => b.of(EventName.pnl).filter((x) => x[0] === 30).length >= 2, 'pnl push');
    b.ib.cancelPnL(30);
    b.ib.cancelPnLSingle(31);
    const roundTrip = (): Promise<number> =>
      new Promise<number>((resolve) => {
        b.ib.once(EventName.currentTime, (t: number) => resolve(t));
        b.ib.reqCurrentTime();
      });
    await roundTrip(); // the cancels were processed before this reply
    const count = b.of(EventName.pnl).length + b.of(EventName.pnlSingle).length;
    m.clock.advance(3_000);
    await roundTrip();
    expect(b.of(EventName.pnl).length + b.of(EventName.pnlSingle).length).toBe(count);
  });
});
