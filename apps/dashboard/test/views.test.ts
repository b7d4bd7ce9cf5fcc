/** The blotter's sections and reasons, and sums across brokers: exact decimals, never across currencies. */
import type { AccountSummary, Position } from '@trading-system/contracts';
import type { Order } from '@trading-system/sdk';
import { expect, test } from 'vitest';
import { aggregateAccounts, aggregatePositions, blotter, sectionOf } from '../src/views.js';

test('sections: open states work, filled, cancelled and expired, denied and rejected', () => {
  const of = (status: Order['status']) => sectionOf({ status });
  expect(
    ['accepted', 'pendingSubmit', 'submitted', 'partiallyFilled', 'pendingCancel', 'unresolved'].map((s) =>
      of(s as Order['status']),
    ),
  ).toEqual(Array(6).fill('working'));
  expect([of('filled'), of('cancelled'), of('expired'), of('denied'), of('rejected')]).toEqual([
    'filled',
    'cancelled',
    'cancelled',
    'denied',
    'denied',
  ]);
});

test("a reason: the OMS's rejection first (code and message), else what an event said", () => {
  const base = { orderId: 'o1', status: 'denied' } as Order;
  const denied = {
    ...base,
    rejection: { kind: 'denied', code: 'RISK_MAX_QUANTITY', message: 'too many', at: new Date() },
  } as Order;
  const broker = {
    ...base,
    orderId: 'o2',
    status: 'rejected',
    rejection: { kind: 'rejected', brokerCode: 201, message: 'no', at: new Date() },
  } as Order;
  const cancelled = { ...base, orderId: 'o3', status: 'cancelled' } as Order;
  const rows = blotter([denied, broker, cancelled], (id) => (id === 'o3' ? 'by user' : 'from event'));
  expect(rows.map((r) => r.reason)).toEqual(['RISK_MAX_QUANTITY: too many', '201: no', 'by user']);
});

test('positions summed per instrument across brokers, exactly; flat ones left out', () => {
  const p = (broker: string, instrumentId: string, quantity: string, marketValue?: string): Position =>
    ({
      broker,
      account: 'DU1',
      instrumentId,
      symbol: `S${instrumentId}`,
      secType: 'STK',
      currency: 'USD',
      quantity,
      ...(marketValue ? { marketValue } : {}),
    }) as Position;
  const rows = aggregatePositions([
    p('a', '1', '0.1', '10.1'),
    p('b', '1', '0.2', '20.2'),
    p('a', '2', '0'),
    p('b', '3', '-5'),
  ]);
  expect(rows).toEqual([
    {
      instrumentId: '1',
      symbol: 'S1',
      secType: 'STK',
      currency: 'USD',
      quantity: '0.3',
      marketValue: '30.3',
      brokers: ['a', 'b'],
    },
    { instrumentId: '3', symbol: 'S3', secType: 'STK', currency: 'USD', quantity: '-5', brokers: ['b'] },
  ]);
});

test('account figures summed per currency, never across currencies', () => {
  const a = (broker: string, currency: string, netLiquidation: string): AccountSummary =>
    ({ broker, account: 'DU1', currency, netLiquidation, values: [], tsEventMs: 0 }) as AccountSummary;
  expect(aggregateAccounts([a('x', 'USD', '100.5'), a('y', 'USD', '0.5'), a('z', 'EUR', '7')])).toEqual([
    { currency: 'USD', accounts: 2, netLiquidation: '101' },
    { currency: 'EUR', accounts: 1, netLiquidation: '7' },
  ]);
});
