/**
 * A history database written by the version before instrument ids: IB's integer conId in every con_id column
 * (bars, bar_blocks, coverage, instruments, orders, trades) and in the stored instruments, order views and events.
 * After the upgrade (migration 0008) every cached bar is served from the cache for the instrument id gateway-ib now
 * reports (the conId's decimal string) without asking a broker, and every order and trade is found by it; a rebuild
 * from the ORDERS stream (the old events, conIds in them) gives the same. PGlite and Postgres.
 */
import {
  foldOrder,
  type HistOrdersReply,
  type HistTradesReply,
  type OrderEvent,
  Subjects,
  tradeFromFill,
} from '@trading-system/contracts';
import { insertMany, sql } from '@trading-system/storage';
import { uniqueName, until } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { BarStore, barRow } from '../src/bar-store.js';
import { InstrumentResolver } from '../src/instruments.js';
import type { SeriesKey } from '../src/series.js';
import { DAY, INSTRUMENT, MIN, NOW, syntheticBars } from './helpers.js';
import { orderStory } from './order-events.js';
import { openUpgradeFixture, type UpgradeFixture } from './upgrade-fixture.js';

const ACCOUNT = 'DU1234567';
const CON_ID = 265598;
const ID = String(CON_ID);

/** An object naming its instrument as the old version did: `conId` (integer) where `id` is now. */
function old<T extends { id: string }>(i: T): Omit<T, 'id'> & { conId: number } {
  const { id, ...rest } = i;
  return { conId: Number(id), ...rest };
}

let f: UpgradeFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe.each(['pglite', 'pg'] as const)('a history database from before migration 0008 (%s)', (kind) => {
  test('its conIds read as instrument ids: every cached bar, order and trade is found', async () => {
    f = await openUpgradeFixture(kind);
    const { bus, broker, database, schema, db } = f;
    const s = db.withSchema(schema);

    // The bar cache: minute bars over three days stored before bar blocks existed (0006 packs them), and their
    // coverage, keyed by the conId.
    await f.migrateBefore('0006');
    const bars = syntheticBars(NOW - 3 * DAY, NOW, MIN);
    const series = { broker, con_id: CON_ID, bar_size: '1m', what_to_show: 'TRADES', use_rth: false };
    await insertMany(
      db,
      'bars',
      bars.map((b) => barRow(series, b)),
      { schema },
    );
    await s
      .insertInto('coverage')
      .values({ ...series, start_ms: NOW - 3 * DAY, end_ms: NOW, bar_count: bars.length })
      .execute();
    await f.migrateBefore('0008');
    await s
      .insertInto('instruments')
      .values({ broker, con_id: CON_ID, instrument: JSON.stringify(old(INSTRUMENT)) })
      .execute();

    // The read model: the first order of the story as the old version stored and published it.
    const story = orderStory(broker, ACCOUNT, uniqueName('t'));
    const id = story[0]?.clientOrderId;
    const events = story.filter((e) => e.clientOrderId === id);
    const { view } = foldOrder(events);
    if (view === undefined) throw new Error('the story has no view');
    const oldEvents = events.map((e) =>
      'instrument' in e && e.instrument !== undefined ? { ...e, instrument: old(e.instrument) } : e,
    );
    await s
      .insertInto('orders')
      .values({
        client_order_id: view.clientOrderId,
        broker,
        account: ACCOUNT,
        con_id: CON_ID,
        symbol: view.instrument.symbol,
        strategy: view.strategy ?? null,
        state: view.state,
        view: JSON.stringify({ ...view, instrument: old(view.instrument) }),
        created_at_ms: view.createdAtMs,
        updated_at_ms: view.updatedAtMs,
      })
      .execute();
    for (const [n, e] of oldEvents.entries())
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
    const fills = events.filter(
      (e): e is Extract<OrderEvent, { kind: 'filled' | 'partiallyFilled' }> =>
        e.kind === 'filled' || e.kind === 'partiallyFilled',
    );
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) {
      const t = tradeFromFill(view, f);
      await s
        .insertInto('trades')
        .values({
          exec_id: t.execId,
          client_order_id: t.clientOrderId,
          broker,
          account: ACCOUNT,
          con_id: CON_ID,
          symbol: t.symbol,
          strategy: t.strategy ?? null,
          side: t.side,
          quantity: t.quantity,
          price: t.price,
          commission: null,
          commission_currency: null,
          realized_pnl: null,
          ts_event_ms: t.tsEventMs,
        })
        .execute();
    }
    for (const e of oldEvents)
      await bus.jetstream.publish(Subjects.orderEvent.build({ broker, account: ACCOUNT, kind: e.kind }), e, {
        msgId: `${broker}:${e.eventId}`,
      });
    await s.updateTable('read_model').set({ folded_version: 2 }).execute();

    const history = await f.startHistory();

    // Every cached bar, by the id, from the cache: no gateway answers on this bus, so nothing may ask one.
    const key: SeriesKey = { broker, instrumentId: ID, timeframe: '1m', whatToShow: 'TRADES', useRth: false };
    const store = new BarStore(database.db.withSchema(schema) as never, schema);
    const range = { startMs: NOW - 3 * DAY, endMs: NOW };
    expect(await store.bars(key, range)).toEqual(bars);
    expect(await store.emptyRanges(key, range)).toEqual([]);
    const packed: string[] = [];
    for await (const c of store.packedChunks(key, range, 1_000, 2)) packed.push(c.parts.join(';'));
    expect(packed.join(';').split(';')).toHaveLength(bars.length);
    const resolver = new InstrumentResolver(database.db.withSchema(schema) as never, bus, 1_000);
    expect(await resolver.resolve(broker, { id: ID })).toEqual(INSTRUMENT);

    const readOrders = () =>
      bus.request<HistOrdersReply>(
        Subjects.histOrders.build(),
        { v: 1, query: { broker, instrumentId: ID, includeEvents: true, clientOrderId: id } },
        { timeoutMs: 5_000 },
      );
    const first = await readOrders();
    expect(first, JSON.stringify(first)).toMatchObject({
      ok: true,
      orders: [{ clientOrderId: id, state: view.state, instrument: { id: ID } }],
    });
    expect(first.ok && first.events?.[0]).toMatchObject({ kind: 'accepted', instrument: { id: ID } });
    const trades = await bus.request<HistTradesReply>(
      Subjects.histTrades.build(),
      { v: 1, query: { broker, instrumentId: ID } },
      { timeoutMs: 5_000 },
    );
    expect(trades.ok && trades.trades.map((t) => [t.execId, t.instrumentId])).toEqual(
      fills.map((f) => [f.execId, ID]).reverse(),
    );
    const stored = await s
      .selectFrom('orders')
      .select(sql<boolean>`view->'instrument' ? 'conId'`.as('legacy'))
      .executeTakeFirstOrThrow();
    expect(stored.legacy).toBe(false);

    // A rebuild replays the ORDERS stream, conIds and all, into the same read model.
    await history.readModel.rebuild();
    await until(() => history.readModel.stats.applied === events.length, 10_000, 'every event applied again');
    expect(await readOrders()).toEqual(first);
  }, 120_000); // PGlite's start-up alone takes ~24 s at load 18 on two cores
});
