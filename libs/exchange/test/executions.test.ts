import { describe, expect, test } from 'vitest';
import { FilterTimeError, makeExecId, parseFilterTime } from '../src/index.js';
import { AAPL, ES, harness, order, T0 } from './helpers.js';

describe('execIds', () => {
  test("IB's shape: sequence.epochSecondsHex.01.01, unique per fill", () => {
    expect(makeExecId(0xe0d5, Date.parse('2024-01-14T11:17:05Z'))).toBe('0000e0d5.65a3c2b1.01.01');
    const { ex, quotes } = harness();
    quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, askSize: 100 });
    ex.placeOrder(order({ totalQuantity: 300 }));
    ex.step();
    ex.step();
    const ids = ex.executions().map((e) => e.execId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}\.[0-9a-f]{8}\.01\.01$/);
    expect(ids[0]?.split('.')[1]).toBe(Math.floor(T0 / 1000).toString(16));
  });
});

describe('reqExecutions filter', () => {
  function scenario() {
    const h = harness({ accounts: [{ id: 'DU1234567' }, { id: 'DU7654321' }] });
    h.ex.placeOrder(order({ clientId: 1, orderRef: 'a' })); // AAPL BOT, 15:00:00
    h.clock.t += 60_000;
    h.ex.placeOrder(order({ clientId: 2, action: 'SELL', orderRef: 'b' })); // AAPL SLD, 15:01:00
    h.clock.t += 60_000;
    h.ex.placeOrder(
      order({ clientId: 2, instrumentId: ES.instrumentId, totalQuantity: 1, account: 'DU7654321', orderRef: 'c' }),
    ); // 15:02
    return h;
  }
  const refs = (list: readonly { orderRef: string }[]) => list.map((e) => e.orderRef);

  test('no filter (empty strings, clientId 0) returns everything in order', () => {
    const { ex } = scenario();
    expect(refs(ex.executions())).toEqual(['a', 'b', 'c']);
    expect(
      refs(ex.executions({ clientId: 0, acctCode: '', time: '', symbol: '', secType: '', exchange: '', side: '' })),
    ).toEqual(['a', 'b', 'c']);
  });

  test('each field narrows', () => {
    const { ex } = scenario();
    expect(refs(ex.executions({ clientId: 2 }))).toEqual(['b', 'c']);
    expect(refs(ex.executions({ acctCode: 'DU7654321' }))).toEqual(['c']);
    expect(refs(ex.executions({ symbol: 'aapl' }))).toEqual(['a', 'b']);
    expect(refs(ex.executions({ secType: 'FUT' }))).toEqual(['c']);
    expect(refs(ex.executions({ exchange: 'CME' }))).toEqual(['c']);
    expect(refs(ex.executions({ side: 'SELL' }))).toEqual(['b']);
    expect(refs(ex.executions({ side: 'BUY' }))).toEqual(['a', 'c']);
    expect(refs(ex.executions({ clientId: 2, side: 'BUY', symbol: 'ES' }))).toEqual(['c']);
  });

  test('time means "at or after", in the formats TWS accepts', () => {
    const { ex } = scenario();
    expect(refs(ex.executions({ time: '20240116 15:01:00' }))).toEqual(['b', 'c']);
    expect(refs(ex.executions({ time: '20240116-15:01:01' }))).toEqual(['c']);
    expect(refs(ex.executions({ time: '20240116 10:01:00 US/Eastern' }))).toEqual(['b', 'c']);
    expect(refs(ex.executions({ time: '20240116 15:03:00 UTC' }))).toEqual([]);
  });

  test('time parsing', () => {
    expect(parseFilterTime('20240716 09:30:00 America/New_York')).toBe(Date.parse('2024-07-16T13:30:00Z'));
    expect(parseFilterTime('20240116 09:30:00 Europe/Berlin')).toBe(Date.parse('2024-01-16T08:30:00Z'));
    expect(() => parseFilterTime('yesterday')).toThrow(FilterTimeError);
    expect(() => parseFilterTime('20240116 09:30:00 Mars/Olympus')).toThrow(FilterTimeError);
  });

  test('execution fields echo the order', () => {
    const { ex } = scenario();
    const [a] = ex.executions({ symbol: 'AAPL', side: 'BUY' });
    expect(a).toMatchObject({
      orderId: expect.any(Number),
      clientId: 1,
      account: 'DU1234567',
      instrumentId: AAPL.instrumentId,
      secType: 'STK',
      currency: 'USD',
      exchange: 'SMART',
      side: 'BOT',
      shares: 100,
      price: 100.02,
      cumQty: 100,
      avgPrice: 100.02,
      orderRef: 'a',
      lastLiquidity: 2,
      timeMs: T0,
    });
    expect(a?.permId).toBe(ex.completedOrders()[0]?.permId);
  });
});
