/** The order id allocator over its real store (JetStream on the test NATS): unique ids, durable marks, refusals. */
import { BROKER_ORDER_IDS_STREAM, catalog, IbOrderIdReservation, Subjects } from '@trading-system/contracts';
import { createTestNatsBus, type TestBus, uniqueName } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { busOrderIdStore, OrderIdAllocator } from '../src/order-ids.js';

let nats: TestBus;
beforeAll(async () => {
  nats = await createTestNatsBus(catalog);
  await nats.bus.jetstream.ensureStream({
    name: BROKER_ORDER_IDS_STREAM.name,
    subjects: BROKER_ORDER_IDS_STREAM.subjects,
    storage: BROKER_ORDER_IDS_STREAM.storage,
    duplicateWindowMs: BROKER_ORDER_IDS_STREAM.duplicateWindowMs,
    maxMsgsPerSubject: BROKER_ORDER_IDS_STREAM.maxMsgsPerSubject,
  });
});
afterAll(async () => {
  await nats.close();
});

const mark = async (broker: string) =>
  (
    await nats.bus.jetstream.lastMessage<IbOrderIdReservation>(
      BROKER_ORDER_IDS_STREAM.name,
      Subjects.brokerOrderIds.build({ broker }),
    )
  )?.data;

test('ids are unique under concurrency, every one below a mark stored before it was handed out', async () => {
  const broker = uniqueName('ids');
  const ids = new OrderIdAllocator(busOrderIdStore(nats.bus, broker, 7, 'inst-a'), 10);
  ids.raiseTo(5); // IB's nextValidId
  const got = await Promise.all(Array.from({ length: 35 }, () => ids.take()));
  expect(new Set(got).size).toBe(35);
  expect(Math.min(...got)).toBe(5);
  const stored = await mark(broker);
  expect(stored).toMatchObject({ broker, clientId: 7, instanceId: 'inst-a' });
  expect(Math.max(...got)).toBeLessThan(stored?.highWater ?? 0);
  expect(ids.reservations).toBe(4); // 10 ids per block: 5..14, 15..24, 25..34, 35..44

  // A restart (a new instance on the same store) starts at the mark, even when IB's nextValidId is lower.
  const next = new OrderIdAllocator(busOrderIdStore(nats.bus, broker, 7, 'inst-b'), 10);
  next.raiseTo(40);
  const first = await next.take();
  expect(first).toBe(stored?.highWater);
  expect((await mark(broker))?.instanceId).toBe('inst-b');

  // IB reporting a higher id in use moves past it.
  next.raiseTo(first + 500);
  expect(await next.take()).toBe(first + 500);
});

test('no id without a readable mark: SERVICE_UNAVAILABLE (retryable); a working store hands ids out', async () => {
  const broker = uniqueName('ids');
  const t = await createTestNatsBus(catalog);
  const ids = new OrderIdAllocator(busOrderIdStore(t.bus, broker, 7, 'inst-c'), 10);
  await t.close(); // the bus is gone: nothing can be read or stored
  await expect(ids.take()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  const again = new OrderIdAllocator(busOrderIdStore(nats.bus, broker, 7, 'inst-c'), 10);
  again.raiseTo(3);
  expect(await again.take()).toBe(3);
});

test('a mark stored by the gateway before the broker-neutral status (then BrokerOrderIdReservation) is read after the upgrade', async () => {
  const broker = uniqueName('ids');
  // Exactly what the previous version wrote: the same subject, stream and body.
  const previous = { v: 1, broker, highWater: 5_000, clientId: 7, instanceId: 'old-inst', tsMs: 1_700_000_000_000 };
  await nats.bus.jetstream.publish(Subjects.brokerOrderIds.build({ broker }), previous, {
    msgId: `${broker}:ids:old-inst:5000`,
  });
  expect(IbOrderIdReservation.parse(await mark(broker))).toEqual(previous);
  const upgraded = new OrderIdAllocator(busOrderIdStore(nats.bus, broker, 7, 'new-inst'), 10);
  upgraded.raiseTo(12); // IB's nextValidId, below the stored mark
  expect(await upgraded.take()).toBe(5_000);
});
