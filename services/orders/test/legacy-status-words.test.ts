/**
 * A ledger written by the version before the broker-neutral contract: its events hold IB's status words (and the
 * `cancel refused` note) in statusChanged.brokerStatus, its external orders IB's status. After the upgrade, the
 * trail is unchanged (append-only), orders.get hands it out in the current words, external_orders was migrated,
 * and an order of the old ledger goes on with the new words. Postgres and PGlite.
 */
import { randomUUID } from 'node:crypto';
import { sql } from '@trading-system/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { migrateBefore, writeOrderRow, writeTrail } from './legacy-ledger.js';
import { db, get, status } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ORDER_ID = 51;

describe.each(['nats-pg', 'memory-pglite'] as const)('a ledger from before migration 0007 (%s)', (kind) => {
  test('its events read in the current words, external orders migrated, its orders go on', async () => {
    const id = `old-${randomUUID()}`;
    h = await startHarness(kind, {
      prepare: async (database, schema, broker) => {
        await migrateBefore(database, schema, '0007');
        const s = database.withSchema(schema);
        const now = Date.now();
        await writeOrderRow(s, {
          client_order_id: id,
          broker,
          account: ACCOUNT,
          con_id: AAPL.id,
          instrument: AAPL,
          state: 'submitted',
          filled_qty: '0',
          fill_notional: '0',
          broker_order_id: ORDER_ID,
          last_seq: 2,
          atMs: now,
        });
        const changes = [
          { from: 'pendingSubmit', to: 'submitted', brokerStatus: 'PreSubmitted', brokerOrderId: ORDER_ID },
          { from: 'pendingCancel', to: 'submitted', brokerStatus: 'cancel refused: TIMEOUT' },
        ];
        await writeTrail(
          s,
          { clientOrderId: id, broker, account: ACCOUNT, atMs: now },
          changes.map((change) => ({ kind: 'statusChanged', ...change })),
          { published: false },
        );
        await s
          .insertInto('external_orders')
          .values({
            broker,
            perm_id: '777',
            order_id: 0,
            account: ACCOUNT,
            status: 'Submitted',
            order_json: JSON.stringify({}),
            updated_at_ms: now,
          })
          .execute();
      },
    });
    const x = h;

    const got = await get(x, id);
    expect(got, JSON.stringify(got)).toMatchObject({ ok: true, order: { state: 'submitted' } });
    expect(got.events?.map((e) => (e.kind === 'statusChanged' ? [e.brokerStatus, e.reason] : []))).toEqual([
      ['held', undefined],
      [undefined, 'cancel refused: TIMEOUT'],
    ]);
    // The trail itself is as the old version wrote it: read in today's words, never rewritten.
    const stored = await db(x)
      .selectFrom('order_events')
      .select(sql<string>`payload->>'brokerStatus'`.as('word'))
      .where('client_order_id', '=', id)
      .orderBy('seq')
      .execute();
    expect(stored.map((r) => r.word)).toEqual(['PreSubmitted', 'cancel refused: TIMEOUT']);
    const external = await db(x).selectFrom('external_orders').select(['perm_id', 'status']).execute();
    expect(external).toEqual([{ perm_id: '777', status: 'working' }]);

    await status(x, id, String(ORDER_ID), 'cancelled', 1);
    const after = await waitUntil(async () => {
      const g = await get(x, id);
      return g.order?.state === 'cancelled' ? g : undefined;
    });
    expect(after.events?.at(-1)).toMatchObject({ kind: 'cancelled', seq: 3, reason: 'cancelled' });
  }, 120_000); // PGlite's start-up alone takes ~24 s at load 18 on two cores
});
