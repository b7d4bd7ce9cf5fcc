/**
 * Exec ids are unique per broker only (issue 14.1): the read model keeps one trade per (broker, execId), each with
 * its own broker's commission, and the migration that introduced the key derives the trades an earlier version
 * dropped from the fill events it had stored. In-process bus + PGlite, and the migration on Postgres too.
 */
import type { Bus } from '@trading-system/bus';
import { catalog, type HistTradesReply, type OrderEvent, Subjects } from '@trading-system/contracts';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import {
  createTestMemoryBus,
  openPgliteTestDatabase,
  openPgTestDatabase,
  type TestBus,
  type TestDatabase,
  uniqueName,
  until,
} from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { type History, start } from '../src/app.js';
import { migrations } from '../src/migrations/index.js';
import { INSTRUMENT, testLogger } from './helpers.js';
import { T0 } from './order-events.js';

const ACCOUNT = 'DU1234567';
const EXEC_ID = '00000001.65f06d30.01.01';

/** accepted → filled (EXEC_ID) → commission, of one order at `broker`. */
function filledOrder(broker: string, commission: string): OrderEvent[] {
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
      orderType: 'MKT',
      tif: 'DAY',
      outsideRth: false,
    },
    {
      ...base(2),
      kind: 'filled',
      execId: EXEC_ID,
      side: 'BUY',
      price: '150',
      quantity: '10',
      cumQty: '10',
      leavesQty: '0',
      avgPrice: '150',
    },
    { ...base(3), kind: 'commission', execId: EXEC_ID, commission, currency: 'USD' },
  ];
}

async function publishAll(bus: Bus, events: readonly OrderEvent[]): Promise<void> {
  for (const e of events)
    await bus.jetstream.publish(Subjects.orderEvent.build({ broker: e.broker, account: e.account, kind: e.kind }), e, {
      msgId: `${e.broker}:${e.eventId}`,
    });
}

let app: History | undefined;
let testBus: TestBus | undefined;
const dbs: TestDatabase<unknown>[] = [];
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await testBus?.close();
  testBus = undefined;
  for (const d of dbs.splice(0)) await d.close();
});

describe('trades are keyed by broker and exec id', () => {
  test('two brokers with the same exec id: two trades, each with its own commission', async () => {
    testBus = await createTestMemoryBus(catalog);
    const bus = testBus.bus;
    const database = await openPgTestDatabase<unknown>();
    dbs.push(database);
    const [one, other] = [uniqueName('b'), uniqueName('b')];
    const stream = uniqueName('ORDERS_');
    await bus.jetstream.ensureStream({
      name: stream,
      subjects: ['orders.evt.>'],
      storage: 'memory',
      duplicateWindowMs: 60_000,
    });
    const events = [...filledOrder(one, '1.00'), ...filledOrder(other, '2.00')];
    await publishAll(bus, events);
    const history = await start({
      bus,
      db: database.db as never,
      logger: testLogger,
      config: {
        schema: database.newSchema('hist'),
        brokers: [one, other],
        ensureOrdersStream: false,
        ordersStream: stream,
        ordersFilterSubject: 'orders.evt.>',
        ordersDurable: uniqueName('d'),
        liveBars: false,
      },
    });
    app = history;
    await until(() => history.readModel.stats.applied === events.length, 10_000, 'every event applied');
    for (const [broker, commission] of [
      [one, '1.00'],
      [other, '2.00'],
    ] as const) {
      const r = await bus.request<HistTradesReply>(
        Subjects.histTrades.build(),
        { v: 1, query: { broker } },
        { timeoutMs: 5_000 },
      );
      expect(r.ok && r.trades.map((t) => [t.broker, t.execId, t.quantity, t.commission])).toEqual([
        [broker, EXEC_ID, '10', commission],
      ]);
    }
  });
});

describe('migration 0004-trades-by-broker', () => {
  for (const kind of ['pglite', 'pg'] as const)
    test(`derives the trades an earlier version dropped and puts each commission on its own trade (${kind})`, async () => {
      const database = kind === 'pg' ? await openPgTestDatabase<unknown>() : await openPgliteTestDatabase<unknown>();
      dbs.push(database);
      const schema = database.newSchema('hist');
      // biome-ignore lint/suspicious/noExplicitAny: the tables of an earlier version
      const db = database.db as Kysely<any>;
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004'));
      await migrateToLatest(db, { schema, migrations: before });
      // What the earlier read model stored after two brokers' fills with one exec id: every event, both orders,
      // one trade (the second was dropped as a duplicate) carrying the second broker's commission.
      const [a, b] = [filledOrder('sim', '1.00'), filledOrder('ib2', '2.00')];
      const s = db.withSchema(schema);
      for (const e of [...(a ?? []), ...(b ?? [])]) {
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
        if (e.kind === 'accepted')
          await s
            .insertInto('orders')
            .values({
              client_order_id: e.clientOrderId,
              broker: e.broker,
              account: e.account,
              con_id: INSTRUMENT.id,
              symbol: INSTRUMENT.symbol,
              state: 'filled',
              view: JSON.stringify({}),
              created_at_ms: e.tsInitMs,
              updated_at_ms: e.tsInitMs,
            })
            .execute();
      }
      await s
        .insertInto('trades')
        .values({
          exec_id: EXEC_ID,
          client_order_id: a[0]?.clientOrderId,
          broker: 'sim',
          account: ACCOUNT,
          con_id: INSTRUMENT.id,
          symbol: INSTRUMENT.symbol,
          side: 'BUY',
          quantity: '10',
          price: '150',
          commission: '2.00',
          commission_currency: 'USD',
          ts_event_ms: T0 + 2,
        })
        .execute();

      // Those two first; later migrations follow.
      expect((await migrateToLatest(db, { schema, migrations })).slice(0, 2)).toEqual([
        '0004-trades-by-broker',
        '0005-events-by-broker',
      ]);
      const trades = await s
        .selectFrom('trades')
        .select(['broker', 'exec_id', 'client_order_id', 'quantity', 'commission'])
        .orderBy('broker')
        .execute();
      expect(
        trades.map((t) => ({ ...t, quantity: String(Number(t.quantity)), commission: String(t.commission) })),
      ).toEqual([
        { broker: 'ib2', exec_id: EXEC_ID, client_order_id: b[0]?.clientOrderId, quantity: '10', commission: '2.00' },
        { broker: 'sim', exec_id: EXEC_ID, client_order_id: a[0]?.clientOrderId, quantity: '10', commission: '1.00' },
      ]);
    }, 120_000); // PGlite on a busy machine
});
