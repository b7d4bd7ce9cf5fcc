/**
 * A ledger written by the version before instrument ids: IB's integer conId in the con_id columns (orders, fills,
 * broker_positions), in the stored instrument, the submit reply's order view and an external order, and in the
 * append-only events' payloads. After the upgrade (migration 0009) every order and fill is found by the instrument
 * id gateway-ib now reports (the conId's decimal string): orders.get and orders.list by instrumentId, the ledger
 * position, a new fill of the same instrument adding to it; the trail itself is unchanged and reads with the id.
 * Postgres and PGlite.
 */
import { randomUUID } from 'node:crypto';
import { Subjects } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { migrateBefore, writeFortyBought } from './legacy-ledger.js';
import { db, get, type Reply } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CON_ID = 265598;
/** AAPL as the version before stored it: `conId` where `id` is now. */
const { id: _, ...rest } = AAPL;
const OLD_AAPL = { conId: CON_ID, ...rest };

describe.each(['nats-pg', 'memory-pglite'] as const)('a ledger from before migration 0009 (%s)', (kind) => {
  test('its conIds read as instrument ids: every order, fill and position is found, its orders go on', async () => {
    const id = `old-${randomUUID()}`;
    const execId = `old-exec-${randomUUID()}`;
    h = await startHarness(kind, {
      prepare: async (database, schema, broker) => {
        await migrateBefore(database, schema, '0009');
        const s = database.withSchema(schema);
        const { atMs: now } = await writeFortyBought(
          s,
          { clientOrderId: id, execId, broker, account: ACCOUNT },
          { conId: CON_ID, instrument: OLD_AAPL, brokerOrderId: '61', permId: '9061', withSubmitReply: true },
        );
        const position = { broker, account: ACCOUNT, conId: CON_ID, symbol: 'AAPL', secType: 'STK', currency: 'USD' };
        await s
          .insertInto('broker_positions')
          .values({
            broker,
            account: ACCOUNT,
            con_id: CON_ID,
            position: JSON.stringify({ ...position, quantity: '40' }),
            updated_at_ms: now,
          })
          .execute();
        await s
          .insertInto('external_orders')
          .values({
            broker,
            perm_id: '777',
            order_id: '',
            account: ACCOUNT,
            status: 'working',
            order_json: JSON.stringify({ account: ACCOUNT, instrument: OLD_AAPL, side: 'SELL', quantity: '1' }),
            updated_at_ms: now,
          })
          .execute();
      },
    });
    const x = h;
    const instrumentId = String(CON_ID);

    const got = await get(x, id);
    expect(got, JSON.stringify(got)).toMatchObject({
      ok: true,
      order: { state: 'partiallyFilled', filledQty: '40', instrument: { id: instrumentId, symbol: 'AAPL' } },
    });
    expect(got.order?.instrument).not.toHaveProperty('conId');
    // The trail reads with the id; as stored it is what the old version wrote, never rewritten.
    expect(got.events?.[0]).toMatchObject({ kind: 'accepted', instrument: { id: instrumentId } });
    const stored = await db(x)
      .selectFrom('order_events')
      .select(sql<string>`jsonb_typeof(payload #> '{instrument,conId}')`.as('type'))
      .where('client_order_id', '=', id)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    expect(stored.type).toBe('number');
    const reply = await db(x)
      .selectFrom('orders')
      .select(sql<string>`submit_reply #>> '{order,instrument,id}'`.as('id'))
      .select(sql<boolean>`submit_reply #> '{order,instrument}' ? 'conId'`.as('legacy'))
      .select('instrument_id')
      .where('client_order_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(reply).toEqual({ id: instrumentId, legacy: false, instrument_id: instrumentId });
    const external = await db(x)
      .selectFrom('external_orders')
      .select(sql<string>`order_json #>> '{instrument,id}'`.as('id'))
      .where('broker', '=', x.broker)
      .executeTakeFirstOrThrow();
    expect(external.id).toBe(instrumentId);
    const brokerPosition = await db(x)
      .selectFrom('broker_positions')
      .select(['instrument_id', sql<string>`position->>'instrumentId'`.as('json')])
      .where('broker', '=', x.broker)
      .executeTakeFirstOrThrow();
    expect(brokerPosition).toEqual({ instrument_id: instrumentId, json: instrumentId });

    const listed = await x.request<Reply & { orders: Array<{ clientOrderId: string }> }>(Subjects.ordersList.build(), {
      v: 1,
      broker: x.broker,
      status: 'all',
      instrumentId,
    });
    expect(listed.orders.map((o) => o.clientOrderId)).toEqual([id]);

    // A fill of the same instrument, as gateway-ib now names it, completes the old order and adds to its position.
    const now = Date.now();
    await x.brokerEvent('execution', {
      eventId: `exec-${execId}-2`,
      tsEventMs: now,
      execution: {
        orderId: '61',
        permId: '9061',
        clientOrderId: id,
        execId: `${execId}-2`,
        account: ACCOUNT,
        instrumentId,
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
    expect(after.order).toMatchObject({ filledQty: '100', instrument: { id: instrumentId } });
    x.gateway.positions = [];
    const pos = await x.request<Reply & { positions: unknown[] }>(Subjects.ordersPositions.build(), {
      v: 1,
      broker: x.broker,
    });
    expect(pos.positions).toEqual([
      expect.objectContaining({ instrumentId, quantity: '100', account: ACCOUNT, symbol: 'AAPL' }),
    ]);
  }, 120_000); // PGlite's start-up alone takes ~24 s at load 18 on two cores
});
