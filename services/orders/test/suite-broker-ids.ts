/**
 * Broker-side ids are unique per broker only (issue 14.1: two ib-sims issued the same exec id and the second fill
 * was dropped as a duplicate). Run through nats.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Subjects } from '@trading-system/contracts';
import { migrateToLatest } from '@trading-system/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { migrations } from '../src/migrations/index.js';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { coid, db, get, type Reply, sentinel } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** As gateway-ib makes an exec id safe for an event id. */
const tok = (execId: string) => execId.replace(/[^A-Za-z0-9_-]/g, '_');

const execution = (clientOrderId: string, orderId: string, execId: string, quantity: string) => ({
  orderId,
  permId: `p${orderId}`,
  clientOrderId,
  execId,
  account: ACCOUNT,
  instrumentId: AAPL.id,
  side: 'BUY' as const,
  quantity,
  price: '150.2',
  cumQty: quantity,
  avgPrice: '150.2',
  exchange: 'NASDAQ',
  execTimeMs: Date.now(),
});

async function submitTo(x: Harness, broker: string, quantity = '100'): Promise<{ id: string; orderId: string }> {
  const r = await x.request<Reply>(Subjects.ordersSubmit.build(), {
    v: 1,
    clientOrderId: coid(),
    broker,
    account: ACCOUNT,
    instrument: { id: AAPL.id },
    side: 'BUY',
    quantity,
    orderType: 'MKT',
    tif: 'DAY',
  });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return { id: String(r.order?.clientOrderId), orderId: String(r.order?.brokerOrderId) };
}

