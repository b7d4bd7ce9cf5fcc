import { describe, expect, test } from 'vitest';
import {
  brokerIds,
  clientOrderIdOf,
  fingerprint,
  ibOrderIdOf,
  isFinalIbStatus,
  orderKey,
  parseIbStatus,
  toBrokerOrder,
  toCommission,
  toExecution,
  toIbOrder,
  tokenSafe,
} from '../src/parsing/orders.js';
import { parseTwsTime, toIbUtcTime } from '../src/parsing/time.js';

const AAPL = {
  id: '265598',
  secType: 'STK' as const,
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  currency: 'USD',
  minTick: '0.01',
};

describe('TWS times', () => {
  test('zoned execution times, UTC dash form, epoch seconds; DST respected', () => {
    expect(parseTwsTime('20240312 11:00:01 US/Eastern')).toBe(Date.parse('2024-03-12T15:00:01Z'));
    expect(parseTwsTime('20240105 11:00:01 US/Eastern')).toBe(Date.parse('2024-01-05T16:00:01Z'));
    expect(parseTwsTime('20240312  11:00:01', 'US/Eastern')).toBe(Date.parse('2024-03-12T15:00:01Z'));
    expect(parseTwsTime('20240312-15:00:01')).toBe(Date.parse('2024-03-12T15:00:01Z'));
    expect(parseTwsTime('1710255601')).toBe(1710255601000);
    expect(toIbUtcTime(Date.parse('2024-03-12T15:00:01Z'))).toBe('20240312-15:00:01');
    expect(() => parseTwsTime('soon')).toThrow(/unrecognised/);
    expect(() => parseTwsTime('20240312 11:00:01 Mars/Olympus')).toThrow(/time zone/);
  });
});

describe('orders', () => {
  test('our order → IB order, orderRef = clientOrderId', () => {
    expect(
      toIbOrder({
        v: 1,
        clientOrderId: 'o-1',
        account: 'DU1',
        instrument: { id: '1' },
        side: 'SELL',
        quantity: '10',
        orderType: 'STP LMT',
        limitPrice: '99.5',
        stopPrice: '100',
        tif: 'GTC',
        outsideRth: true,
      }),
    ).toEqual({
      action: 'SELL',
      totalQuantity: 10,
      orderType: 'STP LMT',
      tif: 'GTC',
      outsideRth: true,
      account: 'DU1',
      orderRef: 'o-1',
      transmit: true,
      lmtPrice: 99.5,
      auxPrice: 100,
    });
  });

  test('IB open order → BrokerOrder; prices only where the type uses them; filled from the last status', () => {
    const b = toBrokerOrder(
      7,
      AAPL,
      {
        action: 'BUY' as never,
        totalQuantity: 100,
        orderType: 'LMT' as never,
        lmtPrice: 187.5,
        auxPrice: 0,
        tif: 'DAY' as never,
        orderRef: 'o-7',
        permId: 123,
        account: 'DU1',
      },
      { status: 'Submitted' as never },
      40,
    );
    expect(b).toEqual({
      orderId: '7',
      permId: '123',
      clientOrderId: 'o-7',
      account: 'DU1',
      instrument: AAPL,
      side: 'BUY',
      quantity: '100',
      orderType: 'LMT',
      limitPrice: '187.5',
      tif: 'DAY',
      outsideRth: false,
      status: 'working',
      filled: '40',
      remaining: '60',
    });
    expect(() =>
      toBrokerOrder(
        1,
        AAPL,
        { action: 'BUY' as never, totalQuantity: 1, orderType: 'LMT' as never },
        { status: 'Weird' as never },
        0,
      ),
    ).toThrow(/status/);
    expect(() =>
      toBrokerOrder(
        1,
        AAPL,
        { action: 'BUY' as never, totalQuantity: 1, orderType: 'TRAIL' as never },
        { status: 'Submitted' as never },
        0,
      ),
    ).toThrow(/unsupported/);
  });

  test("IB's status words map to BrokerOrderState, the only place they are read; unknown words to nothing", () => {
    const words = ['ApiPending', 'PendingSubmit', 'PreSubmitted', 'Submitted', 'PendingCancel'];
    expect(words.map(parseIbStatus)).toEqual(['pendingSubmit', 'pendingSubmit', 'held', 'working', 'pendingCancel']);
    const final = ['ApiCancelled', 'Cancelled', 'Filled', 'Inactive'];
    expect(final.map(parseIbStatus)).toEqual(['cancelled', 'cancelled', 'filled', 'rejected']);
    expect(final.every(isFinalIbStatus)).toBe(true);
    expect(words.some(isFinalIbStatus)).toBe(false);
    for (const unknown of ['Unknown', 'submitted', 'working', 'toString', ''])
      expect(parseIbStatus(unknown)).toBe(undefined);
    expect(isFinalIbStatus(undefined)).toBe(false);
  });

  test('execution and commission', () => {
    const x = toExecution(
      { conId: 265598 },
      {
        execId: '0001f4e8.65f0.01.01',
        time: '20240312 11:00:01 US/Eastern',
        acctNumber: 'DU1',
        exchange: 'NASDAQ',
        side: 'SLD',
        shares: 100,
        price: 187.24,
        permId: 5,
        orderId: 7,
        cumQty: 100,
        avgPrice: 187.24,
        orderRef: 'o-7',
      },
    );
    expect(x).toMatchObject({
      side: 'SELL',
      quantity: '100',
      price: '187.24',
      execTimeMs: Date.parse('2024-03-12T15:00:01Z'),
      clientOrderId: 'o-7',
    });
    expect(() => toExecution({ conId: 1 }, { execId: 'x', side: 'BOT' })).toThrow(/lacks/);
    expect(
      toCommission({ execId: 'e', commission: 0.35, currency: 'USD', realizedPNL: 1.7976931348623157e308 }),
    ).toEqual({
      execId: 'e',
      commission: '0.35',
      currency: 'USD',
    });
  });

  test("IB's integer ids ↔ broker order id strings: 0 is no id, commands take only the decimal form of one", () => {
    expect(brokerIds(7, 123)).toEqual({ orderId: '7', permId: '123' });
    expect(brokerIds(0, 0)).toEqual({});
    expect(brokerIds(-5, 0)).toEqual({ orderId: '-5' });
    expect(brokerIds(undefined, 9)).toEqual({ permId: '9' });
    expect(ibOrderIdOf('7')).toBe(7);
    expect(ibOrderIdOf('2147483647')).toBe(2_147_483_647);
    for (const id of ['0', '-5', '007', '7.0', '1e3', '2147483648', 'abc', ''])
      expect(ibOrderIdOf(id), id).toBeUndefined();
  });

  test('event id building blocks are token-safe and stable', () => {
    expect(tokenSafe('0001f4e8.65f0.01.01')).toBe('0001f4e8_65f0_01_01');
    expect(fingerprint('abc')).toBe(fingerprint('abc'));
    expect(fingerprint('abc')).not.toBe(fingerprint('abd'));
    expect(orderKey(123, 1, 7)).toBe('p123');
    expect(orderKey(0, 1, 7)).toBe('c1o7');
    expect(clientOrderIdOf('has space')).toBeUndefined();
    expect(clientOrderIdOf('')).toBeUndefined();
    expect(clientOrderIdOf('o-1')).toBe('o-1');
  });
});
