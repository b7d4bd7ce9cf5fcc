import {
  type AddBrokerReply,
  BrokerStatus,
  type BrokerStatusReply,
  type ListBrokersReply,
  type RemoveBrokerReply,
  Subjects,
} from '@trading-system/contracts';
import { uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Harness, nextMessage, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const statusSubject = () => Subjects.brokerStatus.build({ broker: h.broker });
const requestStatus = async (): Promise<BrokerStatus> => {
  const r = await h.bus.request<BrokerStatusReply>(
    Subjects.brokerCommand.build({ broker: h.broker, verb: 'status' }),
    { v: 1 },
    { timeoutMs: 2_000 },
  );
  if (!r.ok) throw new Error(r.message);
  return r.status;
};

describe('broker connection', () => {
  test('a late joiner reads the current status on request: connected, fixed clientId, accounts, server version', async () => {
    const s = await requestStatus();
    expect(s).toMatchObject({
      broker: h.broker,
      state: 'connected',
      accounts: ['DU1234567'],
      paper: true,
      details: { type: 'ib', clientId: h.clientId, serverVersion: 178 },
    });
    expect(BrokerStatus.safeParse(s).success).toBe(true);
    expect(s.lastMessageAgeMs).toBeGreaterThanOrEqual(0);
  });

  test('1100 degrades the connection, 1102 restores it; both published as neutral notices', async () => {
    const degraded = nextMessage<BrokerStatus>(h.bus, statusSubject(), (s) => s.state === 'degraded');
    h.sim.control.broadcast(1100);
    expect((await degraded).notice).toMatchObject({ kind: 'connectivity-lost', code: '1100' });
    const restored = nextMessage<BrokerStatus>(h.bus, statusSubject(), (s) => s.state === 'connected');
    h.sim.control.broadcast(1102);
    expect((await restored).notice).toMatchObject({ kind: 'restored', code: '1102' });
  });

  test('a broken market farm is degraded with the farm named; OK again reconnects', async () => {
    const broken = nextMessage<BrokerStatus>(h.bus, statusSubject(), (s) => s.state === 'degraded');
    h.sim.control.broadcast(2103, { farm: 'usfarm' });
    const s = await broken;
    expect(s.feeds).toContainEqual(expect.objectContaining({ name: 'usfarm', kind: 'market', state: 'broken' }));
    const ok = nextMessage<BrokerStatus>(h.bus, statusSubject(), (x) => x.state === 'connected');
    h.sim.control.broadcast(2104, { farm: 'usfarm' });
    expect((await ok).feeds).toContainEqual(expect.objectContaining({ name: 'usfarm', state: 'ok' }));
  });

  test('a socket drop is published as disconnected, then the session comes back with the same clientId', async () => {
    const conn = h.gateway.broker(h.broker)?.conn;
    const before = conn?.sessions ?? 0;
    // Only a connected status after the disconnected one is the new session (a periodic one may come first).
    let dropped = false;
    const down = nextMessage<BrokerStatus>(h.bus, statusSubject(), (s) => {
      dropped ||= s.state === 'disconnected';
      return dropped;
    });
    const up = nextMessage<BrokerStatus>(h.bus, statusSubject(), (s) => dropped && s.state === 'connected', 8_000);
    expect(h.sim.control.dropClient(h.clientId)).toBe(1);
    await down;
    const s = await up;
    expect(s.details).toMatchObject({ type: 'ib', clientId: h.clientId });
    expect(conn?.sessions).toBe(before + 1);
    expect(h.sim.control.sessions().map((x) => x.clientId)).toEqual([h.clientId]);
  });
});

describe('gateway commands', () => {
  const cmd = (verb: 'addBroker' | 'removeBroker' | 'listBrokers') =>
    Subjects.gatewayCommand.build({ type: h.gatewayType, verb });

  test('add, list and remove a broker at run time; names are unique', async () => {
    const name = uniqueName('extra');
    const connected = nextMessage<BrokerStatus>(
      h.bus,
      Subjects.brokerStatus.build({ broker: name }),
      (s) => s.state === 'connected',
    );
    const added = await h.bus.request<AddBrokerReply>(
      cmd('addBroker'),
      { v: 1, name, connection: { type: 'ib', host: '127.0.0.1', port: h.sim.port, clientId: 77 } },
      { timeoutMs: 2_000 },
    );
    expect(added).toMatchObject({
      ok: true,
      broker: { name, endpoint: `127.0.0.1:${h.sim.port}`, details: { type: 'ib', clientId: 77 } },
    });
    await connected;
    const dup = await h.bus.request<AddBrokerReply>(
      cmd('addBroker'),
      { v: 1, name, connection: { type: 'ib', host: '127.0.0.1', port: h.sim.port, clientId: 78 } },
      { timeoutMs: 2_000 },
    );
    expect(dup).toMatchObject({ ok: false, code: 'BROKER_EXISTS' });
    const list = await h.bus.request<ListBrokersReply>(cmd('listBrokers'), { v: 1 }, { timeoutMs: 2_000 });
    expect(list.ok && list.brokers.map((b) => b.name).sort()).toEqual([h.broker, name].sort());
    expect(list.ok && list.brokerType).toBe('ib');
    const removed = await h.bus.request<RemoveBrokerReply>(cmd('removeBroker'), { v: 1, name }, { timeoutMs: 2_000 });
    expect(removed).toMatchObject({ ok: true, name });
    await until(() => h.sim.control.sessions().every((s) => s.clientId !== 77), 2_000, 'session 77 closed');
    const again = await h.bus.request<RemoveBrokerReply>(cmd('removeBroker'), { v: 1, name }, { timeoutMs: 2_000 });
    expect(again).toMatchObject({ ok: false, code: 'BROKER_UNKNOWN' });
  });

  test("a connection must say its broker type, be an ib one, and pass gateway-ib's paper/live guard", async () => {
    const name = uniqueName('refused');
    const add = (connection: Record<string, unknown>) =>
      h.bus.request<AddBrokerReply>(cmd('addBroker'), { v: 1, name, connection }, { timeoutMs: 2_000 });
    // Sent raw: the bus refuses to send an invalid request, the gateway must refuse to take one too.
    const raw = await h.bus.requestRaw(
      cmd('addBroker'),
      new TextEncoder().encode(
        JSON.stringify({ v: 1, name, connection: { host: '127.0.0.1', port: 1, clientId: 80 } }),
      ),
      { timeoutMs: 2_000 },
    );
    const untagged = JSON.parse(new TextDecoder().decode(raw)) as { ok: boolean; code?: string; message?: string };
    expect(untagged).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(untagged.message).toContain('connection.type');
    const livePort = await add({ type: 'ib', host: '127.0.0.1', port: 7496, clientId: 80 });
    expect(livePort).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(livePort.ok === false && livePort.message).toContain('7496 is a live-trading port');
    const paperPort = await add({ type: 'ib', host: '127.0.0.1', port: 4002, clientId: 80, paper: false });
    expect(paperPort.ok === false && paperPort.message).toContain('4002 is a paper-trading port');
    // Another gateway's broker type: named in the refusal, never opened here.
    const paper = await add({ type: 'paper', quotesFrom: h.broker });
    expect(paper).toMatchObject({ ok: false, code: 'BROKER_TYPE_UNKNOWN', details: { type: 'paper', known: ['ib'] } });
    const list = await h.bus.request<ListBrokersReply>(cmd('listBrokers'), { v: 1 }, { timeoutMs: 2_000 });
    expect(list.ok && list.brokers.map((b) => b.name)).not.toContain(name);
  });

  test('a broker that cannot reach its host reports disconnected, unreachable with what to start, and keeps retrying', async () => {
    const name = uniqueName('nohost');
    const added = await h.bus.request<AddBrokerReply>(
      cmd('addBroker'),
      { v: 1, name, connection: { type: 'ib', host: '127.0.0.1', port: 1, clientId: 79 } },
      { timeoutMs: 2_000 },
    );
    expect(added).toMatchObject({ ok: true, broker: { state: 'disconnected' } });
    const s = await nextMessage<BrokerStatus>(
      h.bus,
      Subjects.brokerStatus.build({ broker: name }),
      (x) => x.state === 'disconnected' && x.notice !== undefined,
    );
    expect(s.notice).toMatchObject({ kind: 'unreachable', code: '502' });
    expect(s.notice?.hint).toMatch(/^start TWS or IB Gateway at 127\.0\.0\.1:1 .*ib-sim/);
    await h.bus.request(cmd('removeBroker'), { v: 1, name }, { timeoutMs: 2_000 });
  });
});
