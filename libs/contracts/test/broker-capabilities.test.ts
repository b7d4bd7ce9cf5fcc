import { describe, expect, test } from 'vitest';
import {
  BrokerCapabilities,
  BrokerStatus,
  capabilityProblems,
  historyBarLimit,
  type OrderShape,
  orderCapabilityProblem,
} from '../src/index.js';

const caps = BrokerCapabilities.parse({
  assetClasses: ['STK', 'CASH'],
  orderTypes: { MKT: ['DAY', 'IOC'], LMT: ['DAY', 'GTC'] },
  outsideRth: ['LMT'],
  fractionalQuantity: ['CASH'],
  modify: true,
  history: {
    bars: [
      { timeframe: '1m', maxSpanMs: 86_400_000 },
      { timeframe: '1d', maxSpanMs: 365 * 86_400_000 },
    ],
    requestWindow: { max: 60, windowMs: 600_000 },
  },
  marketDataLines: 100,
});

const lmt: OrderShape = { orderType: 'LMT', tif: 'DAY', outsideRth: false, quantity: '10', secType: 'STK' };
const rule = (o: Partial<OrderShape>) => {
  const p = orderCapabilityProblem(caps, { ...lmt, ...o });
  return p === undefined ? undefined : `${p.code}/${p.rule}`;
};

describe('orderCapabilityProblem', () => {
  test('takes what is announced', () => {
    expect(rule({})).toBeUndefined();
    expect(rule({ orderType: 'MKT', tif: 'IOC' })).toBeUndefined();
    expect(rule({ outsideRth: true })).toBeUndefined();
    expect(rule({ secType: 'CASH', quantity: '1000.5' })).toBeUndefined();
  });

  test('names the capability an order lacks', () => {
    expect(rule({ secType: 'FUT' })).toBe('ORDER_ASSET_CLASS_UNSUPPORTED/assetClass');
    expect(rule({ orderType: 'STP' })).toBe('ORDER_TYPE_UNSUPPORTED/orderType');
    expect(rule({ orderType: 'MKT', tif: 'GTC' })).toBe('ORDER_TYPE_UNSUPPORTED/tif');
    expect(rule({ orderType: 'MKT', outsideRth: true })).toBe('ORDER_TYPE_UNSUPPORTED/outsideRth');
    expect(rule({ quantity: '0.5' })).toBe('ORDER_TYPE_UNSUPPORTED/fractionalQuantity');
  });
});

describe('announcements', () => {
  test('a well-formed announcement has no problems, and its bar limits are found by timeframe', () => {
    expect(capabilityProblems(caps)).toEqual([]);
    expect(historyBarLimit(caps, '1m')?.maxSpanMs).toBe(86_400_000);
    expect(historyBarLimit(caps, '5m')).toBeUndefined();
  });

  test('repeats, bar sizes out of order and spans shorter than a bar are problems', () => {
    const bad = BrokerCapabilities.parse({
      ...caps,
      orderTypes: { LMT: ['DAY', 'DAY'] },
      outsideRth: ['MKT'],
      history: {
        assetClasses: ['STK', 'CRYPTO', 'STK'],
        bars: [
          { timeframe: '1d', maxSpanMs: 1_000 },
          { timeframe: '1m', maxSpanMs: 86_400_000 },
        ],
      },
    });
    expect(capabilityProblems(bad)).toEqual([
      'LMT: a TIF is listed twice',
      'outsideRth: MKT is not taken',
      'history.assetClasses: an entry is listed twice',
      'history.assetClasses: CRYPTO is not one of assetClasses',
      'history: 1d spans more than its maxSpanMs',
      'history: 1m is not larger than 1d before it',
    ]);
  });

  test('unknown order types and TIFs, and bar sizes that are not timeframes, do not parse', () => {
    expect(BrokerCapabilities.safeParse({ ...caps, orderTypes: { TRAIL: ['DAY'] } }).success).toBe(false);
    expect(BrokerCapabilities.safeParse({ ...caps, orderTypes: { LMT: ['GTD'] } }).success).toBe(false);
    expect(BrokerCapabilities.safeParse({ ...caps, orderTypes: { LMT: [] } }).success).toBe(false);
    const bars = [{ timeframe: '1 min', maxSpanMs: 1 }];
    expect(BrokerCapabilities.safeParse({ ...caps, history: { bars } }).success).toBe(false);
  });

  test('BrokerStatus carries them, and still parses without them (gateways older than the field)', () => {
    const status = {
      v: 1,
      broker: 'sim',
      gatewayType: 'ib',
      state: 'connected',
      feeds: [],
      accounts: ['DU1'],
      paper: true,
      tsMs: 1,
    };
    expect(BrokerStatus.parse({ ...status, capabilities: caps }).capabilities).toEqual(caps);
    expect(BrokerStatus.parse(status).capabilities).toBeUndefined();
  });
});
