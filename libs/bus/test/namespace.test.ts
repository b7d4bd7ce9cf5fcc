/**
 * Bus namespaces: several systems on one server that never hear each other, with the prefix on the wire only.
 * The behaviour suites run under the test file's namespace already (createTestNatsBus); these check the prefix
 * itself: what is on the wire, what the server stores, and what the handlers see.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import {
  createTestMemoryBus,
  createTestNatsBus,
  freshNamespace,
  natsUrl,
  silentBusLogger as silentLogger,
  type TestBus,
} from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import {
  connectNats,
  createMemoryBus,
  deleteNamespaceStreams,
  InvalidNamespaceError,
  NoRespondersError,
  type Received,
} from '../src/index.js';
import { Collector, type EchoReply, type OrderEvent, type Tick, testCatalog } from './support.js';

const open: TestBus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function natsPair(): Promise<{ a: TestBus; b: TestBus; nsA: string; nsB: string }> {
  const nsA = freshNamespace();
  const nsB = freshNamespace();
  const a = await createTestNatsBus(testCatalog, { namespace: nsA });
  const b = await createTestNatsBus(testCatalog, { namespace: nsB });
  open.push(a, b);
  return { a, b, nsA, nsB };
}

describe('bus namespace on NATS', () => {
  test('two namespaces on one server: same subjects, neither hears nor answers the other', async () => {
    const { a, b } = await natsPair();
    const subject = a.subject('tick', 'X');
    const heardByB = new Collector<Received<Tick>>();
    const heardByA = new Collector<Received<Tick>>();
    b.bus.subscribe<Tick>(subject, heardByB.push);
    a.bus.subscribe<Tick>(subject, heardByA.push);
    b.bus.serve(a.subject('echo'), (req: { text: string }): EchoReply => ({ ok: true, text: `b:${req.text}` }));
    a.bus.publish(subject, { symbol: 'X', price: '1', size: 1 });
    const [got] = await heardByA.waitFor(1);
    expect(got?.subject).toBe(subject);
    await expect(a.bus.request(a.subject('echo'), { text: 'hi' }, { timeoutMs: 2_000 })).rejects.toBeInstanceOf(
      NoRespondersError,
    );
    await expect(b.bus.request<EchoReply>(a.subject('echo'), { text: 'hi' }, { timeoutMs: 5_000 })).resolves.toEqual({
      ok: true,
      text: 'b:hi',
    });
    expect(heardByB.items).toHaveLength(0);
  });

  test('on the wire: subjects carry `<ns>.`, streams are `<ns>_<NAME>`; handlers, acks and reads see neither', async () => {
    const { a, nsA } = await natsPair();
    const { nc } = await connectNats({ servers: await natsUrl(), name: 'namespace-wire' }, silentLogger);
    try {
      const wire: string[] = [];
      const sub = nc.subscribe(`${nsA}.>`, {
        callback: (_err, m) => {
          wire.push(m.subject);
        },
      });
      await nc.flush();
      const stream = a.streamName('NS');
      const subject = a.subject('orders', 'o1');
      await a.bus.jetstream.ensureStream({
        name: stream,
        subjects: [a.subject('orders', '>')],
        storage: 'memory',
        duplicateWindowMs: 60_000,
      });
      const ack = await a.bus.jetstream.publish(subject, { id: '1', act: 'ack' }, { msgId: 'm1' });
      expect(ack.stream).toBe(stream);
      const names: string[] = [];
      for await (const n of (await jetstreamManager(nc)).streams.names()) names.push(n);
      expect(names).toContain(`${nsA}_${stream}`);
      expect(names).not.toContain(stream);
      const last = await a.bus.jetstream.lastMessage<OrderEvent>(stream, subject);
      expect(last?.subject).toBe(subject);
      const handled = new Collector<string>();
      const consumer = await a.bus.jetstream.consume<OrderEvent>(
        {
          stream,
          durable: 'd1',
          filterSubject: a.subject('orders', '*'),
          ackWaitMs: 5_000,
          maxDeliver: 3,
          deliver: 'all',
        },
        async (m) => {
          handled.push(m.subject);
          await m.ack();
        },
      );
      expect(await handled.waitFor(1)).toEqual([subject]);
      await consumer.stop();
      await nc.flush();
      expect(wire).toContain(`${nsA}.${subject}`);
      sub.unsubscribe();
      const deleted = await deleteNamespaceStreams(
        { servers: await natsUrl(), name: 'namespace-cleanup' },
        nsA,
        silentLogger,
      );
      expect(deleted).toEqual([`${nsA}_${stream}`]);
    } finally {
      await nc.close();
    }
  });
});

describe('bus namespace in memory', () => {
  test('requests, replies and streams work under a namespace; subjects arrive without it', async () => {
    const t = await createTestMemoryBus(testCatalog, { namespace: freshNamespace() });
    open.push(t);
    t.bus.serve(t.subject('echo'), (req: { text: string }): EchoReply => ({ ok: true, text: req.text }));
    await expect(t.bus.request(t.subject('echo'), { text: 'x' }, { timeoutMs: 2_000 })).resolves.toEqual({
      ok: true,
      text: 'x',
    });
    const stream = t.streamName('NS');
    await t.bus.jetstream.ensureStream({
      name: stream,
      subjects: [t.subject('orders', '>')],
      storage: 'memory',
      duplicateWindowMs: 60_000,
    });
    const ack = await t.bus.jetstream.publish(t.subject('orders', 'a'), { id: '1', act: 'ack' }, { msgId: 'x' });
    expect(ack.stream).toBe(stream);
    expect((await t.bus.jetstream.lastMessage(stream, t.subject('orders', 'a')))?.subject).toBe(
      t.subject('orders', 'a'),
    );
  });

  test('a namespace that is not one stream-safe subject token is refused', () => {
    for (const bad of ['a.b', 'a b', '*', '>', 'x'.repeat(33), 'ä']) {
      expect(() => createMemoryBus({ catalog: testCatalog, log: silentLogger, namespace: bad })).toThrow(
        InvalidNamespaceError,
      );
    }
  });
});
