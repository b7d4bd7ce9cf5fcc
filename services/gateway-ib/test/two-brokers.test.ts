/**
 * Broker ids are unique per broker only. Two fresh ib-sims on the same simulated time issue identical exec ids
 * (`makeExecId(sequence, time)`: both start at sequence 1); one gateway hosting both brokers must store both
 * fills on BROKER_EVENTS — the `Nats-Msg-Id` is scoped by broker, so neither is dropped as the other's duplicate.
 * (How the OMS end-to-end test forces the same collision: two sims, each `clock: manualClock(T)` with one T.)
 */
import { randomUUID } from 'node:crypto';
import type { BrokerExecution, BrokerPlaceOrderReply } from '@trading-system/contracts';
import { catalog, IbConnectionConfig, Subjects } from '@trading-system/contracts';
import { manualClock, type RunningSim } from '@trading-system/ib-sim';
import { createTestNatsBus, type TestBus, uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Gateway, start } from '../src/app.js';
import { AAPL, nextMessage, startTestSim, storedEvents, TUESDAY_1100_ET, testLogger } from './helpers.js';

const sims: RunningSim[] = [];
const names = [uniqueName('xa'), uniqueName('xb')];
let nats: TestBus;
let gateway: Gateway;

beforeAll(async () => {
  for (let i = 0; i < 2; i++) sims.push(await startTestSim({ clock: manualClock(TUESDAY_1100_ET) }));
  nats = await createTestNatsBus(catalog);
  gateway = await start({
    bus: nats.bus,
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: names.map((name, i) => ({
      name,
      connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sims[i]?.port, clientId: 31 }),
    })),
  });
  for (const n of names) await until(() => gateway.broker(n)?.conn.isReady === true, 5_000, `${n} ready`);
});
afterAll(async () => {
  await gateway?.stop();
  await nats?.close();
  for (const s of sims) await s.stop();
});

test('two sims fill in the same second with the same exec id; both fills are stored, one per broker', async () => {
  const execs = names.map((broker) =>
    nextMessage<BrokerExecution>(nats.bus, `broker.${broker}.evt.execution`, () => true),
  );
  for (const broker of names) {
    const r = await nats.bus.request<BrokerPlaceOrderReply>(
      Subjects.brokerCommand.build({ broker, verb: 'placeOrder' }),
      {
        v: 1,
        clientOrderId: `x-${randomUUID().slice(0, 20)}`,
        account: 'DU1234567',
        instrument: { id: AAPL },
        side: 'BUY',
        quantity: '5',
        orderType: 'MKT',
        tif: 'DAY',
        outsideRth: false,
      },
      { timeoutMs: 5_000 },
    );
    expect(r).toMatchObject({ ok: true });
  }
  const [a, b] = await Promise.all(execs);
  expect(a?.execution.execId).toBe(b?.execution.execId);
  expect(a?.eventId).toBe(b?.eventId);
  for (const n of names) await gateway.broker(n)?.orders.flushed();
  for (const [i, n] of names.entries()) {
    const stored = await storedEvents<BrokerExecution>(`broker.${n}.evt.execution`);
    expect(stored.map((m) => m.data.execution.execId)).toEqual([(i === 0 ? a : b)?.execution.execId]);
    expect(gateway.broker(n)?.orders.stats.duplicates).toBe(0);
  }
});
