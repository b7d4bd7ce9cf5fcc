/** The comparison behind orders.positions' `differences` (pure): exact decimals, a missing side is "0". */
import { describe, expect, test } from 'vitest';
import { positionDifferences } from '../src/positions.js';

const p = (broker: string, account: string, instrumentId: string, quantity: string) => ({
  broker,
  account,
  instrumentId,
  quantity,
});

describe('positionDifferences', () => {
  test('equal quantities in any decimal spelling are no difference', () => {
    expect(
      positionDifferences([p('sim', 'DU1', '1', '1.50')], [p('sim', 'DU1', '1', '1.5')], new Set(['sim'])),
    ).toEqual([]);
    expect(positionDifferences([p('sim', 'DU1', '1', '0')], [], new Set(['sim']))).toEqual([]);
  });

  test('a position on one side only is a difference against "0"; exact beyond 2^53; sorted', () => {
    const d = positionDifferences(
      [p('sim', 'DU2', '7', '9007199254740993'), p('sim', 'DU1', '9', '-3')],
      [p('sim', 'DU2', '7', '9007199254740992'), p('sim', 'DU1', '5', '1000')],
      new Set(['sim']),
    );
    expect(d).toEqual([
      { broker: 'sim', account: 'DU1', instrumentId: '5', ledgerQuantity: '0', brokerQuantity: '1000' },
      { broker: 'sim', account: 'DU1', instrumentId: '9', ledgerQuantity: '-3', brokerQuantity: '0' },
      {
        broker: 'sim',
        account: 'DU2',
        instrumentId: '7',
        ledgerQuantity: '9007199254740993',
        brokerQuantity: '9007199254740992',
      },
    ]);
  });

  test('only the brokers whose snapshot was taken are compared', () => {
    expect(positionDifferences([p('ib2', 'DU1', '1', '5')], [], new Set(['sim']))).toEqual([]);
  });
});
