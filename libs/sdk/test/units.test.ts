/** Pure parts: error classes per registry code, decimal inputs, contracts → instrument references. */

import { NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { ContractError, ERROR_CODES, errorRegistry } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { sdkError, toSdkError } from '../src/errors.js';
import {
  BrokerError,
  HistoricalDataError,
  NotFoundError,
  OrderDeniedError,
  OrderRejectedError,
  ServiceError,
  TradingSystemError,
  toDecimal,
  toInstrumentRef,
  ValidationError,
} from '../src/index.js';

describe('errors', () => {
  test('every registry code becomes a TradingSystemError with its hint and retryability', () => {
    for (const code of ERROR_CODES) {
      const e = sdkError(code, 'x');
      expect(e).toBeInstanceOf(TradingSystemError);
      expect(e.hint).toBe(errorRegistry[code].hint);
      expect(e.retryable).toBe(errorRegistry[code].retryable);
    }
  });

  test.each([
    ['RISK_MAX_QUANTITY', OrderDeniedError],
    ['TRADING_HALTED', OrderDeniedError],
    ['ORDER_REJECTED', OrderRejectedError],
    ['ORDER_NOT_CANCELLABLE', OrderRejectedError],
    ['ORDER_NOT_FOUND', NotFoundError],
    ['CONTRACT_AMBIGUOUS', NotFoundError],
    ['BROKER_DISCONNECTED', BrokerError],
    ['PACING_VIOLATION', HistoricalDataError],
    ['PRICE_NOT_ON_TICK', ValidationError],
    ['ORDER_TYPE_UNSUPPORTED', ValidationError],
    ['NO_RESPONDERS', ServiceError],
    ['TIMEOUT', ServiceError],
  ] as const)('%s → %o', (code, Cls) => {
    expect(sdkError(code, 'x')).toBeInstanceOf(Cls);
  });

  test('bus and contract errors are converted, keeping the cause and details', () => {
    const ce = new ContractError('CONTRACT_UNKNOWN', 'no such thing', { details: { brokerCode: 200 } });
    const e = toSdkError(ce, 'qualify');
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toMatchObject({ code: 'CONTRACT_UNKNOWN', details: { brokerCode: 200 }, cause: ce });
    expect(e.message).toBe('qualify: no such thing');
    expect(toSdkError(new NoRespondersError('orders.submit'), 'submit').code).toBe('NO_RESPONDERS');
    expect(toSdkError(new RequestTimeoutError('orders.submit', 100), 'submit').code).toBe('TIMEOUT');
    expect(toSdkError(new Error('boom'), 'x').code).toBe('INTERNAL_ERROR');
  });
});

describe('decimals', () => {
  test('numbers are written plainly; strings pass through', () => {
    expect(toDecimal(150.25, 'p')).toBe('150.25');
    expect(toDecimal(1, 'p')).toBe('1');
    expect(toDecimal(0.1 + 0.2, 'p')).toBe('0.3');
    expect(toDecimal(1e-7, 'p')).toBe('0.0000001');
    expect(toDecimal(' 187.250 ', 'p')).toBe('187.250');
    expect(() => toDecimal(Number.POSITIVE_INFINITY, 'p')).toThrow(ValidationError);
    expect(() => toDecimal(1e-13, 'p')).toThrow(/more than 12 decimals/);
  });
});

describe('contracts', () => {
  test('a symbol alone is a SMART-routed US stock', () => {
    expect(toInstrumentRef('AAPL')).toEqual({ secType: 'STK', symbol: 'AAPL', exchange: 'SMART', currency: 'USD' });
    expect(toInstrumentRef('SAP', 'IBIS', { currency: 'EUR' })).toMatchObject({ exchange: 'IBIS', currency: 'EUR' });
  });
  test('forex, futures, options, commodities and instrumentIds', () => {
    expect(toInstrumentRef({ symbol: 'EUR', secType: 'CASH' })).toMatchObject({
      exchange: 'IDEALPRO',
      currency: 'USD',
    });
    expect(toInstrumentRef('ES', 'CME', { secType: 'FUT', expiry: '202612' })).toMatchObject({
      secType: 'FUT',
      exchange: 'CME',
      expiry: '202612',
    });
    expect(
      toInstrumentRef({ symbol: 'AAPL', secType: 'OPT', expiry: '20261218', strike: 200, right: 'CALL' }),
    ).toMatchObject({ strike: '200', right: 'C' });
    expect(toInstrumentRef({ symbol: 'XAUUSD', secType: 'CMDTY' })).toMatchObject({ secType: 'CMDTY' });
    expect(toInstrumentRef({ id: '265598' })).toEqual({ id: '265598' });
    expect(toInstrumentRef({ id: '265598' }, 'NASDAQ')).toEqual({ id: '265598', exchange: 'NASDAQ' });
  });
});
