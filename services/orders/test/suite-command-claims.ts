/**
 * Command claims under faults, found by the chaos suite (infra/test/chaos): a claim left without an answer while
 * the process lives on (the database went away between the claim and its answer, so it was neither stored nor
 * released) is taken over by a repeat at once, instead of SERVICE_UNAVAILABLE for ever; a cancel answered before
 * whose order works again (the cancel never reached the broker) is sent again instead of answered from the store.
 */
import { Subjects } from '@trading-system/contracts';
import { afterEach, describe, expect, test } from 'vitest';
import { appendEvent, lockOrder } from '../src/ledger.js';
import { type Harness, startHarness } from './harness.js';
import { db, type Reply, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const cancel = (x: Harness, clientOrderId: string) =>
  x.request<Reply>(Subjects.ordersCancel.build(), { v: 1, clientOrderId });
const cancelsSent = (x: Harness) => x.gateway.calls.filter((c) => c.verb === 'cancelOrder').length;

describe('command claims under faults', () => {
  test('a claim nobody acts on any more is taken over by the repeat at once', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const id = String((await submit(x)).order?.clientOrderId);
    // What a cancel leaves when the database goes away after its claim: no reply, and nobody acting on it.
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
    const started = Date.now();
    expect(await cancel(x, id)).toMatchObject({ ok: true, order: { state: 'pendingCancel' } });
    expect(Date.now() - started).toBeLessThan(x.config.brokerTimeoutMs);
    expect(cancelsSent(x)).toBe(1);
  });

  test('a cancel answered before is sent again once its order works again, and only then', async () => {
    h = await startHarness('nats-pg');
    const x = h;
    const id = String((await submit(x)).order?.clientOrderId);
    const first = await cancel(x, id);
    expect(first).toMatchObject({ ok: true, order: { state: 'pendingCancel' } });
    // While that cancel is pending a repeat is answered from the store, nothing sent.
    expect(await cancel(x, id)).toEqual(first);
    expect(cancelsSent(x)).toBe(1);
    // The cancel never reached the broker (its gateway died with it): reconciliation sets the order back to what
    // the broker reports, still working.
    await db(x)
      .transaction()
      .execute(async (trx) => {
        const row = await lockOrder(trx, id);
        if (row === undefined) throw new Error('order missing');
        const now = Date.now();
        await appendEvent(
          trx,
          row,
          'statusChanged',
          { from: 'pendingCancel', to: 'pendingSubmit', brokerStatus: 'working' },
          { nowMs: now, tsEventMs: now, patch: { state: 'pendingSubmit' } },
        );
      });
    expect(await cancel(x, id)).toMatchObject({ ok: true, order: { state: 'pendingCancel' } });
    expect(cancelsSent(x)).toBe(2);
  });
});
