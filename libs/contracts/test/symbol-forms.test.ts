import { describe, expect, test } from 'vitest';
import { canonicalInstrumentRef, defaultWhatToShow, supportedWhatToShow } from '../src/index.js';

const stock = (symbol: string, over: object = {}) => ({
  secType: 'STK' as const,
  symbol,
  exchange: 'SMART',
  currency: 'USD',
  ...over,
});

describe('symbol forms', () => {
  test('a forex pair written as a symbol is the CASH pair on IDEALPRO, quote currency from the pair', () => {
    const pair = { secType: 'CASH', symbol: 'EUR', currency: 'USD', exchange: 'IDEALPRO' };
    expect(canonicalInstrumentRef(stock('EUR.USD'))).toEqual(pair);
    expect(canonicalInstrumentRef(stock('EURUSD'))).toEqual(pair);
    expect(canonicalInstrumentRef(stock('eur/usd'))).toEqual(pair);
    expect(canonicalInstrumentRef({ secType: 'CASH', symbol: 'EUR.USD' })).toEqual(pair);
    expect(canonicalInstrumentRef(stock('EUR.GBP'))).toEqual({ ...pair, currency: 'GBP' });
    expect(canonicalInstrumentRef(stock('USDJPY', { exchange: 'IDEALPRO' }))).toEqual({
      ...pair,
      symbol: 'USD',
      currency: 'JPY',
    });
  });

  test('spot metals are CMDTY; stocks, IB-form pairs, other types and instrumentIds stay as given', () => {
    expect(canonicalInstrumentRef(stock('XAUUSD'))).toEqual({
      secType: 'CMDTY',
      symbol: 'XAUUSD',
      currency: 'USD',
      exchange: 'SMART',
    });
    expect(canonicalInstrumentRef(stock('XAU.USD'))).toEqual(canonicalInstrumentRef(stock('XAUUSD')));
    for (const ref of [
      stock('AAPL'),
      stock('BRK.B'),
      stock('USDUSD'),
      { secType: 'CASH' as const, symbol: 'EUR', currency: 'USD' },
      { secType: 'FUT' as const, symbol: 'EURUSD' },
      { id: '12087792' },
    ])
      expect(canonicalInstrumentRef(ref)).toBe(ref);
  });

  test('whatToShow by asset class: MIDPOINT for CASH and CMDTY (quotes only), TRADES otherwise', () => {
    expect(defaultWhatToShow('CASH')).toBe('MIDPOINT');
    expect(defaultWhatToShow('CMDTY')).toBe('MIDPOINT');
    for (const t of ['STK', 'FUT', 'OPT', 'IND']) expect(defaultWhatToShow(t)).toBe('TRADES');
    expect(supportedWhatToShow('CASH')).toEqual(['MIDPOINT', 'BID', 'ASK', 'BID_ASK']);
    expect(supportedWhatToShow('STK')).toContain('TRADES');
  });
});
