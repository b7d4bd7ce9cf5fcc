/**
 * The order scenario with @stoqey/ib over TCP on a manual clock: a limit buy rests, is modified,
 * partially fills and is cancelled; a market sell fills with execDetails and commissionReport; positions and
 * the account summary match the fills to the cent.
 */
import {
  type CommissionReport,
  type Contract,
  EventName,
  type Execution,
  type Order,
  type OrderState,
} from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AAPL,
  AAPL_ID,
  ACCOUNT,
  cents,
  connectRecorder,
  limit,
  type ManualSim,
  market,
  type Recorder,
  startManualSim,
  toCents,
} from './order-helpers.js';

let m: ManualSim;
let c: Recorder;
beforeAll(async () => {
  m = await startManualSim();
  c = await connectRecorder(m.sim.port, 7);
});
afterAll(async () => {
  c.client.close();
  await m.sim.stop();
});

/** STK commission: 0.0035/share, min 0.35, max 1 % of value, to the cent. */
function stkCommission(shares: number, price: number): number {
  const raw = Math.max(0.35, shares * 0.0035);
  return Math.round(Math.min(raw, shares * price * 0.01) * 100) / 100;
}

describe('order lifecycle', () => {
  let buyFilled = 0;
  let buyPrice = 0;
  let buyCommission = 0;
  let sellPrice = 0;
  let sellCommission = 0;
  let sellRealized = 0;

  test('a limit buy rests (PreSubmitted → Submitted) with permId and orderRef echoed', async () => {
    const q = m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now());
    c.ib.placeOrder(10, AAPL, limit('BUY', 5_000, (cents(q.bid) - 50) / 100, { orderRef: 'coid-10' }));
    const [, status, filled, remaining, , permId] = await c.waitFor(
      EventName.orderStatus,
      (id: number, s: string) => id === 10 && s === 'Submitted',
    );
    expect([status, filled, remaining]).toEqual(['Submitted', 0, 5_000]);
    expect(permId).toBeGreaterThan(1_000_000_000);
    expect(c.statuses(10)).toEqual(['PreSubmitted', 'Submitted']);
    const [, contract, order, state] = (await c.waitFor(EventName.openOrder, (id: number) => id === 10)) as [
      number,
      Contract,
      Order,
      OrderState,
    ];
    expect(contract.symbol).toBe('AAPL');
    expect(order.orderRef).toBe('coid-10');
    expect(order.account).toBe(ACCOUNT);
    expect(order.permId).toBe(permId);
    expect(order.clientId).toBe(7);
    expect(state.status).toBe('PreSubmitted');
    expect(c.client.errors).toEqual([]);
  });

  test('modified to the ask, it partially fills at the ask; execDetails then commissionReport', async () => {
    const q = m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now());
    expect(q.askSize).toBeLessThan(5_000);
    c.ib.placeOrder(10, AAPL, limit('BUY', 5_000, q.ask, { orderRef: 'coid-10' }));
    const [, , exec] = (await c.waitFor(
      EventName.execDetails,
      (_r: number, _c: Contract, e: Execution) => e.orderId === 10,
    )) as [number, Contract, Execution];
    expect(exec.shares).toBe(q.askSize);
    expect(exec.price).toBe(q.ask);
    expect(exec.side).toBe('BOT');
    expect(exec.orderRef).toBe('coid-10');
    expect(exec.cumQty).toBe(q.askSize);
    expect(exec.acctNumber).toBe(ACCOUNT);
    expect(exec.execId).toMatch(/^[0-9a-f]{8}\.[0-9a-f]{8}\.01\.01$/);
    const [report] = (await c.waitFor(
      EventName.commissionReport,
      (r: CommissionReport) => r.execId === exec.execId,
    )) as [CommissionReport];
    expect(report.commission).toBe(stkCommission(q.askSize, q.ask));
    expect(report.currency).toBe('USD');
    expect(report.realizedPNL).toBeUndefined(); // opening fill: max double
    await c.waitFor(
      EventName.orderStatus,
      (id: number, s: string, filled: number) => id === 10 && s === 'Submitted' && filled === q.askSize,
    );
    buyFilled = q.askSize;
    buyPrice = q.ask;
    buyCommission = report.commission ?? Number.NaN;
  });

  test('cancelled: 202 and Cancelled with the partial fill kept', async () => {
    c.ib.cancelOrder(10);
    await c.waitError(202, 10);
    const [, , filled, remaining] = await c.waitFor(
      EventName.orderStatus,
      (id: number, s: string) => id === 10 && s === 'Cancelled',
    );
    expect([filled, remaining]).toEqual([buyFilled, 5_000 - buyFilled]);
    const errorsWithId = c.client.errors.filter((e) => e.reqId === 10).map((e) => e.code);
    expect(errorsWithId).toEqual([202]);
  });

  test('a market sell fills at the bid with execDetails and commissionReport (realised PnL)', async () => {
    const q = m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now());
    c.ib.placeOrder(11, AAPL, market('SELL', 100, { orderRef: 'coid-11' }));
    const [, , exec] = (await c.waitFor(
      EventName.execDetails,
      (_r: number, _c: Contract, e: Execution) => e.orderId === 11,
    )) as [number, Contract, Execution];
    expect([exec.side, exec.shares, exec.price]).toEqual(['SLD', 100, q.bid]);
    const [report] = (await c.waitFor(
      EventName.commissionReport,
      (r: CommissionReport) => r.execId === exec.execId,
    )) as [CommissionReport];
    await c.waitFor(EventName.orderStatus, (id: number, s: string) => id === 11 && s === 'Filled');
    const [, , , state] = (await c.waitFor(
      EventName.openOrder,
      (id: number, _c: Contract, _o: Order, s: OrderState) => id === 11 && s.status === 'Filled',
    )) as [number, Contract, Order, OrderState];
    expect(state.status).toBe('Filled');
    sellPrice = q.bid;
    sellCommission = report.commission ?? Number.NaN;
    expect(sellCommission).toBe(stkCommission(100, q.bid));
    // Realised = proceeds net of commission − average cost (commission included) of 100 shares.
    const avgCost = (buyFilled * buyPrice + buyCommission) / buyFilled;
    sellRealized = report.realizedPNL ?? Number.NaN;
    expect(sellRealized).toBeCloseTo(100 * sellPrice - sellCommission - 100 * avgCost, 2);
  });

  test('positions and the account summary match the fills to the cent', async () => {
    c.ib.reqPositions();
    const [, contract, pos, avgCost] = (await c.waitFor(
      EventName.position,
      (_a: string, k: Contract) => k.conId === AAPL_ID,
    )) as [string, Contract, number, number];
    await c.waitFor(EventName.positionEnd);
    expect(contract.symbol).toBe('AAPL');
    expect(pos).toBe(buyFilled - 100);
    expect(avgCost).toBeCloseTo((buyFilled * buyPrice + buyCommission) / buyFilled, 6);

    c.ib.reqAccountSummary(50, 'All', 'TotalCashValue,NetLiquidation,GrossPositionValue,AccountType');
    await c.waitFor(EventName.accountSummaryEnd, (id: number) => id === 50);
    const summary = new Map(
      c
        .of(EventName.accountSummary)
        .filter((a) => a[0] === 50)
        .map((a) => [a[2] as string, { value: a[3] as string, currency: a[4] as string }]),
    );
    const cash =
      100_000_000 - buyFilled * cents(buyPrice) - cents(buyCommission) + 100 * cents(sellPrice) - cents(sellCommission);
    expect(toCents(summary.get('TotalCashValue')?.value ?? '')).toBe(cash);
    const last = m.sim.control.quotes.quoteAt(AAPL_ID, m.clock.now()).last;
    const marketValue = (buyFilled - 100) * cents(last);
    expect(toCents(summary.get('NetLiquidation')?.value ?? '')).toBe(cash + marketValue);
    expect(toCents(summary.get('GrossPositionValue')?.value ?? '')).toBe(marketValue);
    expect(summary.get('TotalCashValue')?.currency).toBe('USD');
    expect(summary.get('AccountType')).toEqual({ value: 'INDIVIDUAL', currency: '' });
    c.ib.cancelAccountSummary(50);
    c.ib.cancelPositions();
  });

  test('reqOpenOrders has nothing working; reqCompletedOrders lists both orders', async () => {
    c.ib.reqOpenOrders();
    await c.waitFor(EventName.openOrderEnd);
    c.ib.reqCompletedOrders(false);
    await c.waitFor(EventName.completedOrdersEnd);
    const completed = c
      .of(EventName.completedOrder)
      .map((a) => [(a[1] as Order).orderRef, (a[2] as OrderState).status]);
    expect(completed).toEqual([
      ['coid-10', 'Cancelled'],
      ['coid-11', 'Filled'],
    ]);
    const filledQty = c.of(EventName.completedOrder).map((a) => (a[1] as Order).filledQuantity);
    expect(filledQty).toEqual([buyFilled, 100]);
    expect(c.client.errors.filter((e) => e.code !== 202)).toEqual([]);
  });
});
