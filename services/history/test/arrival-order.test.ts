/**
 * Issue 15.4: the read model converges whatever order the events arrive in. The same story of order events is
 * published in several orders (reversed, fills and commissions before the order's first event, shuffled, every
 * event twice under new msg-ids, a real JetStream redelivery that puts the first event last) and every arrival
 * order must end in the same order rows, event lists and trades as the events published in sequence. Real NATS
 * JetStream and Postgres; the in-process bus and PGlite (what the embedded system runs) for one order too.
 */

import type { Bus } from '@trading-system/bus';
import {
  type HistOrdersReply,
  type HistTradesReply,
  type OrderEvent,
  Subjects,
  viewFromAccepted,
} from '@trading-system/contracts';
import { type Kysely, migrateToLatest, sql } from '@trading-system/storage';
import { uniqueName } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { History } from '../src/app.js';
import { migrations } from '../src/migrations/index.js';
import { ensureTestStream, type Fixture, openFixture } from './helpers.js';
import { orderStory } from './order-events.js';

const ACCOUNT = 'DU1234567';

/** Deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function publish(bus: Bus, e: OrderEvent, msgId = `${e.broker}:${e.eventId}`): Promise<void> {
  await bus.jetstream.publish(Subjects.orderEvent.build({ broker: e.broker, account: e.account, kind: e.kind }), e, {
    msgId,
  });
}

/** Everything the read model shows of one story (orders with their events, trades), its tag replaced by `T`. */
async function rowsOf(bus: Bus, broker: string, tag: string): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const o of ['o1', 'o2', 'o3']) {
    const clientOrderId = `${tag}-${o}`;
    const orders = await bus.request<HistOrdersReply>(
      Subjects.histOrders.build(),
      { v: 1, query: { broker, clientOrderId, includeEvents: true } },
      { timeoutMs: 5_000 },
    );
    const trades = await bus.request<HistTradesReply>(
      Subjects.histTrades.build(),
      { v: 1, query: { broker, clientOrderId } },
      { timeoutMs: 5_000 },
    );
    out[o] = { orders, trades };
  }
  return JSON.parse(JSON.stringify(out).replaceAll(tag, 'T'));
}

/** Polls until the story's rows equal `expected` (or the timeout says which differ). */
async function converges(bus: Bus, broker: string, tag: string, expected: unknown, what: string): Promise<void> {
  await expect
    .poll(() => rowsOf(bus, broker, tag), { timeout: 15_000, interval: 100, message: what })
    .toEqual(expected);
}

