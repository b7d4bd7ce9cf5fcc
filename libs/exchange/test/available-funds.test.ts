/**
 * The margin check's `availableFundsMicros` is `summarize(...).availableFunds` without the rest of the summary:
 * held to it over accounts built by random fill sequences (real `Accounts.applyFill` bookings), in several
 * currencies (one without an FX rate), security types and multipliers, with quotes present or missing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { availableFundsMicros, DEFAULT_MARGIN_RATES, type MarginRates, summarize } from '../src/account-summary.js';
import { Accounts, openAccount } from '../src/accounts.js';
import type { FxRateToBase, InstrumentSpec, Quote, QuoteSource, SecType } from '../src/ports.js';

const SEC_TYPES: readonly SecType[] = ['STK', 'CASH', 'FUT', 'OPT', 'CMDTY', 'IND'];
const CURRENCIES = ['USD', 'EUR', 'JPY', 'XXX'] as const;
/** XXX has no rate: summarize leaves it out of the BASE sums. */
const fx: FxRateToBase = (currency) => ({ EUR: 1.0873, JPY: 0.006711, USD: 1 })[currency as 'EUR' | 'JPY' | 'USD'];

function instrument(key: number, secType: SecType, currency: string, multiplier: number): InstrumentSpec {
  return {
    instrumentId: `i${key}`,
    secType,
    symbol: `S${key}`,
    currency,
    exchange: 'SMART',
    minTick: 0.01,
    multiplier,
    isOpen: () => true,
    sessionEndAfter: (t) => t + 86_400_000,
  };
}

const price = fc.integer({ min: 1, max: 5_000_000 }).map((cents) => cents / 100);
const fill = fc.record({
  instrument: fc.integer({ min: 0, max: 5 }),
  buy: fc.boolean(),
  qty: fc.integer({ min: 1, max: 5_000 }),
  price,
  commissionCents: fc.integer({ min: 0, max: 10_000 }),
});
const scenario = fc.record({
  base: fc.constantFrom('USD', 'EUR'),
  instruments: fc.array(
    fc.record({
      secType: fc.constantFrom(...SEC_TYPES),
      currency: fc.constantFrom(...CURRENCIES),
      multiplier: fc.constantFrom(1, 5, 50, 100, 1000),
    }),
    { minLength: 6, maxLength: 6 },
  ),
  cash: fc.dictionary(
    fc.constantFrom(...CURRENCIES),
    fc.integer({ min: -1e9, max: 1e9 }).map((c) => c / 100),
  ),
  fills: fc.array(fill, { maxLength: 60 }),
  /** Per instrument: undefined = no quote (marked at the last fill price). */
  marks: fc.array(fc.option(price, { nil: undefined }), { minLength: 6, maxLength: 6 }),
  initRate: fc.constantFrom(0.25, 0.1, 0.03, 1, 0.333333),
});

describe('availableFundsMicros', () => {
  test('equals summarize(...).availableFunds after random fill sequences', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const account = openAccount({ id: 'U1', baseCurrency: s.base, startingCash: s.cash });
        const accounts = new Accounts([account]);
        const specs = s.instruments.map((i, k) => instrument(100 + k, i.secType, i.currency, i.multiplier));
        const quotes: QuoteSource = {
          quoteAt: (instrumentId): Quote | undefined => {
            const last = s.marks[Number(instrumentId.slice(1)) - 100];
            return last === undefined
              ? undefined
              : { bid: last, ask: last, last, bidSize: 1, askSize: 1, lastSize: 1, volume: 0 };
          },
        };
        const rates: MarginRates = { ...DEFAULT_MARGIN_RATES, STK: { init: s.initRate, maint: s.initRate } };
        const check = () =>
          expect(availableFundsMicros(account, quotes, 0, rates, fx)).toBe(
            summarize(account, quotes, 0, rates, fx).availableFunds,
          );
        check();
        for (const f of s.fills) {
          const spec = specs[f.instrument] as InstrumentSpec;
          accounts.applyFill('U1', spec, f.buy ? 1 : -1, f.qty, f.price, BigInt(f.commissionCents) * 10_000n);
          check();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('without an FX source only the base currency counts, as in summarize', () => {
    const account = openAccount({ id: 'U1', startingCash: { USD: 1000, EUR: 500 } });
    const accounts = new Accounts([account]);
    accounts.applyFill('U1', instrument(1, 'FUT', 'EUR', 50), 1, 2, 4000.25, 1_700_000n);
    accounts.applyFill('U1', instrument(2, 'STK', 'USD', 1), -1, 10, 99.99, 350_000n);
    const quotes: QuoteSource = { quoteAt: () => undefined };
    const summary = summarize(account, quotes, 0, DEFAULT_MARGIN_RATES);
    expect(summary.unconverted).toEqual(['EUR']);
    expect(availableFundsMicros(account, quotes, 0, DEFAULT_MARGIN_RATES)).toBe(summary.availableFunds);
  });
});
