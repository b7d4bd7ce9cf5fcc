import { describe, expect, test } from 'vitest';
import {
  type CommissionEvent,
  DEFAULT_COMMISSIONS,
  formatMicros,
  orderCommissionMicros,
  toMicros,
} from '../src/index.js';
import { AAPL, AAPL_C, ES, EURUSD, harness, order, SAP } from './helpers.js';

const rule = (k: string) => DEFAULT_COMMISSIONS[k] ?? {};
const fee = (k: string, qty: number, price: number, multiplier = 1) =>
  formatMicros(orderCommissionMicros(rule(k), qty, BigInt(qty) * toMicros(price) * BigInt(multiplier)));
const commissions = (events: readonly { kind: string }[]) =>
  events.filter((e): e is CommissionEvent => e.kind === 'commission');

describe('default schedule', () => {
  test('stocks: 0.0035/share, min 0.35, max 1% of value', () => {
    expect(fee('STK', 100, 100.02)).toBe('0.35');
    expect(fee('STK', 1000, 100.02)).toBe('3.50');
    expect(fee('STK', 50, 100)).toBe('0.35');
    expect(fee('STK', 10, 1)).toBe('0.10'); // 1 % of 10.00 caps the 0.35 minimum
    expect(fee('STK', 150, 10)).toBe('0.53'); // 0.525 rounds half up to the cent
  });

  test('FX: 0.2 bps of value, min 2', () => {
    expect(fee('CASH', 20_000, 1.08455)).toBe('2.00');
    expect(fee('CASH', 10_000_000, 1.08455)).toBe('216.91');
  });

  test('futures 0.85/contract, options 0.65/contract min 1.00', () => {
    expect(fee('FUT', 3, 4800.25, 50)).toBe('2.55');
    expect(fee('OPT', 1, 1.52, 100)).toBe('1.00');
    expect(fee('OPT', 5, 1.52, 100)).toBe('3.25');
  });
});

describe('commissions on executions', () => {
  test('the minimum is charged once per order across partial fills', () => {
    const { ex, quotes } = harness();
    quotes.set(AAPL.instrumentId, { bid: 9.99, ask: 10, askSize: 50 });
    const all = [...ex.placeOrder(order({ totalQuantity: 150 })), ...ex.step(), ...ex.step()];
    expect(commissions(all).map((c) => c.commission)).toEqual([0.35, 0, 0.18]);
    expect(commissions(all).every((c) => c.currency === 'USD')).toBe(true);
  });

  test('each execution gets a commission report with its execId', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ instrumentId: ES.instrumentId, totalQuantity: 2 }));
    const exec = events.find((e) => e.kind === 'execution');
    expect(commissions(events)).toEqual([
      {
        kind: 'commission',
        clientId: 1,
        execId: exec?.kind === 'execution' ? exec.execution.execId : '',
        commission: 1.7,
        currency: 'USD',
        realizedPnL: undefined,
      },
    ]);
  });

  test('per-currency overrides and a configurable schedule', () => {
    const { ex } = harness({ commissions: { STK: { perUnit: 0.01 }, 'STK:EUR': { perUnit: 0.02, min: 1.25 } } });
    expect(commissions(ex.placeOrder(order({ totalQuantity: 10 })))[0]?.commission).toBe(0.1);
    const sap = commissions(ex.placeOrder(order({ instrumentId: SAP.instrumentId, totalQuantity: 10 })))[0];
    expect(sap).toMatchObject({ commission: 1.25, currency: 'EUR' });
    expect(
      commissions(ex.placeOrder(order({ instrumentId: EURUSD.instrumentId, totalQuantity: 20_000 })))[0]?.commission,
    ).toBe(0);
  });

  test('options: commission per contract, min 1.00', () => {
    const { ex } = harness();
    expect(
      commissions(ex.placeOrder(order({ instrumentId: AAPL_C.instrumentId, totalQuantity: 1 })))[0]?.commission,
    ).toBe(1);
  });
});
