import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  addDecimal,
  applyOrderEvent,
  divDecimal,
  foldOrder,
  type Instrument,
  mulDecimal,
  OrderEvent,
  OrderFolds,
  startOrderView,
} from '../src/index.js';

const INSTRUMENT: Instrument = {
  id: '265598',
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  minTick: '0.01',
};
const T0 = Date.parse('2024-03-12T15:00:00Z');

type Body = { kind: OrderEvent['kind'] } & Record<string, unknown>;

/**
 * One order's life as the OMS records it: accepted, acknowledged, some fills (each maybe with a commission report),
 * maybe a modification, and an end (filled, cancelled or still working). Every event is schema-valid.
 */
const orderLife = fc
  .record({
    fills: fc.array(fc.record({ qty: fc.integer({ min: 1, max: 50 }), cents: fc.integer({ min: 1, max: 99 }) }), {
      maxLength: 4,
    }),
    commissions: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    modify: fc.boolean(),
    end: fc.constantFrom('filled', 'cancelled', 'working'),
    strategy: fc.option(fc.constantFrom('meanrev', 'trend'), { nil: undefined }),
  })
  .map(({ fills, commissions, modify, end, strategy }): OrderEvent[] => {
    const bodies: Body[] = [
      { kind: 'statusChanged', from: 'accepted', to: 'submitted', brokerOrderId: '7', permId: '9001' },
    ];
    if (modify) bodies.push({ kind: 'modified', quantity: '1000', limitPrice: '187.25', tif: 'GTC' });
    let cum = '0';
    let notional = '0';
    fills.forEach((f, i) => {
      const price = `187.${String(f.cents).padStart(2, '0')}`;
      cum = addDecimal(cum, String(f.qty));
      notional = addDecimal(notional, mulDecimal(price, String(f.qty)));
      const last = i === fills.length - 1 && end === 'filled';
      bodies.push({
        kind: last ? 'filled' : 'partiallyFilled',
        execId: `x${i}`,
        side: 'BUY',
        price,
        quantity: String(f.qty),
        cumQty: cum,
        leavesQty: last ? '0' : '1',
        avgPrice: divDecimal(notional, cum, 8),
      });
      if (commissions[i]) bodies.push({ kind: 'commission', execId: `x${i}`, commission: '0.35', currency: 'USD' });
    });
    if (end === 'cancelled') bodies.push({ kind: 'cancelled', filledQty: cum });
    const accepted: Body = {
      kind: 'accepted',
      instrument: INSTRUMENT,
      side: 'BUY',
      quantity: '1000',
      orderType: 'LMT',
      limitPrice: '187.30',
      tif: 'DAY',
      outsideRth: false,
    };
    return [accepted, ...bodies].map((b, i) =>
      OrderEvent.parse({
        v: 1,
        eventId: `e-${i + 1}`,
        clientOrderId: 'o1',
        seq: i + 1,
        broker: 'sim',
        account: 'DU1',
        ...(strategy === undefined ? {} : { strategy }),
        tsEventMs: T0 + i * 10,
        tsInitMs: T0 + i * 10 + 1,
        ...b,
      }),
    );
  });

const shuffled = <T>(items: readonly T[]) =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

describe('foldOrder (the one fold of order events)', () => {
  test('in seq order it is applyOrderEvent step by step from the starting event', () => {
    fc.assert(
      fc.property(orderLife, (events) => {
        const [first, ...rest] = events;
        const start = first === undefined ? undefined : startOrderView(first);
        if (start === undefined) throw new Error('a life starts with accepted');
        expect(foldOrder(events).view).toEqual(rest.reduce(applyOrderEvent, start));
      }),
    );
  });

  test('is order-insensitive: every arrival order folds to the same view and trades (replayed by seq)', () => {
    fc.assert(
      fc.property(
        orderLife.chain((events) => fc.tuple(fc.constant(events), shuffled(events))),
        ([events, arrival]) => {
          expect(foldOrder(arrival)).toEqual(foldOrder(events));
        },
      ),
    );
  });

  test('is idempotent on duplicate events: a redelivered event (same eventId) changes nothing', () => {
    fc.assert(
      fc.property(
        orderLife.chain((events) =>
          fc.tuple(fc.constant(events), fc.array(fc.constantFrom(...events), { minLength: 1, maxLength: 6 })),
        ),
        fc.boolean(),
        ([events, again], first) => {
          const withDuplicates = first ? [...again, ...events] : [...events, ...again];
          expect(foldOrder(withDuplicates)).toEqual(foldOrder(events));
        },
      ),
    );
  });

  test('one trade per execution with its commission; filled quantity and average price from the last fill', () => {
    fc.assert(
      fc.property(orderLife, (events) => {
        const folded = foldOrder(events);
        const fills = events.filter((e) => e.kind === 'filled' || e.kind === 'partiallyFilled');
        expect(folded.trades.map((t) => t.execId)).toEqual(fills.map((e) => e.execId));
        const reported = new Set(events.flatMap((e) => (e.kind === 'commission' ? [e.execId] : [])));
        for (const t of folded.trades) expect(t.commission !== undefined).toBe(reported.has(t.execId));
        const last = fills.at(-1);
        expect(folded.view?.filledQty).toBe(last?.cumQty ?? '0');
        expect(folded.view?.avgFillPrice).toBe(last?.avgPrice);
        expect(folded.missingSeqs).toEqual([]);
      }),
    );
  });

  test('OrderFolds, fed one event at a time in any order with repeats, ends where foldOrder does', () => {
    fc.assert(
      fc.property(
        orderLife.chain((events) => fc.tuple(fc.constant(events), shuffled([...events, ...events.slice(0, 2)]))),
        ([events, arrival]) => {
          const folds = new OrderFolds();
          let last: ReturnType<OrderFolds['add']>;
          for (const e of arrival) last = folds.add(e);
          expect(last).toEqual(foldOrder(events));
        },
      ),
    );
  });

  test('without its starting event an order has no view and names the missing seqs', () => {
    fc.assert(
      fc.property(orderLife, (events) => {
        const folded = foldOrder(events.slice(1));
        expect(folded.view).toBeUndefined();
        expect(folded.trades).toEqual([]);
        expect(folded.missingSeqs).toEqual(events.length > 1 ? [1] : []);
      }),
    );
  });
});
