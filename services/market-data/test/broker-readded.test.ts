/**
 * A broker removed from gateway-ib and added again under the same name, while a lease on one of its lines lives
 * on: the new gateway instance knows nothing of market-data's line, so market-data must ask it again. Before, the
 * next md.subscribe reused the old line without a word to the gateway and no tick ever came.
 */
import type { BrokerStatus, MdSubscribeReply, Tick } from '@trading-system/contracts';
import { IbConnectionConfig, Subjects } from '@trading-system/contracts';
import { type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { createTestNatsBus, type TestBus, uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, type MdHarness, startMd, testCatalog, testLogger } from './helpers.js';

const AAPL = '265598';
// Inside a regular session (Wednesday 11:00 New York): the sim streams ticks.
const WEDNESDAY_1100_ET = Date.parse('2024-03-13T15:00:00Z');

let sim: RunningSim;
let nats: TestBus;
let gateway: Gateway;
let h: MdHarness;
let broker: string;
let gatewayType: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, clock: scaledClock(WEDNESDAY_1100_ET, 1) });
  nats = await createTestNatsBus(testCatalog);
  broker = uniqueName('b');
  gatewayType = uniqueName('g');
  gateway = await startGateway({
    bus: nats.bus,
    logger: testLogger,
    gatewayType,
    brokers: [{ name: broker, connection: connection() }],
    brokerOptions: { connection: { minBackoffMs: 50, maxBackoffMs: 500, statusEveryMs: 1_000 } },
  });
  await until(() => gateway.broker(broker)?.conn.isReady === true, 10_000, 'the gateway session');
  h = await startMd({}, nats);
}, 30_000);
afterAll(async () => {
  await h?.close();
  await gateway?.stop();
  await nats?.close();
  await sim?.stop();
});

function connection(): IbConnectionConfig {
  return IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 });
}
const subscribe = (leaseId: string) =>
  h.bus.request<MdSubscribeReply>(
    h.subjects.subscribe,
    { v: 1, leaseId, broker, instrument: { id: AAPL }, ttlMs: 60_000 },
    { timeoutMs: 10_000 },
  );
const gatewayCmd = (verb: 'addBroker' | 'removeBroker', body: object) =>
  h.bus.request<{ ok: boolean }>(Subjects.gatewayCommand.build({ type: gatewayType, verb }), body, {
    timeoutMs: 10_000,
  });

describe('a broker removed and added again under the same name', () => {
  test('its lines are asked for again from the new gateway instance: ticks flow, one gateway reference', async () => {
    const status = collect<BrokerStatus>(h.bus, Subjects.brokerStatus.build({ broker }));
    const first = collect<Tick>(h.bus, Subjects.mdTick.build({ broker, instrument: AAPL }));
    expect((await subscribe(uniqueName('before'))).ok).toBe(true);
    await first.next(() => true, 10_000, 'a tick before the removal');
    first.stop();

    expect((await gatewayCmd('removeBroker', { v: 1, name: broker })).ok).toBe(true);
    const gone = await status.next((s) => s.state === 'disconnected', 10_000, 'the removed broker reported down');
    await until(() => h.md.lines().get(`${broker}/${AAPL}`)?.state === 'down', 5_000, 'the line marked down');

    expect(
      (await gatewayCmd('addBroker', { v: 1, name: broker, connection: { type: 'ib', ...connection() } })).ok,
    ).toBe(true);
    await status.next(
      (s) => s.state === 'connected' && s.instanceId !== gone.instanceId,
      10_000,
      'the new instance connected',
    );
    const after = collect<Tick>(h.bus, Subjects.mdTick.build({ broker, instrument: AAPL }));
    expect((await subscribe(uniqueName('after'))).ok).toBe(true);
    await after.next(() => true, 10_000, 'a tick from the broker added again');
    after.stop();
    status.stop();
    await until(() => h.md.lines().get(`${broker}/${AAPL}`)?.state === 'live', 5_000, 'the line live again');
    // asked once at the new instance, not once per status or per lease
    expect(gateway.broker(broker)?.marketData.refs(AAPL).ticks).toBe(1);
  }, 60_000);
});
