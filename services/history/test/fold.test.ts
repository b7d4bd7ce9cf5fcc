import {
  applyOrderEvent,
  foldOrder,
  type OrderEvent,
  tradeFromFill,
  viewFromAccepted,
  viewFromDenied,
} from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { csvField, csvLine, textChunks } from '../src/csv.js';
import { orderStory } from './order-events.js';

describe('order view fold', () => {
  test('the story folds to a filled order with the average price and the broker ids', () => {
    const [accepted, ...rest] = orderStory('sim', 'DU1', 't').slice(0, 5);
    if (accepted?.kind !== 'accepted') throw new Error('story starts with accepted');
    const start = viewFromAccepted(accepted);
    const view = rest.reduce((v, e) => applyOrderEvent(v, e), start);
    expect(view).toMatchObject({
      state: 'filled',
      filledQty: '100',
      avgFillPrice: '187.28',
      brokerOrderId: '7',
      permId: '9001',
      lastSeq: 5,
      // The OMS's recording times (tsInitMs), as orders.get shows them; not the broker's execution time.
      createdAtMs: accepted.tsInitMs,
      updatedAtMs: rest.at(-1)?.tsInitMs,
    });
    expect(start.state).toBe('accepted'); // inputs are never changed
    const fill = rest[3] as Extract<OrderEvent, { kind: 'filled' }>;
    expect(tradeFromFill(view, fill)).toMatchObject({
      instrumentId: '265598',
      symbol: 'AAPL',
      strategy: 'meanrev',
      price: '187.30',
    });
  });

  test('a fill carrying the broker ids sets them when no status event did; first known ids win', () => {
    const [accepted, , , , fill] = orderStory('sim', 'DU1', 't');
    if (accepted?.kind !== 'accepted' || fill?.kind !== 'filled') throw new Error('story shape changed');
    const start = viewFromAccepted(accepted);
    expect(applyOrderEvent(start, { ...fill, brokerOrderId: '11', permId: '4242' })).toMatchObject({
      brokerOrderId: '11',
      permId: '4242',
    });
    const known = { ...start, brokerOrderId: '7', permId: '9001' };
    expect(applyOrderEvent(known, { ...fill, brokerOrderId: '11', permId: '4242' })).toMatchObject({
      brokerOrderId: '7',
      permId: '9001',
    });
  });

  test('a denial carrying its order starts a denied view; one without it has none', () => {
    const [accepted] = orderStory('sim', 'DU1', 't');
    if (accepted?.kind !== 'accepted') throw new Error('story starts with accepted');
    const { instrument, side, quantity, orderType, limitPrice, tif, outsideRth } = accepted;
    const bare = {
      ...accepted,
      kind: 'denied' as const,
      reasonCode: 'RISK_MAX_QUANTITY' as const,
      rule: 'maxQuantity',
      message: 'too big',
    };
    const denied = { ...bare, instrument, side, quantity, orderType, limitPrice, tif, outsideRth };
    expect(viewFromDenied(denied)).toMatchObject({
      state: 'denied',
      filledQty: '0',
      quantity,
      side,
      limitPrice,
      lastRejection: { kind: 'denied', code: 'RISK_MAX_QUANTITY', message: 'too big', atMs: accepted.tsInitMs },
    });
    const { instrument: _i, side: _s, quantity: _q, orderType: _o, tif: _t, outsideRth: _r, ...old } = bare;
    expect(viewFromDenied(old)).toBeUndefined();
  });

  test("a broker's rejection is kept on the view as the OMS keeps it (code and text; no code 0)", () => {
    const [accepted] = orderStory('sim', 'DU1', 't');
    if (accepted?.kind !== 'accepted') throw new Error('story starts with accepted');
    const view = viewFromAccepted(accepted);
    const rejected = {
      ...accepted,
      seq: 2,
      kind: 'rejected' as const,
      brokerCode: 201,
      message: 'Order rejected - reason: margin',
      tsInitMs: accepted.tsInitMs + 5,
    };
    expect(applyOrderEvent(view, rejected).lastRejection).toEqual({
      kind: 'rejected',
      brokerCode: 201,
      message: 'Order rejected - reason: margin',
      atMs: accepted.tsInitMs + 5,
    });
    const never = { ...rejected, brokerCode: 0, reasonCode: 'NEVER_REACHED_BROKER' as const, message: 'never sent' };
    expect(applyOrderEvent(view, never).lastRejection).toEqual({
      kind: 'rejected',
      code: 'NEVER_REACHED_BROKER',
      message: 'never sent',
      atMs: accepted.tsInitMs + 5,
    });
  });
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('foldOrder: the fold of an order depends on its events, not on their arrival order', () => {
  const o1 = orderStory('sim', 'DU1', 't').slice(0, 5);

  test('all 120 arrival orders of a five-event order fold to the same view and trades', () => {
    const reference = foldOrder(o1);
    expect(reference.view).toMatchObject({ state: 'filled', filledQty: '100', avgFillPrice: '187.28', lastSeq: 5 });
    expect(reference.trades.map((t) => [t.execId, t.commission])).toEqual([
      ['t.e1', '0.35'],
      ['t.e2', '0.65'],
    ]);
    expect(reference.missingSeqs).toEqual([]);
    const all = permutations(o1);
    expect(all).toHaveLength(120);
    for (const p of all) expect(foldOrder(p)).toEqual(reference);
  });

  test('without its starting event an order has no view and no trades yet, and says which seqs are missing', () => {
    expect(foldOrder(o1.slice(2))).toEqual({ view: undefined, trades: [], missingSeqs: [1, 2] });
  });

  test('a fill republished under a new event id is one trade', () => {
    const [accepted, , partial] = o1;
    if (accepted === undefined || partial?.kind !== 'partiallyFilled') throw new Error('story shape changed');
    const again = { ...partial, eventId: 'again', seq: 9 };
    expect(foldOrder([again, accepted, partial]).trades.map((t) => t.execId)).toEqual([partial.execId]);
  });

  test('a commission report sets its fill’s commission whichever arrived first; a later report wins', () => {
    const [accepted, , , commission, fill] = o1;
    if (accepted === undefined || commission?.kind !== 'commission' || fill?.kind !== 'filled')
      throw new Error('story shape changed');
    const report = { ...commission, eventId: 'c2', seq: 6, execId: fill.execId, commission: '1.10', realizedPnl: '-3' };
    const folded = foldOrder([report, fill, accepted]);
    expect(folded.trades).toEqual([
      expect.objectContaining({
        execId: fill.execId,
        commission: '1.10',
        commissionCurrency: 'USD',
        realizedPnl: '-3',
      }),
    ]);
    expect(folded.missingSeqs).toEqual([2, 3, 4]);
  });
});

describe('csv', () => {
  test('fields with commas, quotes or line breaks are quoted; undefined is empty', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(undefined)).toBe('');
    expect(csvLine(['x', 1, true, undefined])).toBe('x,1,true,\r\n');
  });
  test('text chunks never split a line and count data rows only', () => {
    const chunks = [...textChunks('h\r\n', ['aaaa\r\n', 'bbbb\r\n', 'cccc\r\n'], 10)];
    expect(chunks).toEqual([
      { data: 'h\r\naaaa\r\n', rows: 1 },
      { data: 'bbbb\r\n', rows: 1 },
      { data: 'cccc\r\n', rows: 1 },
    ]);
    expect(chunks.map((c) => c.data).join('')).toBe('h\r\naaaa\r\nbbbb\r\ncccc\r\n');
  });
});
