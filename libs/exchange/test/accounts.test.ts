import { describe, expect, test } from 'vitest';
import type { AccountValue, CommissionEvent, ExchangeEvent, ExecutionRecord } from '../src/index.js';
import { formatMicros, toMicros } from '../src/index.js';
import { AAPL, AAPL_C, ES, EURUSD, harness, order, SAP } from './helpers.js';

const ACCT = 'DU1234567';
const commissions = (events: readonly ExchangeEvent[]) =>
  events.filter((e): e is CommissionEvent => e.kind === 'commission');
const value = (values: readonly AccountValue[], tag: string, currency = 'USD') =>
  values.find((v) => v.tag === tag && v.currency === currency)?.value;

describe('positions and average cost (IB convention)', () => {
  test('avgCost includes commission; cash moves by value plus commission', () => {
    const { ex } = harness();
    ex.placeOrder(order({ totalQuantity: 100 }));
    const [p] = ex.positions(ACCT);
    expect(p).toMatchObject({ account: ACCT, instrumentId: AAPL.instrumentId, position: 100 });
    expect(p?.avgCost).toBeCloseTo(100.0235, 10);
    expect(formatMicros(ex.cashMicros(ACCT, 'USD'))).toBe('989997.65');
  });

  test('derivatives: avgCost per contract includes the multiplier', () => {
    const { ex } = harness();
    ex.placeOrder(order({ instrumentId: AAPL_C.instrumentId, totalQuantity: 2 }));
    expect(ex.positions(ACCT)[0]?.avgCost).toBeCloseTo(152.65, 10); // (2 × 1.52 × 100 + 1.30) / 2
    ex.placeOrder(order({ instrumentId: ES.instrumentId, totalQuantity: 1 }));
    expect(ex.positions(ACCT).find((p) => p.instrumentId === ES.instrumentId)?.avgCost).toBeCloseTo(240_013.35, 6);
  });

  test('adding at a new price averages the cost', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ totalQuantity: 100 })); // 100.02 + 0.35
    quotes.set(AAPL.instrumentId, { bid: 101.98, ask: 102 });
    ex.placeOrder(order({ totalQuantity: 100 })); // 102.00 + 0.35
    expect(ex.positions(ACCT)[0]?.avgCost).toBeCloseTo((10002.35 + 10200.35) / 200, 10);
  });

  test('closing realises PnL net of both commissions, reported on the commission report', () => {
    const { ex, quotes } = harness();
    const open = ex.placeOrder(order({ totalQuantity: 100 }));
    expect(commissions(open)[0]?.realizedPnL).toBeUndefined();
    quotes.set(AAPL.instrumentId, { bid: 101, ask: 101.02 });
    const close = ex.placeOrder(order({ action: 'SELL', totalQuantity: 100 }));
    expect(commissions(close)[0]?.realizedPnL).toBeCloseTo(97.3, 10);
    const [p] = ex.positions(ACCT);
    expect(p).toMatchObject({ position: 0, avgCost: 0, costBasisMicros: 0n, realizedPnLMicros: 97_300_000n });
    expect(formatMicros(ex.cashMicros(ACCT, 'USD'))).toBe('1000097.30');
  });

  test('a sell through zero closes the long and opens a short with the rest', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ totalQuantity: 100 }));
    quotes.set(AAPL.instrumentId, { bid: 101, ask: 101.02 });
    const flip = ex.placeOrder(order({ action: 'SELL', totalQuantity: 300 }));
    expect(commissions(flip)[0]).toMatchObject({ commission: 1.05 });
    expect(commissions(flip)[0]?.realizedPnL).toBeCloseTo(97.3, 10); // commission 0.35 of 1.05 on the closing part
    const [p] = ex.positions(ACCT);
    expect(p?.position).toBe(-200);
    expect(p?.avgCost).toBeCloseTo(20_199.3 / 200, 10);
    quotes.set(AAPL.instrumentId, { bid: 99.98, ask: 100 });
    const cover = ex.placeOrder(order({ totalQuantity: 200 }));
    expect(commissions(cover)[0]?.realizedPnL).toBeCloseTo(20_199.3 - 20_000 - 0.7, 10);
  });

  test('unrealised PnL marks against the quote source last price', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ totalQuantity: 100 }));
    quotes.set(AAPL.instrumentId, { bid: 101.49, ask: 101.51, last: 101.5 });
    const [item] = ex.portfolio(ACCT);
    expect(item).toMatchObject({ position: 100, marketPrice: 101.5, marketValueMicros: 10_150_000_000n });
    expect(formatMicros(item?.unrealizedPnLMicros ?? 0n)).toBe('147.65');
  });

  test('fills emit position, portfolio and account values for subscribers', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ totalQuantity: 100 }));
    const position = events.find((e) => e.kind === 'position');
    expect(position?.kind === 'position' && position.position.position).toBe(100);
    const values = events.flatMap((e) => (e.kind === 'accountValue' ? [e.value] : []));
    expect(value(values, 'TotalCashValue')).toBe('989997.65');
    expect(events.map((e) => e.kind).indexOf('commission')).toBeLessThan(events.map((e) => e.kind).indexOf('position'));
  });
});