describe('broker-side ids are scoped by broker', () => {
  test('the same exec id from two brokers makes two fills, each with its own commission; replays change nothing', async () => {
    h = await startHarness('nats-pg', { otherBrokers: 1 });
    const x = h;
    const second = x.others[0]?.broker ?? '';
    const a = await submitTo(x, x.broker);
    const b = await submitTo(x, second);
    const execId = '00000001.65f06d30.01.01'; // what two fresh ib-sims issue for their first fill in one second
    const publish = async (suffix = '') => {
      for (const [broker, o, commission] of [
        [x.broker, a, '1.00'],
        [second, b, '2.00'],
      ] as const) {
        const m = (id: string) => (suffix === '' ? undefined : `${broker}:${id}${suffix}`);
        await x.brokerEvent(
          'execution',
          {
            eventId: `exec-${tok(execId)}`,
            tsEventMs: Date.now(),
            execution: execution(o.id, o.orderId, execId, '100'),
          },
          m(`exec-${tok(execId)}`),
          broker,
        );
        await x.brokerEvent(
          'commissionReport',
          { eventId: `comm-${tok(execId)}`, tsEventMs: Date.now(), execId, commission, currency: 'USD' },
          m(`comm-${tok(execId)}`),
          broker,
        );
      }
    };
    await publish();
    for (const o of [a, b])
      await waitUntil(async () =>
        (await get(x, o.id)).events?.some((e) => e.kind === 'commission') ? true : undefined,
      );
    await publish('-replay'); // beyond the stream's duplicate window: only the inbox and fills keys stop them
    await sentinel(x);
    const fills = await db(x)
      .selectFrom('fills')
      .select(['broker', 'exec_id', 'client_order_id', 'quantity', 'commission'])
      .orderBy('commission')
      .execute();
    expect(fills).toEqual([
      { broker: x.broker, exec_id: execId, client_order_id: a.id, quantity: '100', commission: '1.00' },
      { broker: second, exec_id: execId, client_order_id: b.id, quantity: '100', commission: '2.00' },
    ]);
    for (const o of [a, b]) {
      const r = await get(x, o.id);
      expect(r.order).toMatchObject({ state: 'filled', filledQty: '100' });
      expect(r.events?.map((e) => e.kind)).toEqual(['accepted', 'statusChanged', 'filled', 'commission']);
    }
    const pos = await x.request<Reply & { positions: Array<{ broker: string; quantity: string }> }>(
      Subjects.ordersPositions.build(),
      { v: 1 },
    );
    const mine = pos.positions.filter((p) => p.broker === x.broker || p.broker === second);
    expect(mine.map((p) => [p.broker, p.quantity]).sort()).toEqual(
      [
        [x.broker, '100'],
        [second, '100'],
      ].sort(),
    );
  });

  test('reconciliation applies a fill the ledger lacks although another broker has a fill with its exec id', async () => {
    h = await startHarness('nats-pg', { otherBrokers: 1 });
    const x = h;
    const second = x.others[0];
    if (second === undefined) throw new Error('no second broker');
    const a = await submitTo(x, x.broker);
    const b = await submitTo(x, second.broker);
    const execId = '00000001.65f06d31.01.01';
    await x.brokerEvent('execution', {
      eventId: `exec-${tok(execId)}`,
      tsEventMs: Date.now(),
      execution: execution(a.id, a.orderId, execId, '100'),
    });
    await waitUntil(async () => ((await get(x, a.id)).order?.state === 'filled' ? true : undefined));
    // The second broker's fill was never seen live: only its reconciliation snapshot reports it.
    second.gateway.snapshot = () => ({
      openOrders: [],
      completedOrders: [],
      executions: [execution(b.id, b.orderId, execId, '100')],
      positions: [],
    });
    for (const state of ['disconnected', 'connected'] as const)
      x.bus.publish(Subjects.brokerStatus.build({ broker: second.broker }), {
        v: 1,
        broker: second.broker,
        gatewayType: 'ib',
        state,
        feeds: [],
        accounts: [ACCOUNT],
        paper: true,
        tsMs: Date.now(),
        capabilities: second.gateway.capabilities,
      });
    const filled = await waitUntil(async () => {
      const r = await get(x, b.id);
      return r.order?.state === 'filled' ? r : undefined;
    });
    expect(filled.order).toMatchObject({ filledQty: '100' });
    expect(filled.events?.find((e) => e.kind === 'filled')).toMatchObject({ execId });
    const fills = await db(x).selectFrom('fills').select(['broker', 'client_order_id']).orderBy('broker').execute();
    expect(fills).toHaveLength(2);
    expect(fills.map((f) => f.client_order_id).sort()).toEqual([a.id, b.id].sort());
  });

  test('a ledger written before the broker-scoped keys keeps working: its fills dedupe, commissions find them', async () => {
    const old = { id: `old-${randomUUID()}`, execId: '0000000a.65f06d30.01.01' };
    h = await startHarness('nats-pg', {
      prepare: async (database, schema, broker) => {
        const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0003'));
        await migrateToLatest(database, { schema, migrations: before });
        const s = database.withSchema(schema);
        const now = Date.now();
        await s
          .insertInto('orders')
          .values({
            client_order_id: old.id,
            broker,
            account: ACCOUNT,
            con_id: AAPL.id,
            instrument: JSON.stringify(AAPL),
            side: 'BUY',
            quantity: '10',
            order_type: 'MKT',
            tif: 'DAY',
            outside_rth: false,
            state: 'filled',
            filled_qty: '10',
            fill_notional: '1500',
            broker_order_id: 41,
            last_seq: 1,
            request_hash: 'x',
            created_at_ms: now,
            updated_at_ms: now,
          })
          .execute();
        await s
          .insertInto('fills')
          .values({
            exec_id: old.execId,
            client_order_id: old.id,
            broker,
            account: ACCOUNT,
            con_id: AAPL.id,
            side: 'BUY',
            quantity: '10',
            price: '150',
            exec_time_ms: now,
            created_at_ms: now,
          })
          .execute();
        await s
          .insertInto('inbox')
          .values({ event_id: `exec-${tok(old.execId)}`, broker, kind: 'execution', processed_at_ms: now })
          .execute();
      },
    });
    const x = h;
    const applied = await db(x)
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute();
    expect((applied as Array<{ name: string }>).map((r) => r.name)).toContain('0003-broker-scoped-ids');

    await x.brokerEvent(
      'execution',
      {
        eventId: `exec-${tok(old.execId)}`,
        tsEventMs: Date.now(),
        execution: execution(old.id, '41', old.execId, '10'),
      },
      `${x.broker}:exec-${tok(old.execId)}-replay`,
    );
    await x.brokerEvent('commissionReport', {
      eventId: `comm-${tok(old.execId)}`,
      tsEventMs: Date.now(),
      execId: old.execId,
      commission: '0.50',
      currency: 'USD',
    });
    await waitUntil(async () =>
      (await get(x, old.id)).events?.some((e) => e.kind === 'commission') ? true : undefined,
    );
    await sentinel(x);
    const fills = await db(x).selectFrom('fills').select(['exec_id', 'commission']).execute();
    expect(fills).toEqual([{ exec_id: old.execId, commission: '0.50' }]);
    expect((await get(x, old.id)).order).toMatchObject({ state: 'filled', filledQty: '10' });
  });
});
