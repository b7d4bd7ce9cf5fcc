import { describe, expect, test } from 'vitest';
import type { ErrorEvent } from '../src/index.js';
import { AAPL, ES, harness, order, orderFlow, SPX } from './helpers.js';

const errors = (events: readonly { kind: string }[]) => events.filter((e): e is ErrorEvent => e.kind === 'error');

describe('validation answers exactly as TWS', () => {
  const cases: Array<[string, Parameters<typeof order>[0], number, string]> = [
    [
      'price off the tick',
      { orderType: 'LMT', lmtPrice: 100.005 },
      110,
      'The price does not conform to the minimum price variation for this contract.',
    ],
    [
      'stop off the futures tick',
      { instrumentId: ES.instrumentId, orderType: 'STP', auxPrice: 4800.1 },
      110,
      'The price does not conform to the minimum price variation for this contract.',
    ],
    ['zero size', { totalQuantity: 0 }, 434, 'The order size cannot be zero.'],
    ['negative size', { totalQuantity: -5 }, 434, 'The order size cannot be zero.'],
    [
      'LMT without a limit price',
      { orderType: 'LMT' },
      321,
      "Error validating request.-'bM' : cause - Missing limit price",
    ],
    [
      'STP without a stop price',
      { orderType: 'STP' },
      321,
      "Error validating request.-'bM' : cause - Missing stop price",
    ],
    [
      'unsupported order type',
      { orderType: 'TRAIL' },
      321,
      "Error validating request.-'bM' : cause - Unsupported order type: TRAIL",
    ],
    ['unknown contract', { instrumentId: '999' }, 200, 'No security definition has been found for the request'],
    [
      'unknown account',
      { account: 'DU0000000' },
      321,
      "Error validating request.-'bM' : cause - Invalid account code: DU0000000",
    ],
  ];
  for (const [name, o, code, message] of cases) {
    test(`${name} → ${code}, nothing created`, () => {
      const { ex } = harness();
      const events = ex.placeOrder(order({ orderId: 11, ...o }));
      expect(events).toEqual([{ kind: 'error', clientId: 1, id: 11, code, message }]);
      expect(ex.order(1, 11)).toBeUndefined();
      expect(ex.openOrders()).toEqual([]);
    });
  }

  test('103 for a re-used or lower order id; 104 for re-placing a filled one', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 20 }));
    expect(errors(ex.placeOrder(order({ orderId: 20 })))[0]).toMatchObject({
      code: 104,
      message: "Can't modify a filled order",
    });
    expect(errors(ex.placeOrder(order({ orderId: 19 })))[0]).toMatchObject({
      code: 103,
      message: 'Duplicate order id',
    });
    ex.placeOrder(order({ orderId: 21, orderType: 'LMT', lmtPrice: 90 }));
    ex.cancelOrder(1, 21);
    expect(errors(ex.placeOrder(order({ orderId: 21 })))[0]?.code).toBe(103);
    // Another client has its own id space.
    expect(orderFlow(ex.placeOrder(order({ orderId: 19, clientId: 2 })))).toContain('execution');
  });
});

describe('rejections', () => {
  test('rejectNext: PreSubmitted, 201 with the reason, then Inactive; only once', () => {
    const { ex } = harness();
    ex.rejectNext('Insufficient test funds');
    const events = ex.placeOrder(order({ orderId: 30 }));
    expect(orderFlow(events)).toEqual([
      'open:PreSubmitted',
      'status:PreSubmitted',
      'error:201',
      'open:Inactive',
      'status:Inactive',
    ]);
    expect(errors(events)[0]?.message).toBe('Order rejected - reason:Insufficient test funds');
    expect(ex.completedOrders()[0]).toMatchObject({ orderId: 30, status: 'Inactive' });
    expect(orderFlow(ex.placeOrder(order({ orderId: 31 })))).toContain('execution');
  });

  test('rejectNext with another code sends that code and text', () => {
    const { ex } = harness();
    ex.rejectNext('Custom venue reject', 10999);
    expect(errors(ex.placeOrder(order()))[0]).toMatchObject({ code: 10999, message: 'Custom venue reject' });
  });

  test('margin check: opening beyond AvailableFunds / initial margin is rejected; closing is always allowed', () => {
    const { ex, quotes } = harness();
    const tooBig = ex.placeOrder(order({ orderId: 32, totalQuantity: 40_000 })); // 4,000,800 × 25 % > 1,000,000
    expect(errors(tooBig)[0]?.message).toBe(
      'Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN.',
    );
    expect(ex.order(1, 32)?.status).toBe('Inactive');
    quotes.set(AAPL.instrumentId, { bid: 100, ask: 100.02, bidSize: 100_000, askSize: 100_000 });
    expect(orderFlow(ex.placeOrder(order({ orderId: 33, totalQuantity: 39_000 })))).toContain('execution');
    expect(errors(ex.placeOrder(order({ orderId: 34, totalQuantity: 5_000 })))[0]?.code).toBe(201);
    expect(orderFlow(ex.placeOrder(order({ orderId: 35, action: 'SELL', totalQuantity: 39_000 })))).toContain(
      'execution',
    );
    const unchecked = harness({ marginCheck: false });
    expect(orderFlow(unchecked.ex.placeOrder(order({ totalQuantity: 900 })))).toContain('execution');
    expect(errors(unchecked.ex.placeOrder(order({ totalQuantity: 40_000 })))).toEqual([]);
  });

  test('indices are not tradable: 201 and Inactive', () => {
    const { ex } = harness();
    const events = ex.placeOrder(order({ instrumentId: SPX.instrumentId }));
    expect(errors(events)[0]?.message).toBe('Order rejected - reason:IND contracts cannot be traded.');
    expect(orderFlow(events).slice(-1)).toEqual(['status:Inactive']);
  });
});

