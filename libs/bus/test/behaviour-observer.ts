/**
 * The observer half of the shared behaviour suite: what a bus tells its metrics observer, by catalog family, for
 * publishes, subscriptions, requests (served and made), JetStream publishes and consumers, and refusals.
 */
import type { TestBus } from '@trading-system/testkit';
import { until } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { type BusObserver, NoRespondersError, RequestTimeoutError } from '../src/index.js';
import type { MakeTestBus } from './behaviour.js';
import { Collector, capturingLogger, type EchoReply } from './support.js';

type Seen =
  | { readonly what: 'sent'; readonly family: string; readonly kind: string }
  | { readonly what: 'received'; readonly family: string; readonly kind: string }
  | { readonly what: 'handled'; readonly family: string; readonly kind: string; seconds: number; failed: boolean }
  | { readonly what: 'rejected'; readonly family: string; readonly reason: string }
  | { readonly what: 'requested'; readonly family: string; readonly seconds: number; readonly outcome: string };

function recordingObserver(): { observer: BusObserver; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    observer: {
      sent: (family, kind) => seen.push({ what: 'sent', family, kind }),
      received: (family, kind) => seen.push({ what: 'received', family, kind }),
      handled: (family, kind, seconds, failed) => seen.push({ what: 'handled', family, kind, seconds, failed }),
      rejected: (family, reason) => seen.push({ what: 'rejected', family, reason }),
      requested: (family, seconds, outcome) => seen.push({ what: 'requested', family, seconds, outcome }),
    },
  };
}

const of = (seen: readonly Seen[], what: Seen['what']) => seen.filter((s) => s.what === what);

