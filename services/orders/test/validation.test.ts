import type { BrokerCapabilities, Instrument } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { type OrderParams, resolveAccount, validateOrderParams } from '../src/validation.js';
import { TEST_CAPABILITIES } from './harness.js';

const stk: Instrument = {
  id: '265598',
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  currency: 'USD',
  minTick: '0.01',
};
const fut: Instrument = { ...stk, id: '1', secType: 'FUT', expiry: '20261218', minTick: '0.25', multiplier: '50' };
const broker: BrokerCapabilities = TEST_CAPABILITIES;
const lmt: OrderParams = { orderType: 'LMT', tif: 'DAY', quantity: '10', limitPrice: '100.05', outsideRth: false };

const code = (o: OrderParams, i: Instrument = stk, b = broker) => {
  const v = validateOrderParams(o, i, b);
  return v.ok ? 'ok' : `${v.code}/${v.rule}`;
};

describe('validateOrderParams', () => {
  test('a well-formed limit order passes', () => expect(code(lmt)).toBe('ok'));

  test('order type parameters', () => {
    expect(code({ ...lmt, limitPrice: undefined })).toBe('VALIDATION_FAILED/limitPrice');
    expect(code({ ...lmt, orderType: 'STP' })).toBe('VALIDATION_FAILED/limitPrice');
    expect(code({ ...lmt, orderType: 'STP', limitPrice: undefined })).toBe('VALIDATION_FAILED/stopPrice');
    expect(code({ ...lmt, orderType: 'STP LMT', stopPrice: '99' })).toBe('ok');
    expect(code({ ...lmt, orderType: 'STP LMT' })).toBe('VALIDATION_FAILED/stopPrice');
    expect(code({ ...lmt, orderType: 'MKT', limitPrice: undefined })).toBe('ok');
  });

  test('what the broker announces: order type, TIF for the type, outside-RTH, asset class, fractions', () => {
    expect(code({ ...lmt, tif: 'IOC' })).toBe('ok');
    expect(code({ ...lmt, orderType: 'STP', limitPrice: undefined, stopPrice: '99', tif: 'FOK' })).toBe(
      'ORDER_TYPE_UNSUPPORTED/tif',
    );
    const noGtc = { ...TEST_CAPABILITIES, orderTypes: { LMT: ['DAY' as const] } };
    expect(code({ ...lmt, tif: 'GTC' }, stk, noGtc)).toBe('ORDER_TYPE_UNSUPPORTED/tif');
    expect(code({ ...lmt, orderType: 'MKT', limitPrice: undefined }, stk, noGtc)).toBe(
      'ORDER_TYPE_UNSUPPORTED/orderType',
    );
    expect(code({ ...lmt, orderType: 'MKT', limitPrice: undefined, outsideRth: true })).toBe(
      'ORDER_TYPE_UNSUPPORTED/outsideRth',
    );
    expect(code(lmt, { ...stk, secType: 'IND' })).toBe('ORDER_ASSET_CLASS_UNSUPPORTED/assetClass');
    expect(code({ ...lmt, quantity: '1.5' })).toBe('ORDER_TYPE_UNSUPPORTED/fractionalQuantity');
    const fractions = { ...TEST_CAPABILITIES, fractionalQuantity: ['STK' as const] };
    expect(code({ ...lmt, quantity: '1.5' }, stk, fractions)).toBe('ok');
    // A broker that announced nothing gets nothing: the OMS cannot tell what it would take.
    expect(validateOrderParams(lmt, stk, undefined)).toMatchObject({ code: 'BROKER_CAPABILITIES_UNKNOWN' });
  });

  test('quantity and price rules of the instrument', () => {
    expect(code({ ...lmt, limitPrice: '100.005' })).toBe('PRICE_NOT_ON_TICK/tickSize');
    expect(code({ ...lmt, limitPrice: '0' })).toBe('VALIDATION_FAILED/limitPrice');
    expect(code({ ...lmt, limitPrice: '-5.25' }, fut)).toBe('ok');
    expect(code({ ...lmt, limitPrice: '5010.1' }, fut)).toBe('PRICE_NOT_ON_TICK/tickSize');
  });

  test("the broker's size rules, when its contract details give them", () => {
    const lots = { ...stk, secType: 'CMDTY' as const, minSize: '1', sizeIncrement: '0.5' };
    const metals = { ...TEST_CAPABILITIES, assetClasses: ['CMDTY' as const], fractionalQuantity: ['CMDTY' as const] };
    expect(code({ ...lmt, quantity: '1.5' }, lots, metals)).toBe('ok');
    expect(code({ ...lmt, quantity: '0.5' }, lots, metals)).toBe('VALIDATION_FAILED/minSize');
    expect(code({ ...lmt, quantity: '1.25' }, lots, metals)).toBe('VALIDATION_FAILED/sizeIncrement');
    expect(code({ ...lmt, quantity: '100' }, { ...stk, sizeIncrement: '100' })).toBe('ok');
    expect(code({ ...lmt, quantity: '150' }, { ...stk, sizeIncrement: '100' })).toBe('VALIDATION_FAILED/sizeIncrement');
  });
});

describe('resolveAccount', () => {
  test('named, single and ambiguous', () => {
    expect(resolveAccount('DU1', ['DU1', 'DU2'])).toEqual({ ok: true, value: 'DU1' });
    expect(resolveAccount(undefined, ['DU1'])).toEqual({ ok: true, value: 'DU1' });
    expect(resolveAccount(undefined, ['DU1', 'DU2'])).toMatchObject({ ok: false, code: 'ACCOUNT_UNKNOWN' });
    expect(resolveAccount('DU9', ['DU1'])).toMatchObject({ ok: false, code: 'ACCOUNT_UNKNOWN', rule: 'account' });
  });
});
