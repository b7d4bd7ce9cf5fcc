/**
 * A ledger written by the version before broker order ids became strings: IB's integers in the orders' columns
 * (broker_order_id integer, perm_id bigint), in the stored submit reply, in the events' payloads, and IB's 0 for
 * "no id" in external orders' keys. After the upgrade (migration 0008) every order and fill is found, orders.get
 * hands the ids out as strings (the append-only trail itself unchanged), and a broker fact naming the order only by
 * its broker order id still finds it. Postgres and PGlite.
 */
import { randomUUID } from 'node:crypto';
import { sql } from '@trading-system/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { migrateBefore, writeFortyBought } from './legacy-ledger.js';
import { db, get } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ORDER_ID = 51;
const PERM_ID = 9051;

describe.each(['nats-pg', 'memory-pglite'] as const)('a ledger from before migration 0008 (%s)', (kind) => {
  test('its integer broker ids read as strings, every order and fill is found, its orders go on', async () => {
    const id = `old-${randomUUID()}`;
    const execId = `old-exec-${randomUUID()}`;
    h = await startHarness(kind, {
      prepare: async (database, schema, broker) => {
        await migrateBefore(database, schema, '0008');
        const s = database.withSchema(schema);
        const { atMs: now } = await writeFortyBought(
          s,
          { clientOrderId: id, execId, broker, account: ACCOUNT },
          {
            conId: AAPL.id,
            instrument: AAPL,
            brokerOrderId: ORDER_ID,
            permId: PERM_ID,
            viaPendingSubmit: true,
            withSubmitReply: true,
          },
        );
        const external = { account: ACCOUNT, status: 'working', order_json: JSON.stringify({}), updated_at_ms: now };
        await s
          .insertInto('external_orders')
          .values([
            { broker, perm_id: 777, order_id: 0, ...external },
            { broker, perm_id: 0, order_id: -5, ...external },
          ])
          .execute();
      },
    });
    const x = h;

    const got = await get(x, id);
    expect(got, JSON.stringify(got)).toMatchObject({
      ok: true,
      order: { state: 'partiallyFilled', filledQty: '40', brokerOrderId: '51', permId: '9051' },
    });
    expect(got.events?.map((e) => ('brokerOrderId' in e ? [e.kind, e.brokerOrderId, e.permId] : [e.kind]))).toEqual([
      ['accepted'],
      ['statusChanged', '51', undefined],
      ['statusChanged', '51', '9051'],
      ['partiallyFilled', '51', '9051'],
    ]);
    // The trail is as the old version wrote it: read as strings, never rewritten.
    const stored = await db(x)
      .selectFrom('order_events')
      .select(sql<string>`jsonb_typeof(payload->'brokerOrderId')`.as('type'))
      .where('client_order_id', '=', id)
      .where('seq', '>', 1)
      .execute();
    expect(stored.map((r) => r.type)).toEqual(['number', 'number', 'number']);
    const reply = await db(x)
      .selectFrom('orders')
      .select(sql<string>`submit_reply #>> '{order,brokerOrderId}'`.as('id'))
      .select(sql<string>`jsonb_typeof(submit_reply #> '{order,brokerOrderId}')`.as('type'))
      .where('client_order_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(reply).toEqual({ id: '51', type: 'string' });
    const fills = await db(x)
      .selectFrom('fills')
      .select(['exec_id', 'quantity'])
      .where('client_order_id', '=', id)
      .execute();
    expect(fills.map((f) => [f.exec_id, String(Number(f.quantity))])).toEqual([[execId, '40']]);
    const external = await db(x)
      .selectFrom('external_orders')
      .select(['perm_id', 'order_id'])
      .orderBy('perm_id')
      .execute();
    expect(external).toEqual([
      { perm_id: '', order_id: '-5' },
      { perm_id: '777', order_id: '' },
    ]);

    // A fill naming the order by its broker order id only (no orderRef) finds it in the migrated column.
    const now = Date.now();
    await x.brokerEvent('execution', {
      eventId: `exec-${execId}-2`,
      tsEventMs: now,
      execution: {
        orderId: '51',
        permId: '9051',
        execId: `${execId}-2`,
        account: ACCOUNT,
        instrumentId: AAPL.id,
        side: 'BUY',
        quantity: '60',
        price: '150',
        cumQty: '100',
        avgPrice: '150',
        exchange: 'NASDAQ',
        execTimeMs: now,
      },
    });
    const after = await waitUntil(async () => {
      const g = await get(x, id);
      return g.order?.state === 'filled' ? g : undefined;
    });
    expect(after.order).toMatchObject({ filledQty: '100', brokerOrderId: '51', permId: '9051' });
    expect(after.events?.at(-1)).toMatchObject({ kind: 'filled', seq: 5, brokerOrderId: '51', permId: '9051' });
  }, 120_000); // PGlite's start-up alone takes ~24 s at load 18 on two cores
});
