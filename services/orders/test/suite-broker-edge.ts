import { Subjects } from '@trading-system/contracts';
import { afterEach, describe, expect, test } from 'vitest';
import { appendEvent, lockOrder } from '../src/ledger.js';
import { AAPL, ACCOUNT, type Harness, startHarness, waitUntil } from './harness.js';
import { db, exec, get, type Reply, sentinel, stateOf, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('commission before its execution', () => {
  test('is redelivered until the fill is there, then applied once', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    const orderId = String(r.order?.brokerOrderId);
    const execId = `early-${x.broker}`;
    await x.brokerEvent('commissionReport', {
      eventId: `comm-${execId}`,
      tsEventMs: Date.now(),
      execId,
      commission: '1.05',
      currency: 'USD',
    });
    await exec(x, id, orderId, execId, '100', '100');
    const ev = await waitUntil(async () => (await get(x, id)).events?.find((e) => e.kind === 'commission'));
    expect(ev).toMatchObject({ execId, commission: '1.05' });
    const fill = await db(x).selectFrom('fills').selectAll().where('exec_id', '=', execId).executeTakeFirstOrThrow();
    expect(fill.commission).toBe('1.05');
  });
});

describe('external orders', () => {
  test('are recorded for visibility and never become OMS orders', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const order = {
      permId: '424242',
      account: ACCOUNT,
      instrument: AAPL,
      side: 'SELL' as const,
      quantity: '3',
      orderType: 'LMT' as const,
      limitPrice: '199',
      tif: 'GTC' as const,
      outsideRth: false,
      status: 'working' as const,
      filled: '0',
      remaining: '3',
    };
    await x.brokerEvent('externalOrder', { eventId: `xo-${x.broker}-1`, tsEventMs: Date.now(), order });
    await x.brokerEvent('externalOrder', {
      eventId: `xo-${x.broker}-2`,
      tsEventMs: Date.now(),
      order: { ...order, status: 'cancelled' as const },
    });
    await sentinel(x);
    const rows = await db(x).selectFrom('external_orders').select(['perm_id', 'status']).execute();
    expect(rows).toEqual([{ perm_id: '424242', status: 'cancelled' }]);
    expect(await db(x).selectFrom('orders').select('client_order_id').execute()).toEqual([]);
  });
});

describe('poison broker events', () => {
  test('a malformed broker event is terminated and the consumer goes on', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const subject = Subjects.brokerEvent.build({ broker: x.broker, kind: 'execution' });
    x.bus.publishRaw(subject, new TextEncoder().encode('{"v":1,"not":"an execution"'));
    x.bus.publishRaw(subject, new TextEncoder().encode(JSON.stringify({ v: 1, eventId: 'x', broker: x.broker })));
    await sentinel(x);
    const inbox = await db(x).selectFrom('inbox').select('kind').execute();
    expect(inbox.map((r) => r.kind)).toEqual(['position']);
  });
});

describe('restart while a cancel is being sent', () => {
  // Found by the acceptance soak: the claim of a cancel whose process was killed before it answered stayed
  // without a reply forever, so every retry got SERVICE_UNAVAILABLE and the order could never be cancelled.
  test('the claim is released and the retried cancel is sent again', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const r = await submit(x);
    const id = String(r.order?.clientOrderId);
    expect(await stateOf(x, id)).toBe('pendingSubmit');
    // What a process killed after writing pendingCancel, before cancelOrder reached the gateway, leaves behind.
    await x.app.stop();
    await db(x)
      .insertInto('commands')
      .values({
        command_id: `cancel:${id}`,
        client_order_id: id,
        request_hash: `cancel:${id}`,
        reply: null,
        created_at_ms: String(Date.now()),
      })
      .execute();
    await db(x)
      .transaction()
      .execute(async (trx) => {
        const row = await lockOrder(trx, id);
        if (row === undefined) throw new Error('order missing');
        const now = Date.now();
        await appendEvent(
          trx,
          row,
          'pendingCancel',
          {},
          { nowMs: now, tsEventMs: now, patch: { state: 'pendingCancel' } },
        );
      });
    await x.restart();
    const started = Date.now();
    const c = await x.request<Reply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId: id });
    expect(c).toMatchObject({ ok: true, order: { state: 'pendingCancel' } });
    expect(Date.now() - started).toBeLessThan(x.config.brokerTimeoutMs);
    const again = await x.request<Reply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId: id });
    expect(again).toEqual(c);
    expect(x.gateway.calls.filter((call) => call.verb === 'cancelOrder')).toHaveLength(1);
  });
});