describe('account summary arithmetic', () => {
  test('to the cent over many fills in several instruments', () => {
    const { ex, quotes, clock } = harness();
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const books = [
      { spec: AAPL, mid: 100, tick: 0.01, lot: 100 },
      { spec: ES, mid: 4800, tick: 0.25, lot: 1 },
      { spec: AAPL_C, mid: 1.5, tick: 0.01, lot: 3 },
      { spec: EURUSD, mid: 1.0845, tick: 0.00005, lot: 25_000 },
    ];
    const executions: ExecutionRecord[] = [];
    const reported: CommissionEvent[] = [];
    for (let i = 0; i < 120; i++) {
      const b = books[i % books.length];
      if (!b) continue;
      const bid = Number((Math.round((b.mid * (1 + (rnd() - 0.5) * 0.02)) / b.tick) * b.tick).toFixed(5));
      const ask = Number((bid + b.tick).toFixed(5));
      quotes.set(b.spec.instrumentId, { bid, ask, last: bid, bidSize: 10 * b.lot, askSize: 10 * b.lot });
      clock.t += 1_000;
      const events = ex.placeOrder(
        order({
          instrumentId: b.spec.instrumentId,
          action: rnd() < 0.5 ? 'BUY' : 'SELL',
          totalQuantity: b.lot * (1 + Math.floor(rnd() * 3)),
        }),
      );
      for (const e of events) {
        if (e.kind === 'execution') executions.push(e.execution);
        if (e.kind === 'commission') reported.push(e);
      }
    }
    expect(executions).toHaveLength(120);
    // cash = start − Σ(signed qty × price × multiplier) − Σ commissions, computed here from the reports.
    const mult = new Map(books.map((b) => [b.spec.instrumentId, BigInt(b.spec.multiplier)]));
    let cash = 1_000_000_000_000n;
    for (const e of executions) {
      const gross = BigInt(e.shares) * toMicros(e.price) * (mult.get(e.instrumentId) ?? 0n);
      cash -= e.side === 'BOT' ? gross : -gross;
    }
    for (const c of reported) cash -= toMicros(c.commission);
    const summary = ex.accountSummary(ACCT);
    expect(formatMicros(summary.totalCashValue)).toBe(formatMicros(cash));
    expect(summary.settledCash).toBe(summary.totalCashValue);
    // Positions equal the signed sum of the fills.
    for (const b of books) {
      const qty = executions
        .filter((e) => e.instrumentId === b.spec.instrumentId)
        .reduce((s, e) => s + (e.side === 'BOT' ? e.shares : -e.shares), 0);
      expect(ex.positions(ACCT).find((p) => p.instrumentId === b.spec.instrumentId)?.position ?? 0).toBe(qty);
    }
    // NetLiquidation = cash + Σ marked value, and its change equals realised + unrealised, exactly.
    const marked = ex.portfolio(ACCT).reduce((s, p) => s + p.marketValueMicros, 0n);
    expect(summary.netLiquidation).toBe(summary.totalCashValue + marked);
    expect(summary.netLiquidation - 1_000_000_000_000n).toBe(summary.realizedPnL + summary.unrealizedPnL);
    const realizedReported = reported.reduce(
      (s, c) => s + (c.realizedPnL === undefined ? 0n : toMicros(c.realizedPnL)),
      0n,
    );
    expect(formatMicros(summary.realizedPnL)).toBe(formatMicros(realizedReported));
    // Margin values follow from the same sums.
    expect(summary.availableFunds).toBe(summary.equityWithLoanValue - summary.initMarginReq);
    expect(summary.excessLiquidity).toBe(summary.equityWithLoanValue - summary.maintMarginReq);
    expect(summary.buyingPower).toBe(summary.availableFunds * 4n);
    expect(summary.cushion).toBeCloseTo(Number(summary.excessLiquidity) / Number(summary.netLiquidation), 12);
    expect(summary.leverage).toBeCloseTo(Number(summary.grossPositionValue) / Number(summary.netLiquidation), 12);
  });

  test('known values for one stock position', () => {
    const { ex, quotes } = harness();
    ex.placeOrder(order({ totalQuantity: 1000 })); // 100,020.00 + 3.50
    quotes.set(AAPL.instrumentId, { bid: 101, ask: 101.02, last: 101 });
    const values = ex.accountValues(ACCT);
    expect(value(values, 'TotalCashValue')).toBe('899976.50');
    expect(value(values, 'GrossPositionValue')).toBe('101000.00');
    expect(value(values, 'NetLiquidation')).toBe('1000976.50');
    expect(value(values, 'InitMarginReq')).toBe('25250.00');
    expect(value(values, 'MaintMarginReq')).toBe('25250.00');
    expect(value(values, 'AvailableFunds')).toBe('975726.50');
    expect(value(values, 'ExcessLiquidity')).toBe('975726.50');
    expect(value(values, 'BuyingPower')).toBe('3902906.00');
    expect(value(values, 'EquityWithLoanValue')).toBe('1000976.50');
    expect(value(values, 'UnrealizedPnL')).toBe('976.50');
    expect(value(values, 'CashBalance', 'BASE')).toBe('899976.50');
    expect(value(values, 'Cushion', '')).toBe((975_726.5 / 1_000_976.5).toFixed(6));
    expect(value(values, 'Leverage', '')).toBe((101_000 / 1_000_976.5).toFixed(4));
    expect(value(values, 'AccountType', '')).toBe('INDIVIDUAL');
  });

  test('several accounts; foreign currency converted to base when a rate is known', () => {
    const { ex } = harness({
      accounts: [{ id: 'DU1111111' }, { id: 'DU2222222', startingCash: { USD: 50_000, EUR: 10_000 } }],
      fxRateToBase: (ccy) => (ccy === 'EUR' ? 1.1 : undefined),
    });
    expect(ex.accounts()).toEqual(['DU1111111', 'DU2222222']);
    ex.placeOrder(order({ account: 'DU2222222', instrumentId: SAP.instrumentId, totalQuantity: 10 })); // 1500.40 EUR + 0.35
    expect(formatMicros(ex.cashMicros('DU2222222', 'EUR'))).toBe('8499.25');
    const s = ex.accountSummary('DU2222222');
    expect(formatMicros(s.totalCashValue)).toBe(formatMicros(50_000_000_000n + (8_499_250_000n * 11n) / 10n));
    expect(s.unconverted).toEqual([]);
    expect(ex.accountSummary('DU1111111').netLiquidation).toBe(1_000_000_000_000n);
    const noRate = harness({ accounts: [{ id: 'DU3', startingCash: { USD: 1000, JPY: 5 } }] });
    expect(noRate.ex.accountSummary('DU3').unconverted).toEqual(['JPY']);
  });
});