describe('modify', () => {
  test('a live id with a new price re-validates, reports the new terms and fills when marketable', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 40, orderType: 'LMT', lmtPrice: 99 }));
    const bad = ex.placeOrder(order({ orderId: 40, orderType: 'LMT', lmtPrice: 99.001 }));
    expect(errors(bad)[0]?.code).toBe(110);
    expect(ex.order(1, 40)?.lmtPrice).toBe(99);
    const moved = ex.placeOrder(order({ orderId: 40, orderType: 'LMT', lmtPrice: 99.5, totalQuantity: 200 }));
    expect(orderFlow(moved)).toEqual(['open:Submitted', 'status:Submitted']);
    expect(ex.order(1, 40)).toMatchObject({ lmtPrice: 99.5, totalQuantity: 200 });
    const filled = ex.placeOrder(order({ orderId: 40, orderType: 'LMT', lmtPrice: 100.02, totalQuantity: 200 }));
    expect(orderFlow(filled)).toContain('execution');
    expect(ex.order(1, 40)).toMatchObject({ status: 'Filled', filled: 200 });
  });

  test('changing the side or contract answers 105 and leaves the order alone', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 41, orderType: 'LMT', lmtPrice: 99 }));
    expect(
      errors(ex.placeOrder(order({ orderId: 41, action: 'SELL', orderType: 'LMT', lmtPrice: 99 })))[0],
    ).toMatchObject({
      code: 105,
      message: 'Order being modified does not match original order',
    });
    expect(
      errors(ex.placeOrder(order({ orderId: 41, instrumentId: ES.instrumentId, orderType: 'LMT', lmtPrice: 99 })))[0]
        ?.code,
    ).toBe(105);
    expect(ex.order(1, 41)).toMatchObject({ action: 'BUY', instrumentId: AAPL.instrumentId, status: 'Submitted' });
  });

  test('an empty account on the modification keeps the order account; another account is 105', () => {
    const { ex } = harness({ accounts: [{ id: 'DU1111111' }, { id: 'DU2222222' }] });
    ex.placeOrder(order({ orderId: 43, account: 'DU2222222', orderType: 'LMT', lmtPrice: 99 }));
    ex.placeOrder(order({ orderId: 43, account: '', orderType: 'LMT', lmtPrice: 99.1 }));
    expect(ex.order(1, 43)).toMatchObject({ account: 'DU2222222', lmtPrice: 99.1 });
    const other = ex.placeOrder(order({ orderId: 43, account: 'DU1111111', orderType: 'LMT', lmtPrice: 99.2 }));
    expect(errors(other)[0]?.code).toBe(105);
  });

  test('TIF change from DAY to GTC removes the session expiry', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 42, orderType: 'LMT', lmtPrice: 99 }));
    expect(ex.order(1, 42)?.expiresAtMs).toBeDefined();
    ex.placeOrder(order({ orderId: 42, orderType: 'LMT', lmtPrice: 99, tif: 'GTC' }));
    expect(ex.order(1, 42)).toMatchObject({ tif: 'GTC', expiresAtMs: undefined });
  });
});

describe('cancel', () => {
  test('live order: PendingCancel, 202, Cancelled', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 50, orderType: 'LMT', lmtPrice: 99 }));
    const events = ex.cancelOrder(1, 50);
    expect(orderFlow(events)).toEqual(['status:PendingCancel', 'error:202', 'open:Cancelled', 'status:Cancelled']);
    expect(errors(events)[0]).toMatchObject({ id: 50, message: 'Order Canceled - reason:' });
    expect(ex.step()).toEqual([]);
  });

  test('unknown id → 10147; another client cannot cancel it either', () => {
    const { ex } = harness();
    expect(ex.cancelOrder(1, 777)).toEqual([
      {
        kind: 'error',
        clientId: 1,
        id: 777,
        code: 10147,
        message: 'OrderId 777 that needs to be cancelled is not found.',
      },
    ]);
    ex.placeOrder(order({ orderId: 51, orderType: 'LMT', lmtPrice: 99 }));
    expect(errors(ex.cancelOrder(2, 51))[0]?.code).toBe(10147);
    expect(ex.order(1, 51)?.status).toBe('Submitted');
  });

  test('finished order → 10148 with its state, no status message', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 52 }));
    expect(ex.cancelOrder(1, 52)).toEqual([
      {
        kind: 'error',
        clientId: 1,
        id: 52,
        code: 10148,
        message: 'OrderId 52 that needs to be cancelled cannot be cancelled, state: Filled.',
      },
    ]);
  });

  test('global cancel cancels every live order of every client', () => {
    const { ex } = harness();
    ex.placeOrder(order({ orderId: 60, clientId: 1, orderType: 'LMT', lmtPrice: 99 }));
    ex.placeOrder(order({ orderId: 61, clientId: 2, orderType: 'STP', auxPrice: 120, tif: 'GTC' }));
    ex.placeOrder(order({ orderId: 62, clientId: 3 }));
    const events = ex.globalCancel();
    expect(errors(events).map((e) => [e.clientId, e.id, e.code])).toEqual([
      [1, 60, 202],
      [2, 61, 202],
    ]);
    expect(ex.openOrders()).toEqual([]);
    expect(ex.order(3, 62)?.status).toBe('Filled');
  });
});
