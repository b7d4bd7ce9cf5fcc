/**
 * Order events the version before the broker-neutral contract published: IB's status words (and the `cancel
 * refused` note) in statusChanged.brokerStatus, IB's word as a cancellation's reason. The ORDERS stream keeps them
 * for good, so the read model must fold them, after a rebuild too, and its audit query hands them out in the
 * current words. In-process bus with PGlite and with Postgres.
 */
import { type HistOrdersReply, type OrderEvent, Subjects } from '@trading-system/contracts';
import { type Kysely, sql } from '@trading-system/storage';
import { uniqueName, until } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { INSTRUMENT } from './helpers.js';
import { T0 } from './order-events.js';
import { openUpgradeFixture, type UpgradeFixture } from './upgrade-fixture.js';

const ACCOUNT = 'DU1234567';

function oldWordsOrder(broker: string): OrderEvent[] {
  const id = uniqueName('o');
  const base = (seq: number) => ({
    v: 1 as const,
    eventId: `${id}-${seq}`,
    clientOrderId: id,
    seq,
    broker,
    account: ACCOUNT,
    tsEventMs: T0 + seq,
    tsInitMs: T0 + seq,
  });
  return [
    {
      ...base(1),
      kind: 'accepted',
      instrument: INSTRUMENT,
      side: 'BUY',
      quantity: '10',
      orderType: 'LMT',
      limitPrice: '150',
      tif: 'DAY',
      outsideRth: false,
    },
    {
      ...base(2),
      kind: 'statusChanged',
      from: 'accepted',
      to: 'submitted',
      brokerStatus: 'PreSubmitted',
      // IB's integer, as the version before wrote broker order ids.
      brokerOrderId: 7 as unknown as string,
    },
    { ...base(3), kind: 'pendingCancel' },
    {
      ...base(4),
      kind: 'statusChanged',
      from: 'pendingCancel',
      to: 'submitted',
      brokerStatus: 'cancel refused: TIMEOUT',
    },
    { ...base(5), kind: 'cancelled', filledQty: '0', reason: 'Cancelled' },
  ];
}

let f: UpgradeFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe.each(['pglite', 'pg'] as const)('events in the old status words (%s)', (kind) => {
  test('fold, survive a rebuild, and read in the current words', async () => {
    f = await openUpgradeFixture(kind);
    const { bus, broker, database, schema } = f;
    const events = oldWordsOrder(broker);
    for (const e of events)
      await bus.jetstream.publish(Subjects.orderEvent.build({ broker, account: ACCOUNT, kind: e.kind }), e, {
        msgId: `${broker}:${e.eventId}`,
      });
    const history = await f.startHistory();
    const read = async () => {
      await until(() => history.readModel.stats.applied === events.length, 10_000, 'every event applied');
      return bus.request<HistOrdersReply>(
        Subjects.histOrders.build(),
        { v: 1, query: { broker, clientOrderId: events[0]?.clientOrderId, includeEvents: true } },
        { timeoutMs: 5_000 },
      );
    };
    const first = await read();
    expect(first.ok && first.orders.map((o) => [o.state, o.brokerOrderId])).toEqual([['cancelled', '7']]);
    expect(
      first.ok && first.events?.map((e) => (e.kind === 'statusChanged' ? [e.brokerStatus, e.reason] : e.kind)),
    ).toEqual(['accepted', ['held', undefined], 'pendingCancel', [undefined, 'cancel refused: TIMEOUT'], 'cancelled']);
    // Stored as published: the words are mapped when read, never rewritten.
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the stored rows untyped
    const stored = await (database.db as Kysely<any>)
      .withSchema(schema)
      .selectFrom('order_events')
      .select(sql<string>`event->>'brokerStatus'`.as('word'))
      .where('kind', '=', 'statusChanged')
      .orderBy('seq')
      .execute();
    expect(stored.map((r) => r.word)).toEqual(['PreSubmitted', 'cancel refused: TIMEOUT']);

    await history.readModel.rebuild();
    expect(await read()).toEqual(first);
  }, 120_000); // PGlite's start-up and a rebuild: 11 s at load 7 on two cores, over the 5 s default
});
