/** JetStream half of the shared behaviour suite: streams, dedup, durable consumers and their settle rules. */
import type { TestBus, TestBusOptions } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type ConsumerConfig,
  InvalidMessageError,
  type JetStreamHandler,
  type JetStreamMessage,
  UnknownSubjectError,
} from '../src/index.js';
import type { MakeTestBus } from './behaviour.js';
import { Collector, capturingLogger, deferred, type OrderEvent } from './support.js';

interface Delivery {
  readonly id: string;
  readonly seq: number;
  readonly count: number;
  readonly redelivered: boolean;
  readonly atMs: number;
  readonly msgId: string | undefined;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function runJetStreamSuite(name: string, makeBus: MakeTestBus): void {
  describe(`${name}: JetStream`, () => {
    const open: TestBus[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    /** A bus, a fresh stream on `<prefix>.orders.>`, and a consumer config for it. */
    async function setup(options: TestBusOptions = {}) {
      const t = await makeBus(options);
      open.push(t);
      const stream = t.streamName('ORD');
      await t.bus.jetstream.ensureStream({
        name: stream,
        subjects: [t.subject('orders', '>')],
        storage: 'memory',
        duplicateWindowMs: 60_000,
      });
      const cfg = (over: Partial<ConsumerConfig> = {}): ConsumerConfig => ({
        stream,
        durable: `d${t.prefix}`,
        ackWaitMs: 5_000,
        maxDeliver: 5,
        deliver: 'all',
        ...over,
      });
      const subject = t.subject('orders', 'acct1', 'filled');
      const publish = (id: string, act: OrderEvent['act'] = 'ack', msgId = id) =>
        t.bus.jetstream.publish(subject, { id, act }, { msgId });
      return { t, stream, cfg, subject, publish };
    }

    /** A handler that records deliveries and acts as each message's `act` says. */
    function recorder(log: Collector<Delivery>, hold?: Promise<void>): JetStreamHandler<OrderEvent> {
      return async (m: JetStreamMessage<OrderEvent>) => {
        const { id } = m.data;
        const msgId = m.headers['Nats-Msg-Id'];
        log.push({ id, seq: m.seq, count: m.deliveryCount, redelivered: m.redelivered, atMs: Date.now(), msgId });
        const act = m.deliveryCount > 1 && m.data.act !== 'throw' ? 'ack' : m.data.act;
        if (act === 'ack') await m.ack();
        else if (act === 'throw') throw new Error(`handler fails on ${m.data.id}`);
        else if (act === 'nak') m.nak(300);
        else if (act === 'hold') await hold;
      };
    }

    test('msg-id deduplication: the same id is stored once and delivered once', async () => {
      const { t, cfg, subject, publish } = await setup();
      // A JetStream publish is a NATS publish: core subscribers see every one, duplicates included.
      const core = new Collector<string>();
      t.bus.subscribe<OrderEvent>(subject, (m) => core.push(m.data.id));
      const a = await publish('a');
      const again = await publish('a');
      const b = await publish('b');
      expect(a).toMatchObject({ seq: 1, duplicate: false });
      expect(again).toMatchObject({ seq: 1, duplicate: true });
      expect(b).toMatchObject({ seq: 2, duplicate: false });
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg(), recorder(got));
      await publish('c');
      expect((await got.waitFor(3)).map((d) => [d.id, d.msgId])).toEqual([
        ['a', 'a'],
        ['b', 'b'],
        ['c', 'c'],
      ]);
      expect(await core.waitFor(4)).toEqual(['a', 'a', 'b', 'c']);
      await c.stop();
    });

    test('JetStream publish validates and refuses non-stream subjects; nothing is stored', async () => {
      const { t, subject, publish } = await setup();
      await expect(t.bus.jetstream.publish(subject, { id: 'x', act: 'fly' }, { msgId: 'x' })).rejects.toBeInstanceOf(
        InvalidMessageError,
      );
      await expect(t.bus.jetstream.publish(t.subject('note', 'x'), { n: 1 }, { msgId: 'n' })).rejects.toBeInstanceOf(
        UnknownSubjectError,
      );
      expect((await publish('ok')).seq).toBe(1);
    });

    test('a durable consumer resumes after stop/start without redelivering acked messages', async () => {
      const { t, cfg, publish } = await setup();
      for (const id of ['1', '2', '3']) await publish(id);
      const first = new Collector<Delivery>();
      const c1 = await t.bus.jetstream.consume(cfg(), recorder(first));
      await first.waitFor(3);
      await c1.stop();
      for (const id of ['4', '5']) await publish(id);
      const second = new Collector<Delivery>();
      const c2 = await t.bus.jetstream.consume(cfg(), recorder(second));
      await second.waitFor(2);
      await publish('6');
      const got = await second.waitFor(3);
      expect(got.map((d) => [d.id, d.count])).toEqual([
        ['4', 1],
        ['5', 1],
        ['6', 1],
      ]);
      await c2.stop();
    });

    test('ensureStream creates or updates: limits apply, subjects can be added', async () => {
      const { t, stream, cfg, publish } = await setup();
      const spec = { name: stream, storage: 'memory', duplicateWindowMs: 60_000 } as const;
      await t.bus.jetstream.ensureStream({ ...spec, subjects: [t.subject('orders', '>')], maxMsgs: 2 });
      for (const id of ['1', '2', '3']) await publish(id);
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg(), recorder(got));
      expect((await got.waitFor(2)).map((d) => [d.id, d.seq])).toEqual([
        ['2', 2],
        ['3', 3],
      ]);
      await t.bus.jetstream.ensureStream({ ...spec, subjects: [t.subject('orders', '>'), t.subject('audit', '>')] });
      const ack = await t.bus.jetstream.publish(t.subject('orders', 'x'), { id: '4', act: 'ack' }, { msgId: '4' });
      expect(ack).toMatchObject({ stream, seq: 4, duplicate: false });
      await got.waitFor(3);
      await c.stop();
    });

    test('lastMessage reads the newest message of one subject; maxMsgsPerSubject keeps a last-value stream', async () => {
      const { t, stream } = await setup();
      const a = t.subject('orders', 'a');
      const b = t.subject('orders', 'b');
      expect(await t.bus.jetstream.lastMessage(stream, a)).toBeUndefined();
      await t.bus.jetstream.ensureStream({
        name: stream,
        subjects: [t.subject('orders', '>')],
        storage: 'memory',
        duplicateWindowMs: 60_000,
        maxMsgsPerSubject: 1,
      });
      for (const [subject, id] of [
        [a, 'a1'],
        [b, 'b1'],
        [a, 'a2'],
      ] as const)
        await t.bus.jetstream.publish(subject, { id, act: 'ack' }, { msgId: id });
      const last = await t.bus.jetstream.lastMessage<OrderEvent>(stream, a);
      expect(last).toMatchObject({ subject: a, seq: 3, data: { id: 'a2' } });
      expect(last?.headers['Nats-Msg-Id']).toBe('a2');
      expect((await t.bus.jetstream.lastMessage<OrderEvent>(stream, b))?.data.id).toBe('b1');
      // One message per subject is kept: a fresh durable sees b1 and a2 only.
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(
        { stream, durable: `lv${t.prefix}`, ackWaitMs: 5_000, maxDeliver: 5, deliver: 'all' },
        recorder(got),
      );
      expect((await got.waitFor(2)).map((d) => d.id)).toEqual(['b1', 'a2']);
      await c.stop();
      t.bus.publishRaw(b, utf8('{"id":7}'));
      await expect(t.bus.jetstream.lastMessage(stream, b)).rejects.toBeInstanceOf(InvalidMessageError);
      await expect(t.bus.jetstream.lastMessage(`${stream}_none`, a)).rejects.toThrow(/none/);
    });

    test('consume updates an existing durable: a new ack wait takes effect', async () => {
      const { t, cfg, publish } = await setup();
      const first = new Collector<Delivery>();
      const c1 = await t.bus.jetstream.consume(cfg({ ackWaitMs: 30_000 }), recorder(first));
      await publish('1');
      await first.waitFor(1);
      await c1.stop();
      const got = new Collector<Delivery>();
      const c2 = await t.bus.jetstream.consume(cfg({ ackWaitMs: 300 }), recorder(got));
      await publish('2', 'none');
      const [d1, d2] = await got.waitFor(2, 3_000);
      expect([d1?.id, d1?.count, d2?.id, d2?.count]).toEqual(['2', 1, '2', 2]);
      await c2.stop();
    });

    test("deliver 'new' starts after what is already stored", async () => {
      const { t, cfg, publish } = await setup();
      await publish('old');
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg({ deliver: 'new' }), recorder(got));
      await publish('new');
      expect((await got.waitFor(1)).map((d) => d.id)).toEqual(['new']);
      await c.stop();
    });

    test('nak with a delay redelivers after the delay', async () => {
      const { t, cfg, publish } = await setup();
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg(), recorder(got));
      await publish('n', 'nak');
      const [d1, d2] = await got.waitFor(2);
      expect([d1?.count, d2?.count, d2?.redelivered]).toEqual([1, 2, true]);
      expect((d2?.atMs ?? 0) - (d1?.atMs ?? 0)).toBeGreaterThanOrEqual(250);
      await c.stop();
    });