export function runObserverSuite(name: string, makeBus: MakeTestBus): void {
  describe(`${name}: observer`, () => {
    const open: TestBus[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });
    const make = async () => {
      const rec = recordingObserver();
      const t = await makeBus({ observer: rec.observer });
      open.push(t);
      return { t, seen: rec.seen };
    };

    test('an observer that throws is reported and does not stop the subscription', async () => {
      const { log, lines } = capturingLogger();
      let throws = 1;
      const observer: BusObserver = {
        ...recordingObserver().observer,
        handled: () => {
          if (throws-- > 0) throw new Error('metrics broke');
        },
      };
      const t = await makeBus({ observer, log });
      open.push(t);
      const got = new Collector<string>();
      t.bus.subscribe<{ symbol: string }>(t.subject('tick', '*'), (m) => got.push(m.data.symbol));
      for (const symbol of ['A', 'B', 'C']) t.bus.publish(t.subject('tick', symbol), { symbol, price: '1', size: 1 });
      expect(await got.waitFor(3)).toEqual(['A', 'B', 'C']);
      expect(lines.some((l) => l.msg === 'subscription task failed outside its handler')).toBe(true);
    });

    test('publish and subscription: sent and received under the catalog pattern, handler time measured', async () => {
      const { t, seen } = await make();
      const got = new Collector<string>();
      t.bus.subscribe<{ symbol: string }>(t.subject('tick', '*'), async (m) => {
        await new Promise((r) => setTimeout(r, 20));
        got.push(m.data.symbol);
        if (m.data.symbol === 'BAD') throw new Error('handler fails');
      });
      t.bus.publish(t.subject('tick', 'AAPL'), { symbol: 'AAPL', price: '1.5', size: 1 });
      t.bus.publish(t.subject('tick', 'BAD'), { symbol: 'BAD', price: '1.5', size: 1 });
      t.bus.publishRaw(t.subject('tick', 'X'), new TextEncoder().encode('{"symbol":'));
      await got.waitFor(2);
      await until(() => of(seen, 'handled').length === 2 && of(seen, 'rejected').length === 1, 5_000, 'observations');
      expect(of(seen, 'sent')).toEqual([
        { what: 'sent', family: '*.tick.*', kind: 'publish' },
        { what: 'sent', family: '*.tick.*', kind: 'publish' },
        { what: 'sent', family: '*.tick.*', kind: 'publish' },
      ]);
      expect(of(seen, 'received')).toEqual([
        { what: 'received', family: '*.tick.*', kind: 'subscription' },
        { what: 'received', family: '*.tick.*', kind: 'subscription' },
      ]);
      const handled = of(seen, 'handled') as Extract<Seen, { what: 'handled' }>[];
      expect(handled.map((h) => [h.family, h.kind, h.failed])).toEqual([
        ['*.tick.*', 'subscription', false],
        ['*.tick.*', 'subscription', true],
      ]);
      // The handler waited 20 ms; its measured time says so (generous upper bound for a loaded machine).
      for (const h of handled) expect(h.seconds).toBeGreaterThanOrEqual(0.015);
      expect(of(seen, 'rejected')).toEqual([{ what: 'rejected', family: '*.tick.*', reason: 'bad_json' }]);
    });

    test('request/reply: both sides observed; replies count under the request family; timeouts and no responders', async () => {
      const { t, seen } = await make();
      t.bus.serve<{ text: string }, EchoReply>(t.subject('echo'), async ({ text }) => {
        if (text === 'slow') await new Promise((r) => setTimeout(r, 500));
        if (text === 'throw') throw new Error('boom');
        return { ok: true, text };
      });
      await t.bus.request(t.subject('echo'), { text: 'hi' }, { timeoutMs: 2_000 });
      await t.bus.request(t.subject('echo'), { text: 'throw' }, { timeoutMs: 2_000 });
      await expect(t.bus.request(t.subject('echo'), { text: 'slow' }, { timeoutMs: 100 })).rejects.toBeInstanceOf(
        RequestTimeoutError,
      );
      await expect(
        t.bus.request(t.subject('versioned'), { v: 1, text: 'x' }, { timeoutMs: 2_000 }),
      ).rejects.toBeInstanceOf(NoRespondersError);
      await until(() => of(seen, 'handled').length === 3, 5_000, 'the slow handler finishes');
      const requested = of(seen, 'requested') as Extract<Seen, { what: 'requested' }>[];
      expect(requested.map((r) => [r.family, r.outcome])).toEqual([
        ['*.echo', 'ok'],
        ['*.echo', 'ok'],
        ['*.echo', 'timeout'],
        ['*.versioned', 'no_responders'],
      ]);
      expect(of(seen, 'sent').filter((s) => s.family === '*.echo')).toEqual(
        expect.arrayContaining([
          { what: 'sent', family: '*.echo', kind: 'request' },
          { what: 'sent', family: '*.echo', kind: 'reply' },
        ]),
      );
      const handled = (of(seen, 'handled') as Extract<Seen, { what: 'handled' }>[]).map((h) => [h.kind, h.failed]);
      expect(handled).toEqual(
        expect.arrayContaining([
          ['request', false],
          ['request', true],
        ]),
      );
      expect(of(seen, 'received')).toEqual(
        expect.arrayContaining([
          { what: 'received', family: '*.echo', kind: 'request' },
          { what: 'received', family: '*.echo', kind: 'reply' },
        ]),
      );
    });

    test('JetStream: a stream publish and a consumer delivery are observed, a throwing handler as failed', async () => {
      const { t, seen } = await make();
      const stream = t.streamName();
      await t.bus.jetstream.ensureStream({
        name: stream,
        subjects: [t.subject('orders', '>')],
        storage: 'memory',
        duplicateWindowMs: 60_000,
      });
      const subject = t.subject('orders', 'a', 'filled');
      await t.bus.jetstream.publish(subject, { id: '1', act: 'ack' }, { msgId: '1' });
      await t.bus.jetstream.publish(subject, { id: '2', act: 'throw' }, { msgId: '2' });
      const consumer = await t.bus.jetstream.consume<{ id: string; act: string }>(
        { stream, durable: `d${t.prefix}`, ackWaitMs: 5_000, maxDeliver: 1, deliver: 'all' },
        async (m) => {
          if (m.data.act === 'throw') throw new Error('fails');
          await m.ack();
        },
      );
      await until(() => of(seen, 'handled').length === 2, 5_000, 'both deliveries handled');
      await consumer.stop();
      expect(of(seen, 'sent')).toEqual([
        { what: 'sent', family: '*.orders.>', kind: 'stream' },
        { what: 'sent', family: '*.orders.>', kind: 'stream' },
      ]);
      const handled = (of(seen, 'handled') as Extract<Seen, { what: 'handled' }>[]).map((h) => [
        h.family,
        h.kind,
        h.failed,
      ]);
      expect(handled).toEqual([
        ['*.orders.>', 'stream', false],
        ['*.orders.>', 'stream', true],
      ]);
    });
  });
}
