import { describe, expect, test } from 'vitest';
import {
  checkRisk,
  DEFAULT_RISK_CONFIG,
  DEFAULT_RISK_LIMITS,
  EMPTY_RISK_CONFIG,
  isReducing,
  type RiskConfig,
  type RiskInput,
  referenceNeeded,
  referencePrice,
  valuationPrice,
  withShippedDefaults,
  withShippedLimits,
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

  test('price collar against the last quote, on the aggressive side of a limit', () => {
    const at = (limitPrice: string, side: 'BUY' | 'SELL' = 'BUY') => ({ order: { ...base.order, limitPrice, side } });
    const collar = { priceCollarPercent: '5' };
    expect(rule(withLimits(collar, at('105')))).toBe('pass');
    expect(rule(withLimits(collar, at('105.01')))).toBe('RISK_PRICE_COLLAR/priceCollar');
    // A bid far below the market cannot fill worse than itself: not collared.
    expect(rule(withLimits(collar, at('94.99')))).toBe('pass');
    expect(rule(withLimits(collar, at('1')))).toBe('pass');
    expect(rule(withLimits(collar, at('95', 'SELL')))).toBe('pass');
    expect(rule(withLimits(collar, at('94.99', 'SELL')))).toBe('RISK_PRICE_COLLAR/priceCollar');
    expect(rule(withLimits(collar, at('0.01', 'SELL')))).toBe('RISK_PRICE_COLLAR/priceCollar');
    expect(rule(withLimits(collar, at('1000', 'SELL')))).toBe('pass');
    expect(rule(withLimits(collar, { quote: undefined }))).toBe('RISK_NO_REFERENCE_PRICE/priceCollar');
    expect(rule(withLimits(collar, { quote: { bid: '99' } }))).toBe('RISK_NO_REFERENCE_PRICE/priceCollar');
    // A stop-limit's limit is judged against its own stop (where it becomes live), with or without a quote.
    const stpLmt = (stopPrice: string, limitPrice: string) => ({
      order: { ...base.order, orderType: 'STP LMT' as const, stopPrice, limitPrice },
      quote: undefined,
    });
    expect(rule(withLimits(collar, stpLmt('200', '210')))).toBe('pass');
    expect(rule(withLimits(collar, stpLmt('200', '210.01')))).toBe('RISK_PRICE_COLLAR/priceCollar');
    // Market and stop orders have no limit to collar (the notional limit bounds them).
    const mkt = { order: { ...base.order, orderType: 'MKT' as const, limitPrice: undefined }, quote: undefined };
    expect(rule(withLimits(collar, mkt))).toBe('pass');
  });

  test('the notional is valued at the worst fill price known', () => {
    const o = base.order;
    expect(valuationPrice({ ...o, limitPrice: '1' }, '100')).toBe('1');
    expect(valuationPrice({ ...o, side: 'SELL', limitPrice: '90' }, '100')).toBe('100');
    expect(valuationPrice({ ...o, side: 'SELL', limitPrice: '120' }, '100')).toBe('120');
    expect(valuationPrice({ ...o, side: 'SELL', limitPrice: '90' }, undefined)).toBe('90');
    const stp = { ...o, orderType: 'STP' as const, limitPrice: undefined, stopPrice: '1' };
    expect(valuationPrice(stp, '100')).toBe('100');
    expect(valuationPrice({ ...o, orderType: 'MKT', limitPrice: undefined }, undefined)).toBeUndefined();
    // A marketable BUY STP at 1 when the market is 100 is a market order for 100 × quantity.
    expect(rule(withLimits({ maxOrderNotional: '9999' }, { order: stp }))).toBe('RISK_MAX_NOTIONAL/maxOrderNotional');
  });

  test('the shipped limits: on by default, raised or lowered but never absent', () => {
    expect(DEFAULT_RISK_CONFIG.default).toEqual({
      maxOrderQuantity: '100000',
      maxOrderNotional: '1000000',
      priceCollarPercent: '20',
    });
    expect(withShippedLimits({ maxOrderQuantity: '5', maxPosition: '7' })).toEqual({
      ...DEFAULT_RISK_LIMITS,
      maxOrderQuantity: '5',
      maxPosition: '7',
    });
    expect(withShippedDefaults(EMPTY_RISK_CONFIG).default).toEqual(DEFAULT_RISK_LIMITS);
    expect(withShippedLimits({}, { maxOrderQuantity: '3' })).toEqual({ maxOrderQuantity: '3' });
    const shipped = (order: Partial<RiskInput['order']>, quote: RiskInput['quote'] = base.quote) =>
      rule({ ...base, config: DEFAULT_RISK_CONFIG, order: { ...base.order, ...order }, quote });
    expect(shipped({})).toBe('pass');
    expect(shipped({ quantity: '100001', limitPrice: '1' })).toBe('RISK_MAX_QUANTITY/maxOrderQuantity');
    expect(shipped({ quantity: '10001' })).toBe('RISK_MAX_NOTIONAL/maxOrderNotional');
    expect(shipped({ limitPrice: '120.01' })).toBe('RISK_PRICE_COLLAR/priceCollar');
    expect(shipped({ limitPrice: '99999999999.99' })).toBe('RISK_PRICE_COLLAR/priceCollar');
    expect(shipped({ orderType: 'MKT', limitPrice: undefined }, {})).toBe('RISK_NO_REFERENCE_PRICE/maxOrderNotional');
  });

  test('a reference price is asked for only when a limit in force needs one', () => {
    const need = (config: RiskConfig, order: Partial<RiskInput['order']>, mode: RiskInput['mode'] = 'active') =>
      referenceNeeded({ config, mode, order: { ...base.order, ...order } });
    expect(need(EMPTY_RISK_CONFIG, {})).toBe(false);
    expect(need(DEFAULT_RISK_CONFIG, {})).toBe(true);
    expect(need(DEFAULT_RISK_CONFIG, {}, 'halted')).toBe(false);
    expect(need(DEFAULT_RISK_CONFIG, { orderType: 'MKT', limitPrice: undefined })).toBe(true);
    expect(need(DEFAULT_RISK_CONFIG, { orderType: 'STP LMT', stopPrice: '99' })).toBe(false);
    expect(need({ ...EMPTY_RISK_CONFIG, default: { maxOrderNotional: '1' } }, {})).toBe(false);
    const byStrategy: RiskConfig = { ...EMPTY_RISK_CONFIG, strategies: { s: { priceCollarPercent: '1' } } };
    expect(need(byStrategy, {})).toBe(false);
    expect(need(byStrategy, { strategy: 's' })).toBe(true);
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
