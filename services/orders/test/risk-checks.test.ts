import { describe, expect, test } from 'vitest';
import {
  checkRisk,
  EMPTY_RISK_CONFIG,
  isReducing,
  type RiskConfig,
  type RiskInput,
  referencePrice,
} from '../src/risk-checks.js';

const base: RiskInput = {
  order: { account: 'DU1', side: 'BUY', quantity: '100', orderType: 'LMT', limitPrice: '100', multiplier: '1' },
  mode: 'active',
  config: EMPTY_RISK_CONFIG,
  quote: { bid: '99.9', ask: '100.1', last: '100' },
  position: '0',
  accountCounts: { openOrders: 0, commandsLastSecond: 0 },
  strategyCounts: { openOrders: 0, commandsLastSecond: 0 },
};
const withLimits = (limits: RiskConfig['default'], extra: Partial<RiskInput> = {}): RiskInput => ({
  ...base,
  config: { ...EMPTY_RISK_CONFIG, default: limits },
  ...extra,
});
const rule = (i: RiskInput) => {
  const d = checkRisk(i);
  return d === undefined ? 'pass' : `${d.code}/${d.rule}`;
};

describe('checkRisk', () => {
  test('no limits, active: passes', () => expect(rule(base)).toBe('pass'));

  test('kill switch', () => {
    expect(rule({ ...base, mode: 'halted' })).toBe('TRADING_HALTED/tradingState');
    expect(rule({ ...base, mode: 'reducingOnly' })).toBe('TRADING_REDUCING_ONLY/tradingState');
    expect(rule({ ...base, mode: 'reducingOnly', position: '-100' })).toBe('pass');
    expect(rule({ ...base, mode: 'reducingOnly', position: '-99' })).toBe('TRADING_REDUCING_ONLY/tradingState');
  });

  test('max quantity and notional, exact at the boundary', () => {
    expect(rule(withLimits({ maxOrderQuantity: '100' }))).toBe('pass');
    expect(rule(withLimits({ maxOrderQuantity: '99.5' }))).toBe('RISK_MAX_QUANTITY/maxOrderQuantity');
    expect(rule(withLimits({ maxOrderNotional: '10000' }))).toBe('pass');
    expect(rule(withLimits({ maxOrderNotional: '9999.99' }))).toBe('RISK_MAX_NOTIONAL/maxOrderNotional');
    const fut = { ...base.order, quantity: '2', limitPrice: '5000.25', multiplier: '50' };
    expect(rule(withLimits({ maxOrderNotional: '500025' }, { order: fut }))).toBe('pass');
    expect(rule(withLimits({ maxOrderNotional: '500024.99' }, { order: fut }))).toBe(
      'RISK_MAX_NOTIONAL/maxOrderNotional',
    );
  });

  test('market order notional uses the reference price, or denies without one', () => {
    const mkt = { ...base.order, orderType: 'MKT' as const, limitPrice: undefined };
    expect(rule(withLimits({ maxOrderNotional: '10000' }, { order: mkt }))).toBe('pass');
    expect(rule(withLimits({ maxOrderNotional: '10000' }, { order: mkt, quote: undefined }))).toBe(
      'RISK_NO_REFERENCE_PRICE/maxOrderNotional',
    );
  });

  test('price collar against the last quote', () => {
    const at = (limitPrice: string) => ({ order: { ...base.order, limitPrice } });
    expect(rule(withLimits({ priceCollarPercent: '5' }, at('105')))).toBe('pass');
    expect(rule(withLimits({ priceCollarPercent: '5' }, at('105.01')))).toBe('RISK_PRICE_COLLAR/priceCollar');
    expect(rule(withLimits({ priceCollarPercent: '5' }, at('94.99')))).toBe('RISK_PRICE_COLLAR/priceCollar');
    expect(rule(withLimits({ priceCollarPercent: '5' }, { quote: undefined }))).toBe(
      'RISK_NO_REFERENCE_PRICE/priceCollar',
    );
    expect(rule(withLimits({ priceCollarPercent: '5' }, { quote: { bid: '99' } }))).toBe(
      'RISK_NO_REFERENCE_PRICE/priceCollar',
    );
  });

  test('open orders, rate and position', () => {
    const counts = { openOrders: 3, commandsLastSecond: 5 };
    expect(rule(withLimits({ maxOpenOrders: 3 }, { accountCounts: counts }))).toBe(
      'RISK_MAX_OPEN_ORDERS/maxOpenOrders',
    );
    expect(rule(withLimits({ maxOpenOrders: 4 }, { accountCounts: counts }))).toBe('pass');
    expect(rule(withLimits({ maxCommandsPerSecond: 5 }, { accountCounts: counts }))).toBe(
      'RISK_RATE_LIMIT/maxCommandsPerSecond',
    );
    expect(rule(withLimits({ maxPosition: '150' }, { position: '50' }))).toBe('pass');
    expect(rule(withLimits({ maxPosition: '150' }, { position: '51' }))).toBe('RISK_MAX_POSITION/maxPosition');
  });

  test('per-account and per-strategy sets apply on top of the default', () => {
    const config: RiskConfig = {
      default: { maxOrderQuantity: '1000' },
      accounts: { DU1: { maxOrderQuantity: '50' } },
      strategies: { s1: { maxOpenOrders: 1 } },
    };
    expect(checkRisk({ ...base, config })?.message).toContain('account:DU1');
    const other = { ...base.order, account: 'DU2' };
    expect(rule({ ...base, config, order: other })).toBe('pass');
    const tagged = { ...other, strategy: 's1' };
    expect(rule({ ...base, config, order: tagged, strategyCounts: { openOrders: 1, commandsLastSecond: 0 } })).toBe(
      'RISK_MAX_OPEN_ORDERS/maxOpenOrders',
    );
  });
});

describe('helpers', () => {
  test('reference price: last, else mid', () => {
    expect(referencePrice({ last: '10', bid: '1', ask: '2' })).toBe('10');
    expect(referencePrice({ bid: '100.01', ask: '100.02' })).toBe('100.015');
    expect(referencePrice({})).toBeUndefined();
  });
  test('reducing', () => {
    expect(isReducing('10', 'SELL', '10')).toBe(true);
    expect(isReducing('10', 'SELL', '11')).toBe(false);
    expect(isReducing('0', 'SELL', '1')).toBe(false);
    expect(isReducing('-5', 'BUY', '5')).toBe(true);
  });
});
