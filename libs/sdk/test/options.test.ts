import type { OptionChain as ChainMessage, Tick } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { toQuote } from '../src/convert.js';
import { optionChainRequest, optionContract, toOptionChain } from '../src/options.js';

const message: ChainMessage = {
  underlying: {
    id: '265598',
    secType: 'STK',
    symbol: 'AAPL',
    localSymbol: 'AAPL',
    exchange: 'SMART',
    currency: 'USD',
    minTick: '0.01',
  },
  expirations: ['20240315', '20240322'],
  strikes: ['175', '177.5', '180'],
  listings: [
    {
      exchange: 'SMART',
      tradingClass: 'AAPL',
      multiplier: '100',
      expirations: ['20240315', '20240322'],
      strikes: ['175', '177.5', '180'],
    },
  ],
  tsMs: 1_710_255_600_000,
};

describe('option chain in the SDK', () => {
  test('strikes as numbers, the exact message kept; the request qualifies the underlying, exchange filters', () => {
    const chain = toOptionChain(message);
    expect(chain).toMatchObject({ symbol: 'AAPL', instrumentId: '265598', strikes: [175, 177.5, 180] });
    expect(chain.listings[0]?.multiplier).toBe(100);
    expect(optionChainRequest('AAPL', { exchange: 'CBOE' })).toEqual({
      v: 1,
      underlying: { secType: 'STK', symbol: 'AAPL', exchange: 'SMART', currency: 'USD' },
      exchange: 'CBOE',
    });
  });

  test('optionContract picks one option for an order or a subscription, and refuses what the chain lacks', () => {
    const chain = toOptionChain(message);
    expect(optionContract(chain, '20240322', 177.5, 'P')).toEqual({
      symbol: 'AAPL',
      secType: 'OPT',
      exchange: 'SMART',
      currency: 'USD',
      expiry: '20240322',
      strike: '177.5',
      right: 'P',
      tradingClass: 'AAPL',
      multiplier: '100',
    });
    expect(() => optionContract(chain, '20240329', 175, 'C')).toThrow(/no expiry 20240329/);
    expect(() => optionContract(chain, '20240315', 176, 'C')).toThrow(/no strike 176/);
  });

  test('an option quote carries its greeks', () => {
    const tick: Tick = {
      v: 1,
      broker: 'sim',
      instrumentId: '1',
      bid: '2.35',
      ask: '2.38',
      tsEventMs: 1,
      tsInitMs: 2,
      delayed: false,
      greeks: { iv: 0.26, delta: 0.67, gamma: 0.099, vega: 0.05, theta: -0.33, underlyingPrice: 186.5 },
    };
    expect(toQuote(tick, 'AAPL').greeks).toEqual(tick.greeks);
  });
});
