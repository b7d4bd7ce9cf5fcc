/**
 * A read model written by the version before broker order ids became strings: its order views and stored events
 * hold IB's integers. After the upgrade (migration 0007) every order is found and hist.orders hands its ids out as
 * strings, its events as well, and a rebuild from the ORDERS stream (the same integers) gives the same. PGlite and Postgres.
 */
import { foldOrder, type HistOrdersReply, Subjects } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { uniqueName, until } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { orderStory } from './order-events.js';
import { openUpgradeFixture, type UpgradeFixture } from './upgrade-fixture.js';

const ACCOUNT = 'DU1234567';

let f: UpgradeFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe.each(['pglite', 'pg'] as const)('a read model from before migration 0007 (%s)', (kind) => {
  test('its integer broker ids read as strings; every order found, after a rebuild too', async () => {
    f = await openUpgradeFixture(kind);
    const { bus, broker, schema, db } = f;
    await f.migrateBefore('0007');
    // The first order of the story, its ids as the old version wrote them: IB's integers.
    const story = orderStory(broker, ACCOUNT, uniqueName('t'));
    const id = story[0]?.clientOrderId;
    const events = story
      .filter((e) => e.clientOrderId === id)
      .map((e) => ('brokerOrderId' in e ? { ...e, brokerOrderId: 7, permId: 9001 } : e));
    const { view } = foldOrder(events as never);
    if (view === undefined) throw new Error('the story has no view');
    const s = db.withSchema(schema);
    await s
      .insertInto('orders')
      .values({
        client_order_id: view.clientOrderId,
        broker,
        account: ACCOUNT,
        con_id: view.instrument.id,
        symbol: view.instrument.symbol,
        strategy: view.strategy ?? null,
        state: view.state,
        view: JSON.stringify({ ...view, brokerOrderId: 7, permId: 9001 }),
        created_at_ms: view.createdAtMs,
        updated_at_ms: view.updatedAtMs,
      })
      .execute();
    for (const [n, e] of events.entries())
      await s
        .insertInto('order_events')
        .values({
          broker,
          event_id: e.eventId,
          client_order_id: e.clientOrderId,
          seq: e.seq,
          kind: e.kind,
          account: ACCOUNT,
          ts_event_ms: e.tsEventMs,
          stream_seq: n + 1,
          event: JSON.stringify(e),
        })
        .execute();
    // The ORDERS stream keeps the same events as published then (a rebuild replays it).
    for (const e of events)
      await bus.jetstream.publish(Subjects.orderEvent.build({ broker, account: ACCOUNT, kind: e.kind }), e, {
        msgId: `${broker}:${e.eventId}`,
      });
    // Folded by the current fold already: the start does not fold again, the migration alone makes the ids strings.
    await s.updateTable('read_model').set({ folded_version: 2 }).execute();

    const history = await f.startHistory();
    const read = () =>
      bus.request<HistOrdersReply>(
        Subjects.histOrders.build(),
        { v: 1, query: { broker, clientOrderId: id, includeEvents: true } },
        { timeoutMs: 5_000 },
      );
    const first = await read();
    expect(first, JSON.stringify(first)).toMatchObject({
      ok: true,
      orders: [{ clientOrderId: id, state: view.state, brokerOrderId: '7', permId: '9001' }],
    });
    const ids = first.ok
      ? first.events?.flatMap((e) => ('brokerOrderId' in e ? [[e.brokerOrderId, e.permId]] : []))
      : [];
    expect(ids?.length).toBeGreaterThan(0);
    expect(new Set(ids?.map((x) => JSON.stringify(x)))).toEqual(new Set([JSON.stringify(['7', '9001'])]));
    const stored = await s
      .selectFrom('orders')
      .select(sql<string>`jsonb_typeof(view->'brokerOrderId')`.as('type'))
      .executeTakeFirstOrThrow();
    expect(stored.type).toBe('string');

    await history.readModel.rebuild();
    await until(() => history.readModel.stats.applied === events.length, 10_000, 'every event applied again');
    expect(await read()).toEqual(first);
  }, 120_000); // PGlite's start-up alone takes ~24 s at load 18 on two cores
});
