/**
 * The behaviour suite both bus implementations must pass, core part: pub/sub, queue groups, ordering, validation
 * both ways, drain. Request/reply is in behaviour-request.ts, JetStream in behaviour-jetstream.ts.
 */
import type { TestBus, TestBusOptions } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { BusClosedError, InvalidMessageError, type Received, UnknownSubjectError } from '../src/index.js';
import { Collector, capturingLogger, type Tick } from './support.js';

export type MakeTestBus = (options: TestBusOptions) => Promise<TestBus>;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const tick = (symbol: string, price = '101.25', size = 5): Tick => ({ symbol, price, size });

export function runBusSuite(name: string, makeBus: MakeTestBus): void {
  describe(`${name}: core`, () => {
    const open: TestBus[] = [];
    const make = async (options: TestBusOptions = {}): Promise<TestBus> => {
      const t = await makeBus(options);
      open.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    test('pub/sub: `*` matches one token, `>` the rest; data and headers arrive decoded', async () => {
      const t = await make();
      const star = new Collector<Received>();
      const rest = new Collector<Received>();
      t.bus.subscribe(t.subject('tick', '*'), star.push);
      t.bus.subscribe(t.subject('>'), rest.push);
      t.bus.publish(t.subject('tick', 'AAPL'), tick('AAPL'), { headers: { 'x-trace': 'abc' } });
      t.bus.publish(t.subject('note', 'a', 'b'), { n: 7 });
      const all = await rest.waitFor(2);
      expect(all.map((m) => m.subject).sort()).toEqual([t.subject('note', 'a', 'b'), t.subject('tick', 'AAPL')]);
      const [only] = await star.waitFor(1);
      expect(only?.data).toEqual(tick('AAPL'));
      expect(only?.headers['x-trace']).toBe('abc');
      // The note went to `>` only: by the time `>` saw both, `*` must still have one.
      expect(star.items).toHaveLength(1);
      expect(t.bus.stats().published).toBe(2);
    });

    test('each subscriber decodes its own copy: a handler mutating its message changes nothing for others', async () => {
      const t = await make();
      const seen = new Collector<Tick>();
      t.bus.subscribe<Tick>(t.subject('tick', '*'), (m) => {
        (m.data as { price: string }).price = 'mutated';
      });
      t.bus.subscribe<Tick>(t.subject('tick', '*'), (m) => seen.push(m.data));
      t.bus.publish(t.subject('tick', 'X'), tick('X', '1.5'));
      t.bus.publish(t.subject('tick', 'X'), tick('X', '1.5'));
      const got = await seen.waitFor(2);
      expect(got.map((x) => x.price)).toEqual(['1.5', '1.5']);
    });

    test('handlers of one subscription run one at a time, in publish order', async () => {
      const t = await make();
      const order = new Collector<number>();
      let running = 0;
      let maxRunning = 0;
      t.bus.subscribe<{ n: number }>(t.subject('note', 'seq'), async (m) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setImmediate(r));
        order.push(m.data.n);
        running -= 1;
      });
      for (let n = 0; n < 30; n++) t.bus.publish(t.subject('note', 'seq'), { n });
      expect(await order.waitFor(30)).toEqual([...Array(30).keys()]);
      expect(maxRunning).toBe(1);
    });

    test('queue group: each message reaches exactly one member; plain subscribers get everything', async () => {
      const t = await make();
      const a = new Collector<number>();
      const b = new Collector<number>();
      const all = new Collector<number>();
      const both = new Collector<number>();
      const subject = t.subject('note', 'work');
      for (const [c, q] of [
        [a, 'workers'],
        [b, 'workers'],
      ] as const) {
        t.bus.subscribe<{ n: number }>(
          subject,
          (m) => {
            c.push(m.data.n);
            both.push(m.data.n);
          },
          { queue: q },
        );
      }
      t.bus.subscribe<{ n: number }>(subject, (m) => all.push(m.data.n));
      for (let n = 0; n < 40; n++) t.bus.publish(subject, { n });
      await all.waitFor(40);
      const shared = await both.waitFor(40);
      expect([...shared].sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
      expect(a.items.length).toBeGreaterThan(0);
      expect(b.items.length).toBeGreaterThan(0);
    });

    test('publish validates before sending: nothing invalid leaves, every refusal is typed', async () => {
      const t = await make({ maxPayloadBytes: 4096 });
      const seen = new Collector<Received>();
      t.bus.subscribe(t.subject('>'), seen.push);
      const bad: [string, unknown, string][] = [
        [t.subject('tick', 'A'), { symbol: 'A', price: 'NaN', size: 1 }, 'schema'],
        [t.subject('tick', 'A'), { symbol: 'A', price: 101.5, size: 1 }, 'schema'],
        [t.subject('tick', 'A'), { symbol: 'A', price: Number.NaN, size: 1 }, 'schema'],
        [t.subject('tick', 'A'), { symbol: 'A', size: 1 }, 'schema'],
        [t.subject('tick', 'A'), { symbol: 'x'.repeat(5000), price: '1', size: 1 }, 'oversize'],
        [t.subject('tick', 'A'), { symbol: 'A', price: '1', size: 1n }, 'unserialisable'],
      ];
      for (const [subject, message, reason] of bad) {
        const err = (() => {
          try {
            t.bus.publish(subject, message);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err, reason).toBeInstanceOf(InvalidMessageError);
        expect((err as InvalidMessageError).reason).toBe(reason);
        expect((err as InvalidMessageError).direction).toBe('outbound');
      }
      expect(() => t.bus.publish(t.subject('nowhere'), { n: 1 })).toThrow(UnknownSubjectError);
      await expect(t.bus.request(t.subject('echo'), { text: 5 }, { timeoutMs: 500 })).rejects.toBeInstanceOf(
        InvalidMessageError,
      );
      await expect(t.bus.request(t.subject('tick', 'A'), tick('A'), { timeoutMs: 500 })).rejects.toBeInstanceOf(
        UnknownSubjectError,
      );
      t.bus.publish(t.subject('note', 'sentinel'), { n: 1 });
      const [first] = await seen.waitFor(1);
      expect(first?.subject).toBe(t.subject('note', 'sentinel'));
      expect(t.bus.stats().published).toBe(1);
    });

    test('malformed inbound (bad JSON, wrong type, NaN price, oversize) is rejected with its reason; the next valid message is processed', async () => {
      const { log, lines } = capturingLogger();
      const t = await make({ log, maxPayloadBytes: 4096 });
      const got = new Collector<Tick>();
      t.bus.subscribe<Tick>(t.subject('tick', '*'), (m) => got.push(m.data));
      const subject = t.subject('tick', 'MSFT');
      t.bus.publishRaw(subject, utf8('{"symbol":"MSFT","price":'));
      t.bus.publishRaw(subject, new Uint8Array([0xff, 0xfe, 0x7b]));
      t.bus.publishRaw(subject, utf8(JSON.stringify({ symbol: 'MSFT', price: 101.25, size: 1 })));
      t.bus.publishRaw(subject, utf8('{"symbol":"MSFT","price":"NaN","size":1}'));
      t.bus.publishRaw(subject, utf8(JSON.stringify({ ...tick('MSFT'), pad: 'x'.repeat(8000) })));
      t.bus.publishRaw(t.subject('unlisted', 'x'), utf8('{}'));
      t.bus.publish(subject, tick('MSFT', '99.5'));
      expect(await got.waitFor(1)).toEqual([tick('MSFT', '99.5')]);
      expect(t.bus.stats().rejected).toEqual({ bad_json: 2, schema: 2, oversize: 1, unknown_subject: 0 });
      expect(t.bus.stats().received).toBe(1);
      const rejections = lines.filter((l) => l.msg === 'message rejected');
      expect(rejections.map((l) => l.reason)).toEqual(['bad_json', 'bad_json', 'schema', 'schema', 'oversize']);
      expect(rejections.every((l) => l.subject === subject && l.err?.type === 'InvalidMessageError')).toBe(true);
      expect(rejections[3]?.err?.message).toContain('price');
    });

    test("a subscriber's own schema replaces the catalog's for it alone; uncatalogued subjects stay refused", async () => {
      const t = await make();
      // A looser form of Tick, as libs/contracts gives for a part the receiver's decode checks itself.
      const ownSchema = z.object({ symbol: z.string(), price: z.string(), size: z.number() });
      const own = new Collector<Tick>();
      const plain = new Collector<Tick>();
      t.bus.subscribe<Tick>(t.subject('tick', '*'), (m) => own.push(m.data), { schema: ownSchema });
      t.bus.subscribe<Tick>(t.subject('tick', '*'), (m) => plain.push(m.data));
      t.bus.subscribe(t.subject('unlisted', '*'), () => own.push(tick('never')), { schema: ownSchema });
      t.bus.publishRaw(t.subject('unlisted', 'x'), utf8(JSON.stringify(tick('MSFT'))));
      t.bus.publishRaw(t.subject('tick', 'MSFT'), utf8(JSON.stringify(tick('MSFT', 'not a price'))));
      t.bus.publish(t.subject('tick', 'MSFT'), tick('MSFT'));
      expect(await own.waitFor(2)).toEqual([tick('MSFT', 'not a price'), tick('MSFT')]);
      expect(await plain.waitFor(1)).toEqual([tick('MSFT')]);
      expect(t.bus.stats().rejected).toMatchObject({ schema: 1, unknown_subject: 1 });
    });

    test('a subscription whose handler throws goes on with the next message', async () => {
      const t = await make();
      const got = new Collector<number>();
      t.bus.subscribe<{ n: number }>(t.subject('note', 'x'), (m) => {
        if (m.data.n === 1) throw new Error('handler bug');
        got.push(m.data.n);
      });
      for (const n of [1, 2, 3]) t.bus.publish(t.subject('note', 'x'), { n });
      expect(await got.waitFor(2)).toEqual([2, 3]);
      expect(t.bus.stats().handlerErrors).toBe(1);
    });

    test('a subscriber using `>` over uncatalogued subjects counts them as unknown_subject', async () => {
      const t = await make();
      const got = new Collector<Received>();
      t.bus.subscribe(t.subject('>'), got.push);
      t.bus.publishRaw(t.subject('unlisted', 'x'), utf8('{}'));
      t.bus.publish(t.subject('note', 'y'), { n: 1 });
      await got.waitFor(1);
      expect(got.items.map((m) => m.subject)).toEqual([t.subject('note', 'y')]);
      expect(t.bus.stats().rejected.unknown_subject).toBe(1);
    });

    test('unsubscribe stops delivery', async () => {
      const t = await make();
      const a = new Collector<number>();
      const b = new Collector<number>();
      const sub = t.bus.subscribe<{ n: number }>(t.subject('note', 'u'), (m) => a.push(m.data.n));
      t.bus.subscribe<{ n: number }>(t.subject('note', 'u'), (m) => b.push(m.data.n));
      t.bus.publish(t.subject('note', 'u'), { n: 1 });
      await a.waitFor(1);
      sub.unsubscribe();
      t.bus.publish(t.subject('note', 'u'), { n: 2 });
      await b.waitFor(2);
      expect(a.items).toEqual([1]);
    });

    test('drain lets queued handlers finish, then refuses further use', async () => {
      const t = await make();
      const done: number[] = [];
      t.bus.subscribe<{ n: number }>(t.subject('note', 'd'), async (m) => {
        await new Promise((r) => setTimeout(r, 20));
        // Still allowed while draining: work in progress may publish its results.
        t.bus.publish(t.subject('note', 'result'), { n: m.data.n });
        done.push(m.data.n);
      });
      const first = new Collector<number>();
      t.bus.subscribe<{ n: number }>(t.subject('note', 'd'), (m) => first.push(m.data.n));
      for (const n of [1, 2, 3]) t.bus.publish(t.subject('note', 'd'), { n });
      await first.waitFor(3);
      await t.bus.drain();
      expect(done).toEqual([1, 2, 3]);
      expect(t.bus.stats()).toMatchObject({ handlerErrors: 0, published: 6 });
      expect(() => t.bus.publish(t.subject('note', 'd'), { n: 4 })).toThrow(BusClosedError);
      expect(() => t.bus.subscribe(t.subject('note', 'd'), () => undefined)).toThrow(BusClosedError);
      await t.bus.drain();
    });
  });
}