    test('a message left unsettled is redelivered after the ack wait', async () => {
      const { t, cfg, publish } = await setup();
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg({ ackWaitMs: 500 }), recorder(got));
      await publish('slow', 'none');
      const [d1, d2] = await got.waitFor(2);
      expect([d1?.seq, d2?.seq, d2?.count, d2?.redelivered]).toEqual([1, 1, 2, true]);
      expect((d2?.atMs ?? 0) - (d1?.atMs ?? 0)).toBeGreaterThanOrEqual(400);
      await c.stop();
    });

    test('a handler slower than the ack wait keeps its message (in progress), and so do messages waiting in its lane', async () => {
      const { t, cfg } = await setup();
      const got = new Collector<Delivery>();
      const arrivals: string[] = [];
      const record = recorder(got);
      // Four ack waits of work for the first message of key A; the second of A waits in its lane all that time.
      const c = await t.bus.jetstream.consume<OrderEvent>(
        cfg({ ackWaitMs: 300, lanes: { max: 4, keyOf: (subject) => subject.split('.').at(-2) } }),
        async (m) => {
          arrivals.push(`${m.data.id}:${m.deliveryCount}`);
          if (m.data.id === 'slow') await new Promise((r) => setTimeout(r, 1_200));
          await record(m);
        },
      );
      const on = (acct: string, id: string) =>
        t.bus.jetstream.publish(t.subject('orders', acct, 'filled'), { id, act: 'ack' }, { msgId: id });
      await on('A', 'slow');
      await on('A', 'behind');
      const [first, second] = await got.waitFor(2);
      expect([first?.id, first?.count, second?.id, second?.count]).toEqual(['slow', 1, 'behind', 1]);
      // A message published after them is handled next; neither came back meanwhile (a redelivery was due at 300 ms,
      // and would have arrived while the slow one ran).
      await on('B', 'after');
      await got.waitFor(3);
      expect(arrivals).toEqual(['slow:1', 'behind:1', 'after:1']);
      await c.stop();
    });

    test('a handler crash naks: the message comes back and the next one is still processed', async () => {
      const { t, cfg, publish } = await setup();
      const got = new Collector<Delivery>();
      let crashes = 0;
      const record = recorder(got);
      const c = await t.bus.jetstream.consume<OrderEvent>(cfg(), async (m) => {
        if (m.data.id === 'crash' && m.deliveryCount === 1) {
          crashes += 1;
          throw new Error('crash on first delivery');
        }
        await record(m);
      });
      await publish('crash');
      await publish('next');
      const got2 = await got.waitFor(2);
      expect(got2.map((d) => [d.id, d.count]).sort()).toEqual([
        ['crash', 2],
        ['next', 1],
      ]);
      expect(crashes).toBe(1);
      expect(t.bus.stats().handlerErrors).toBe(1);
      await c.stop();
    });

    test('maxDeliver: the last failed delivery is terminated and counted; the consumer goes on', async () => {
      const { log, lines } = capturingLogger();
      const { t, cfg, publish } = await setup({ log });
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg({ maxDeliver: 3 }), recorder(got));
      await publish('bad', 'throw');
      await publish('good');
      await got.waitFor(4);
      await publish('sentinel');
      await got.waitFor(5);
      const bad = got.items.filter((d) => d.id === 'bad');
      expect(bad.map((d) => d.count)).toEqual([1, 2, 3]);
      expect(got.items.filter((d) => d.id !== 'bad').map((d) => d.id)).toEqual(['good', 'sentinel']);
      expect(t.bus.stats().exhausted).toBe(1);
      expect(lines.some((l) => l.msg === 'message terminated: its last allowed delivery failed')).toBe(true);
      await c.stop();
    });

    test('SERVICE_UNAVAILABLE from the handler holds the message past ack wait and maxDeliver: no redelivery, no term, order kept', async () => {
      const { t, cfg, publish } = await setup();
      const got = new Collector<Delivery>();
      const record = recorder(got);
      const attempts: string[] = [];
      let available = false;
      const unavailable = Object.assign(new Error('database unreachable: connect ECONNREFUSED'), {
        code: 'SERVICE_UNAVAILABLE',
      });
      // The outage outlasts maxDeliver x ackWait: naks or ack-wait expiries would have terminated the message.
      const c = await t.bus.jetstream.consume<OrderEvent>(cfg({ ackWaitMs: 300, maxDeliver: 2 }), async (m) => {
        attempts.push(m.data.id);
        if (!available) throw new Error('ledger write failed', { cause: unavailable });
        await record(m);
      });
      await publish('first');
      await publish('second');
      await expect.poll(() => attempts.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(new Set(attempts)).toEqual(new Set(['first']));
      available = true;
      const delivered = await got.waitFor(2);
      expect(delivered.map((d) => [d.id, d.count])).toEqual([
        ['first', 1],
        ['second', 1],
      ]);
      expect(t.bus.stats().exhausted).toBe(0);
      await c.stop();
    });

    test('poison messages (bad JSON, wrong type, NaN, oversize) are terminated, never handled, never redelivered', async () => {
      const { log, lines } = capturingLogger();
      const { t, cfg, subject } = await setup({ log, maxPayloadBytes: 4096 });
      const got = new Collector<Delivery>();
      const c = await t.bus.jetstream.consume(cfg({ ackWaitMs: 200 }), recorder(got));
      t.bus.publishRaw(subject, utf8('{"id":'));
      t.bus.publishRaw(subject, utf8('{"id":7,"act":"ack"}'));
      t.bus.publishRaw(subject, utf8('{"id":"NaN","act":NaN}'));
      t.bus.publishRaw(subject, utf8(JSON.stringify({ id: 'big', act: 'ack', pad: 'x'.repeat(8000) })));
      await t.bus.jetstream.publish(subject, { id: 'valid', act: 'ack' }, { msgId: 'valid' });
      expect((await got.waitFor(1)).map((d) => [d.id, d.seq])).toEqual([['valid', 5]]);
      // Past several ack waits: a poison message that was not terminated would come back and be rejected again.
      await new Promise((r) => setTimeout(r, 700));
      await t.bus.jetstream.publish(subject, { id: 'after', act: 'ack' }, { msgId: 'after' });
      await got.waitFor(2);
      expect(t.bus.stats().rejected).toEqual({ bad_json: 2, schema: 1, oversize: 1, unknown_subject: 0 });
      expect(lines.filter((l) => l.msg === 'message rejected').map((l) => l.reason)).toEqual([
        'bad_json',
        'schema',
        'bad_json',
        'oversize',
      ]);
      await c.stop();
    });

    test('two consumers on one durable share its messages; a message held past workingMaxMs goes to the other after its ack wait', async () => {
      const { t, cfg, publish } = await setup();
      const hold = deferred();
      const a = new Collector<Delivery>();
      const b = new Collector<Delivery>();
      const ca = await t.bus.jetstream.consume(cfg({ ackWaitMs: 400, workingMaxMs: 800 }), recorder(a, hold.promise));
      await publish('held', 'hold');
      await a.waitFor(1);
      const cb = await t.bus.jetstream.consume(cfg({ ackWaitMs: 400 }), recorder(b));
      const [again] = await b.waitFor(1);
      expect([again?.id, again?.count, again?.redelivered]).toEqual(['held', 2, true]);
      hold.resolve();
      await Promise.all([ca.stop(), cb.stop()]);
    });

    test('lanes: one key at a time in order, keys side by side up to max, a keyless message alone', async () => {
      const { t, cfg } = await setup();
      // Key = the subject's account token; a message whose id starts with x has no key.
      const on = (acct: string, id: string) =>
        t.bus.jetstream.publish(t.subject('orders', acct, 'filled'), { id, act: 'ack' }, { msgId: id });
      for (const [acct, id] of [
        ['A', 'a1'],
        ['B', 'b1'],
        ['A', 'a2'],
        ['C', 'c1'],
        ['A', 'x'],
        ['A', 'a3'],
        ['B', 'b2'],
      ] as const)
        await on(acct, id);
      const gates = new Map<string, ReturnType<typeof deferred>>();
      const gate = (id: string) => {
        let g = gates.get(id);
        if (g === undefined) {
          g = deferred();
          gates.set(id, g);
        }
        return g;
      };
      const events: string[] = [];
      const starts = new Collector<string>();
      let running = 0;
      let most = 0;
      const consumer = await t.bus.jetstream.consume<OrderEvent>(
        cfg({
          lanes: {
            max: 3,
            keyOf: (subject, data) => ((data as OrderEvent).id.startsWith('x') ? undefined : subject.split('.').at(-2)),
          },
        }),
        async (m) => {
          running += 1;
          most = Math.max(most, running);
          events.push(`start ${m.data.id}`);
          starts.push(m.data.id);
          await gate(m.data.id).promise;
          events.push(`end ${m.data.id}`);
          running -= 1;
          await m.ack();
        },
      );
      try {
        expect(await starts.waitFor(2)).toEqual(['a1', 'b1']); // a2 waits behind a1, and counts towards max
        gate('b1').resolve(undefined);
        expect((await starts.waitFor(3))[2]).toBe('c1'); // not a2: a1 still runs
        gate('a1').resolve(undefined);
        expect((await starts.waitFor(4))[3]).toBe('a2');
        gate('c1').resolve(undefined);
        gate('a2').resolve(undefined);
        expect((await starts.waitFor(5))[4]).toBe('x'); // after everything before it ended
        expect(events.slice(0, events.indexOf('start x'))).toEqual(
          expect.arrayContaining(['end a1', 'end a2', 'end b1', 'end c1']),
        );
        gate('x').resolve(undefined);
        expect((await starts.waitFor(7)).slice(5).sort()).toEqual(['a3', 'b2']);
        expect(events.indexOf('start a3')).toBeGreaterThan(events.indexOf('end x'));
        gate('a3').resolve(undefined);
        gate('b2').resolve(undefined);
      } finally {
        for (const g of gates.values()) g.resolve(undefined);
        await consumer.stop();
      }
      // Side by side, and never more than max admitted (two ran at once here; a2 waited behind a1 as the third).
      expect(most).toBe(2);
      const ends = events.filter((e) => e.startsWith('end')).map((e) => e.slice(4));
      expect(ends.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
      expect(ends.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2']);
    });
  });
}