describe('order read model: every arrival order converges (NATS JetStream + Postgres)', () => {
  let f: Fixture;
  let app: History;
  let stream: { name: string; own: boolean };
  /** The rows of the story published in sequence: what every other arrival order must end in. */
  let reference: unknown;

  beforeAll(async () => {
    f = await openFixture('nats');
    stream = await ensureTestStream(f.bus, f.broker);
    app = await f.startApp({ ordersStream: stream.name });
    const tag = uniqueName('ref');
    const story = orderStory(f.broker, ACCOUNT, tag);
    for (const e of story) await publish(f.bus, e);
    await vi.waitFor(
      () => {
        if (app.readModel.stats.applied < story.length) throw new Error('story not stored yet');
      },
      { timeout: 15_000, interval: 50 },
    );
    reference = await rowsOf(f.bus, f.broker, tag);
  }, 60_000);
  afterAll(async () => {
    if (stream?.own) await f.bus.jetstream.deleteStream(stream.name);
    await f?.close();
  });

  test('in sequence: the filled order, the cancelled one, two trades with their commissions', () => {
    const r = reference as Record<string, { orders: HistOrdersReply; trades: HistTradesReply }>;
    expect(r.o1?.orders.ok && r.o1.orders.orders.map((o) => [o.state, o.filledQty, o.avgFillPrice, o.lastSeq])).toEqual(
      [['filled', '100', '187.28', 5]],
    );
    expect(r.o1?.orders.ok && r.o1.orders.events?.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(r.o1?.trades.ok && r.o1.trades.trades.map((t) => [t.execId, t.quantity, t.price, t.commission])).toEqual([
      ['T.e2', '60', '187.30', '0.65'],
      ['T.e1', '40', '187.25', '0.35'],
    ]);
    expect(r.o2?.orders.ok && r.o2.orders.orders.map((o) => [o.state, o.lastSeq])).toEqual([['cancelled', 3]]);
    // The denial carries no order fields in this story: its event is kept, there is no row to show.
    expect(r.o3?.orders.ok && r.o3.orders.orders).toEqual([]);
    expect(r.o3?.orders.ok && r.o3.orders.events?.map((e) => e.kind)).toEqual(['denied']);
  });

  type Arrange = (story: OrderEvent[]) => OrderEvent[];
  const ARRIVALS: ReadonlyArray<[string, Arrange]> = [
    ['reversed', (s) => [...s].reverse()],
    // o1: partial fill, commission, fill, then accepted and submitted; o2: cancelled before submitted before accepted.
    [
      'fills and commissions before the order starts',
      (s) => [2, 3, 4, 0, 1, 7, 6, 5, 8].map((i) => s[i] as OrderEvent),
    ],
    ['a commission before its fill', (s) => [0, 1, 3, 2, 4, 5, 6, 7, 8].map((i) => s[i] as OrderEvent)],
    ...[11, 29, 4242].map((seed): [string, Arrange] => [`shuffled (seed ${seed})`, (s) => shuffled(s, seed)]),
  ];

  test.each(ARRIVALS)('%s', async (what, arrange) => {
    const tag = uniqueName('p');
    for (const e of arrange(orderStory(f.broker, ACCOUNT, tag))) await publish(f.bus, e);
    await converges(f.bus, f.broker, tag, reference, what);
  });

  test('every event twice, republished under new msg-ids (past the duplicate window), shuffled', async () => {
    const tag = uniqueName('d');
    const story = orderStory(f.broker, ACCOUNT, tag);
    const twice = shuffled([...story.map((e) => ({ e, again: false })), ...story.map((e) => ({ e, again: true }))], 7);
    const before = app.readModel.stats.applied;
    for (const { e, again } of twice) await publish(f.bus, e, `${e.broker}:${e.eventId}${again ? '-again' : ''}`);
    await converges(f.bus, f.broker, tag, reference, 'duplicates');
    // Each event stored once: the republished copies changed nothing.
    expect(app.readModel.stats.applied - before).toBe(story.length);
  });

  test('a redelivery puts the order’s first event last: the fills wait for it and are applied then', async () => {
    const tag = uniqueName('r');
    const story = orderStory(f.broker, ACCOUNT, tag);
    const first = `${tag}-o1-1`;
    // The first attempt to store o1's accepted event fails (a sequence is not rolled back with the transaction):
    // JetStream redelivers it after the consumer's retry delay, after the rest of o1 has been stored.
    const s = sql.id(f.schema);
    const db = f.database.db;
    await sql`create sequence ${s}.fail_once`.execute(db);
    await sql`
      create function ${s}.fail_once() returns trigger language plpgsql as $$
      begin
        if new.event_id = ${sql.lit(first)} and nextval(${sql.lit(`${f.schema}.fail_once`)}) = 1 then
          raise exception 'injected failure of the first attempt';
        end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger fail_once before insert on ${s}.order_events for each row execute function ${s}.fail_once()`.execute(
      db,
    );
    try {
      for (const e of story) await publish(f.bus, e);
      await converges(f.bus, f.broker, tag, reference, 'after the redelivery');
      const seq = await sql<{ last_value: string }>`select last_value from ${s}.fail_once`.execute(db);
      expect(Number(seq.rows[0]?.last_value)).toBeGreaterThanOrEqual(2); // it did fail once and came back
    } finally {
      await sql`drop trigger fail_once on ${s}.order_events`.execute(db);
    }
  }, 30_000);

  test('two instances on one durable (the stream split between them) converge too: the order lock', async () => {
    const second = await f.startApp({ ordersStream: stream.name });
    try {
      const tags = Array.from({ length: 12 }, (_, i) => [uniqueName(`c${i}`), i] as const);
      // Interleaved stories, each shuffled: events of one order reach both instances at about the same time.
      const all = tags.flatMap(([tag, i]) => shuffled(orderStory(f.broker, ACCOUNT, tag), 100 + i));
      for (const e of shuffled(all, 5)) await publish(f.bus, e);
      for (const [tag] of tags) await converges(f.bus, f.broker, tag, reference, `two instances, story ${tag}`);
      expect(second.readModel.stats.applied).toBeGreaterThan(0); // both did take part
    } finally {
      await second.stop();
    }
  }, 60_000);

  test('a restart between the parts of a reversed story converges too (the durable resumes)', async () => {
    const tag = uniqueName('s');
    const events = orderStory(f.broker, ACCOUNT, tag).reverse();
    for (const e of events.slice(0, 4)) await publish(f.bus, e);
    await expect.poll(() => app.readModel.stats.lastStreamSeq > 0).toBe(true);
    await app.stop();
    for (const e of events.slice(4)) await publish(f.bus, e);
    app = await f.startApp({ ordersStream: stream.name });
    await converges(f.bus, f.broker, tag, reference, 'after the restart');
  }, 30_000);

  test('a rebuild replays every story of this test to the same rows', async () => {
    const tag = uniqueName('b');
    for (const e of orderStory(f.broker, ACCOUNT, tag).reverse()) await publish(f.bus, e);
    await converges(f.bus, f.broker, tag, reference, 'before the rebuild');
    await app.readModel.rebuild();
    await converges(f.bus, f.broker, tag, reference, 'after the rebuild');
  }, 30_000);
});

describe('order read model on the in-process bus and PGlite (the embedded system)', () => {
  let f: Fixture;
  afterAll(async () => {
    await f?.close();
  });

  test('a reversed story converges to the rows of the story in sequence', async () => {
    f = await openFixture('memory');
    const stream = uniqueName('HIST_ORDERS_');
    await f.bus.jetstream.ensureStream({
      name: stream,
      subjects: [`orders.evt.${f.broker}.>`],
      storage: 'memory',
      duplicateWindowMs: 60_000,
    });
    const app = await f.startApp({ ordersStream: stream });
    const [inOrder, reversed] = [uniqueName('i'), uniqueName('v')];
    const [first, second] = [orderStory(f.broker, ACCOUNT, inOrder), orderStory(f.broker, ACCOUNT, reversed)];
    for (const e of first) await publish(f.bus, e);
    for (const e of second.reverse()) await publish(f.bus, e);
    await vi.waitFor(
      () => {
        if (app.readModel.stats.applied < first.length + second.length) throw new Error('not every event stored yet');
      },
      { timeout: 60_000, interval: 50 },
    );
    await converges(f.bus, f.broker, reversed, await rowsOf(f.bus, f.broker, inOrder), 'reversed on PGlite');
  }, 120_000);
});

describe('stale rows an earlier version left are derived again at the first start after migration 0005', () => {
  test('an order left accepted with its fill stored becomes filled, and its missing trade appears', async () => {
    const f = await openFixture('nats');
    try {
      const schema = f.schema;
      // biome-ignore lint/suspicious/noExplicitAny: the tables of an earlier version
      const db = f.database.db as Kysely<any>;
      await migrateToLatest(db, {
        schema,
        migrations: Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0005')),
      });
      // What the earlier read model stored when o1's fills arrived before its accepted event: every event, a row
      // built from `accepted` alone, no trade.
      const tag = uniqueName('m');
      const o1 = orderStory(f.broker, ACCOUNT, tag).slice(0, 5);
      const s = db.withSchema(schema);
      for (const e of o1)
        await s
          .insertInto('order_events')
          .values({
            event_id: e.eventId,
            client_order_id: e.clientOrderId,
            seq: e.seq,
            kind: e.kind,
            broker: e.broker,
            account: e.account,
            ts_event_ms: e.tsEventMs,
            stream_seq: e.seq,
            event: JSON.stringify(e),
          })
          .execute();
      const accepted = o1[0];
      if (accepted?.kind !== 'accepted') throw new Error('story starts with accepted');
      const stale = viewFromAccepted(accepted);
      await s
        .insertInto('orders')
        .values({
          client_order_id: stale.clientOrderId,
          broker: stale.broker,
          account: stale.account,
          con_id: stale.instrument.id,
          symbol: stale.instrument.symbol,
          strategy: stale.strategy ?? null,
          state: stale.state,
          view: JSON.stringify(stale),
          created_at_ms: stale.createdAtMs,
          updated_at_ms: stale.updatedAtMs,
        })
        .execute();

      const stream = await ensureTestStream(f.bus, f.broker);
      try {
        await f.startApp({ ordersStream: stream.name });
        const r = (await rowsOf(f.bus, f.broker, tag)) as Record<
          string,
          { orders: HistOrdersReply; trades: HistTradesReply }
        >;
        expect(r.o1?.orders.ok && r.o1.orders.orders.map((o) => [o.state, o.filledQty, o.lastSeq])).toEqual([
          ['filled', '100', 5],
        ]);
        expect(r.o1?.trades.ok && r.o1.trades.trades.map((t) => [t.execId, t.quantity, t.commission])).toEqual([
          ['T.e2', '60', '0.65'],
          ['T.e1', '40', '0.35'],
        ]);
      } finally {
        if (stream.own) await f.bus.jetstream.deleteStream(stream.name);
      }
    } finally {
      await f.close();
    }
  }, 60_000);
});
