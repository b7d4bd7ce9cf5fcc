/**
 * Golden field counts of the order and account messages (spec §3.7–3.12), at served versions 178 and 176
 * (faProfile in openOrder/completedOrder, no pendingPriceRevision in execDetails at 176).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './helpers.js';
import { type ManualSim, startManualSim } from './order-helpers.js';

const AAPL = ['265598', '', '', '', '', '', '', 'SMART', '', '', '', ''];

/** placeOrder as @stoqey/ib sends its head (the sim reads no further than outsideRth). */
function placeOrder(orderId: number, action: string, qty: string, type: string, lmt: string): string[] {
  return [
    '3',
    String(orderId),
    ...AAPL,
    '',
    '',
    action,
    qty,
    type,
    lmt,
    '',
    'DAY',
    '',
    '',
    '',
    '0',
    `ref-${orderId}`,
    '1',
    '0',
    '0',
    '0',
    '',
    '0',
    '0',
    '0',
  ];
}

let m: ManualSim;
beforeAll(async () => {
  m = await startManualSim();
});
afterAll(() => m.sim.stop());

function count(raw: RawClient, id: string): number[] {
  return [...new Set(raw.messages.filter((x) => x[0] === id).map((x) => x.length))];
}

describe.each([
  ['v100..193', 178],
  ['v157..176', 176],
])('order and account field counts (client %s)', (versions, sv) => {
  test('every order/account message has its exact field count', async () => {
    const clientId = sv === 178 ? 11 : 12;
    const raw = await RawClient.started(m.sim.port, clientId, versions);
    raw.send(['61', '1']);
    raw.send(['6', '2', '1', 'DU1234567']);
    raw.send(placeOrder(1, 'BUY', '200', 'MKT', ''));
    raw.send(placeOrder(2, 'BUY', '1', 'LMT', '1'));
    raw.send(['4', '1', '2', '']);
    raw.send(['5', '1']);
    raw.send(['99', '0']);
    raw.send(['7', '3', '9', '0', '', '', '', '', '', '']);
    raw.send(['62', '1', '11', 'All', 'NetLiquidation,Cushion,$LEDGER']);
    raw.send(['76', '1', '10', 'DU1234567', '', '0']);
    raw.send(['92', '12', 'DU1234567', '']);
    raw.send(['94', '13', 'DU1234567', '', '265598']);
    raw.send(['74', '1', '14', 'DU1234567', '']);
    const needed = [
      '5',
      '3',
      '11',
      '59',
      '61',
      '62',
      '6',
      '7',
      '8',
      '54',
      '53',
      '101',
      '102',
      '55',
      '63',
      '64',
      '73',
      '74',
      '94',
      '95',
      '71',
      '72',
    ];
    await raw.until(
      () =>
        needed.every((id) => raw.messages.some((x) => x[0] === id)) &&
        raw.messages.filter((x) => x[0] === '11').length >= 2,
      `all of ${needed.join(',')}`,
      5_000,
    );
    expect(count(raw, '5')).toEqual([sv === 178 ? 127 : 128]);
    expect(count(raw, '101')).toEqual([sv === 178 ? 96 : 97]);
    expect(count(raw, '11')).toEqual([sv === 178 ? 32 : 31]);
    expect(count(raw, '3')).toEqual([12]);
    expect(count(raw, '59')).toEqual([8]);
    expect(count(raw, '53')).toEqual([2]);
    expect(count(raw, '102')).toEqual([1]);
    expect(count(raw, '55')).toEqual([3]);
    expect(count(raw, '61')).toEqual([16]);
    expect(count(raw, '62')).toEqual([2]);
    expect(count(raw, '6')).toEqual([6]);
    expect(count(raw, '7')).toEqual([20]);
    expect(count(raw, '8')).toEqual([3]);
    expect(count(raw, '54')).toEqual([3]);
    expect(count(raw, '63')).toEqual([7]);
    expect(count(raw, '64')).toEqual([3]);
    expect(count(raw, '73')).toEqual([8]);
    expect(count(raw, '74')).toEqual([3]);
    expect(count(raw, '94')).toEqual([5]);
    expect(count(raw, '95')).toEqual([7]);
    expect(count(raw, '71')).toEqual([18]);
    expect(count(raw, '72')).toEqual([3]);
    // The cancel: 202 with the order id, ERR_MSG layout unchanged.
    expect(raw.messages.some((x) => x[0] === '4' && x[2] === '2' && x[3] === '202' && x.length === 6)).toBe(true);
    // Counts and flags are integers, never "" (ib_async int()): comboLegsCount, conditionsCount.
    const oo = raw.messages.find((x) => x[0] === '5') ?? [];
    const shift = sv === 178 ? 0 : 1;
    expect([oo[70 + shift], oo[71 + shift], oo[72 + shift], oo[102 + shift]]).toEqual(['0', '0', '0', '0']);
    raw.close();
  });
});
