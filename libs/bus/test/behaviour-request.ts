/** Request/reply half of the shared behaviour suite. */
import type { TestBus, TestBusOptions } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidMessageError, NoRespondersError, RequestTimeoutError } from '../src/index.js';
import type { MakeTestBus } from './behaviour.js';
import { deferred, type EchoReply } from './support.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function runRequestSuite(name: string, makeBus: MakeTestBus): void {
  describe(`${name}: request/reply`, () => {
    const open: TestBus[] = [];
    const make = async (options: TestBusOptions = {}): Promise<TestBus> => {
      const t = await makeBus(options);
      open.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    test('request/reply: the reply is validated data; an error reply is returned, not thrown', async () => {
      const t = await make();
      t.bus.serve<{ text: string }, EchoReply>(t.subject('echo'), ({ text }) =>
        text === 'missing'
          ? { ok: false, code: 'NOT_FOUND', message: 'no such thing' }
          : { ok: true, text: text.toUpperCase() },
      );
      const rep = await t.bus.request<EchoReply>(t.subject('echo'), { text: 'hi' }, { timeoutMs: 2_000 });
      expect(rep).toEqual({ ok: true, text: 'HI' });
      const err = await t.bus.request<EchoReply>(t.subject('echo'), { text: 'missing' }, { timeoutMs: 2_000 });
      expect(err).toEqual({ ok: false, code: 'NOT_FOUND', message: 'no such thing' });
    });

    test('request/reply: a throwing or invalid handler answers INTERNAL_ERROR; a queue group serves once', async () => {
      const t = await make();
      let calls = 0;
      const handler = ({ text }: { text: string }): EchoReply => {
        calls += 1;
        if (text === 'boom') throw new Error('handler exploded');
        if (text === 'bad') return { ok: true, text: 42 } as unknown as EchoReply;
        return { ok: true, text };
      };
      t.bus.serve(t.subject('echo'), handler, { queue: 'svc' });
      t.bus.serve(t.subject('echo'), handler, { queue: 'svc' });
      const boom = await t.bus.request<EchoReply>(t.subject('echo'), { text: 'boom' }, { timeoutMs: 2_000 });
      expect(boom).toMatchObject({ ok: false, code: 'INTERNAL_ERROR', message: 'handler exploded' });
      const bad = await t.bus.request<EchoReply>(t.subject('echo'), { text: 'bad' }, { timeoutMs: 2_000 });
      expect(bad).toMatchObject({ ok: false, code: 'INTERNAL_ERROR' });
      expect(await t.bus.request(t.subject('echo'), { text: 'ok' }, { timeoutMs: 2_000 })).toEqual({
        ok: true,
        text: 'ok',
      });
      expect(calls).toBe(3);
      expect(t.bus.stats().handlerErrors).toBe(2);
    });

    test('a malformed request is rejected and counted; the responder goes on answering', async () => {
      const t = await make();
      let calls = 0;
      t.bus.serve(t.subject('echo'), ({ text }: { text: string }) => {
        calls += 1;
        return { ok: true, text };
      });
      t.bus.publishRaw(t.subject('echo'), utf8('{"text":'));
      t.bus.publishRaw(t.subject('echo'), utf8('{"text":5}'));
      expect(await t.bus.request(t.subject('echo'), { text: 'ok' }, { timeoutMs: 2_000 })).toEqual({
        ok: true,
        text: 'ok',
      });
      expect(calls).toBe(1);
      expect(t.bus.stats().rejected).toMatchObject({ bad_json: 1, schema: 1 });
    });

    test('an invalid reply from a foreign responder is rejected: request throws and the rejection is counted', async () => {
      const t = await make();
      // A responder outside our validation (another language, a bridge) answers with a wrong shape.
      t.bus.subscribe(t.subject('echo'), (m) => {
        if (m.reply !== undefined) t.bus.publishRaw(m.reply, utf8('{"ok":true,"text":42}'));
      });
      const err = await t.bus.request(t.subject('echo'), { text: 'hi' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidMessageError);
      expect((err as InvalidMessageError).direction).toBe('inbound');
      expect((err as InvalidMessageError).reason).toBe('schema');
      expect(t.bus.stats().rejected.schema).toBe(1);
    });

    test('request with nobody serving fails at once with NoRespondersError', async () => {
      const t = await make();
      const started = Date.now();
      await expect(t.bus.request(t.subject('echo'), { text: 'hi' }, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
        NoRespondersError,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    test('request times out with RequestTimeoutError when the responder does not answer in time', async () => {
      const t = await make();
      const gate = deferred();
      t.bus.serve(t.subject('echo'), async () => {
        await gate.promise;
        return { ok: true, text: 'late' };
      });
      const started = Date.now();
      const err = await t.bus.request(t.subject('echo'), { text: 'hi' }, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      gate.resolve();
    });
  });
}
