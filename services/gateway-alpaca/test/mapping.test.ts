import { expect, test } from 'vitest';
import { alpacaTimeframe } from '../src/history.js';
import {
  brokerState,
  execIdOf,
  fillBetween,
  orderIdOf,
  replacementClientOrderId,
  rootClientOrderId,
} from '../src/mapping.js';

test("Alpaca's order statuses in the contract's words", () => {
  expect(brokerState('accepted')).toBe('pendingSubmit');
  expect(brokerState('new')).toBe('working');
  expect(brokerState('partially_filled')).toBe('working');
  expect(brokerState('pending_cancel')).toBe('pendingCancel');
  expect(brokerState('canceled')).toBe('cancelled');
  expect(brokerState('expired')).toBe('expired');
  expect(brokerState('filled')).toBe('filled');
  expect(brokerState('rejected')).toBe('rejected');
  expect(brokerState('replaced')).toBeUndefined();
});

test('a replacement keeps our clientOrderId and so our orderId', () => {
  const r = replacementClientOrderId('o-123', 1_700_000_000_000);
  expect(r).not.toBe('o-123');
  expect(rootClientOrderId(r)).toBe('o-123');
  expect(orderIdOf(rootClientOrderId(r))).toBe(orderIdOf('o-123'));
  expect(orderIdOf('o-123')).toBe('o-123');
});

test('a fill recovered from filled fields: quantity and exact price between two readings', () => {
  expect(fillBetween({ filled: '0', avgPrice: undefined }, { filled: '10', avgPrice: '101.5' })).toEqual({
    quantity: '10',
    price: '101.5',
  });
  // 4 @ 100 then 6 more: avg 101.2 over 10 → the 6 were at 102.
  expect(fillBetween({ filled: '4', avgPrice: '100' }, { filled: '10', avgPrice: '101.2' })).toEqual({
    quantity: '6',
    price: '102',
  });
  expect(fillBetween({ filled: '10', avgPrice: '1' }, { filled: '10', avgPrice: '1' })).toBeUndefined();
});

test('execution ids come from the cumulative quantity (stream and recovery agree), within the token pattern', () => {
  const id = execIdOf('0d6a3f58-8c4e-4a47-9b3e-3e1f9b0c2a11', '2.5000');
  expect(id).toBe('0d6a3f58-8c4e-4a47-9b3e-3e1f9b0c2a11-2_5');
  expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
});

test("our bar sizes in Alpaca's spelling; sizes Alpaca has not are undefined", () => {
  expect(alpacaTimeframe('1m')).toBe('1Min');
  expect(alpacaTimeframe('15m')).toBe('15Min');
  expect(alpacaTimeframe('1h')).toBe('1Hour');
  expect(alpacaTimeframe('1d')).toBe('1Day');
  expect(alpacaTimeframe('2d')).toBeUndefined();
  expect(alpacaTimeframe('5s')).toBeUndefined();
});
