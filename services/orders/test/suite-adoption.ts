import { afterEach, describe, expect, test } from 'vitest';
import { type Harness, startHarness, waitUntil } from './harness.js';
import { stateOf, submit } from './oms-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('brokers adopted at run time', () => {
  test('the first order to a broker whose status has not reached the OMS is routed, not refused BROKER_UNKNOWN', async () => {
    // The fault-injection gateways publish no broker.<name>.status at all: the OMS hears of the broker first from the order,
    // as it does when addBroker's reply reaches the client before the status reaches the OMS.
    h = await startHarness('nats-pg', { otherBrokers: 1, others: 'adopted' });
    const x = h;
    const other = x.others[0];
    if (other === undefined) throw new Error('harness started no other broker');
    const r = await submit(x, { broker: other.broker });
    expect(r).toMatchObject({ ok: true, order: { broker: other.broker, state: 'pendingSubmit' } });
    expect(other.gateway.placed()).toHaveLength(1);
    expect(x.gateway.placed()).toHaveLength(0);
    // Adopted for good: its event stream is consumed (the broker's cancel confirmation settles the order).
    const id = String(r.order?.clientOrderId);
    const orderId = String(r.order?.brokerOrderId);
    await x.brokerEvent(
      'orderStatus',
      {
        eventId: `status-${other.broker}-${orderId}-c`,
        tsEventMs: Date.now(),
        orderId,
        permId: `p${orderId}`,
        clientOrderId: id,
        status: 'cancelled',
        filled: '0',
        remaining: '100',
      },
      undefined,
      other.broker,
    );
    await waitUntil(async () => ((await stateOf(x, id)) === 'cancelled' ? true : undefined));

    // No gateway answers for this name: refused at once, typed, and nothing is adopted.
    const started = Date.now();
    const nobody = await submit(x, { broker: `${x.broker}_nobody` });
    expect(nobody).toMatchObject({ ok: false, code: 'BROKER_UNKNOWN' });
    expect(Date.now() - started).toBeLessThan(x.config.brokerTimeoutMs);
  });

  test('with adoption off a broker outside the configuration is refused even though its gateway answers', async () => {
    h = await startHarness('nats-pg', { otherBrokers: 1, others: 'unrouted' });
    const other = h.others[0];
    if (other === undefined) throw new Error('harness started no other broker');
    expect(await submit(h, { broker: other.broker })).toMatchObject({ ok: false, code: 'BROKER_UNKNOWN' });
    expect(other.gateway.calls).toEqual([]);
  });
});
