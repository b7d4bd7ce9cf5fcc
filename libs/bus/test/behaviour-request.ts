/** Request/reply half of the shared behaviour suite. */

import { ContractError, ErrorReply, errorRegistry } from '@trading-system/contracts';
import { type TestBus, type TestBusOptions, until } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidMessageError, NoRespondersError, RequestTimeoutError } from '../src/index.js';
import type { MakeTestBus } from './behaviour.js';
import { capturingLogger, deferred, type EchoReply, type VersionedReply } from './support.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(b));

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

    test('messages are handled in the order they were read: a request sent right after events sees their state', async () => {
      // The server hands events and a request published back to back over together; a synchronous subscription
      // handler runs at once (not a microtask later), so the request's handler sees every event before it.
      const t = await make();
      let last = '';
      t.bus.subscribe<{ symbol: string; price: string }>(t.subject('tick', '*'), (m) => {
        last = m.data.price;
      });
      t.bus.serve<{ text: string }, EchoReply>(t.subject('echo'), () => ({ ok: true, text: last }));
      await t.bus.flush();
      for (let i = 1; i <= 30; i++) {
        for (let k = 0; k < 3; k++)
          t.bus.publish(t.subject('tick', 'AAPL'), { symbol: 'AAPL', price: `${i}.${k}`, size: 1 });
        const rep = await t.bus.request<EchoReply>(t.subject('echo'), { text: 'last?' }, { timeoutMs: 2_000 });
        expect(rep, `round ${i}`).toEqual({ ok: true, text: `${i}.2` });
      }
    });

    test('an async subscription handler holds the later messages of its subscription until it settles', async () => {
      const t = await make();
      const seen: string[] = [];
      const gate = deferred<void>();
      t.bus.subscribe<{ symbol: string }>(t.subject('tick', '*'), async (m) => {
        seen.push(`start ${m.data.symbol}`);
        if (m.data.symbol === 'A') await gate.promise;
        seen.push(`end ${m.data.symbol}`);
      });
      t.bus.publish(t.subject('tick', 'A'), { symbol: 'A', price: '1', size: 1 });
      t.bus.publish(t.subject('tick', 'B'), { symbol: 'B', price: '1', size: 1 });
      await t.bus.flush();
      await until(() => seen.length === 1, 5_000, 'the first handler to start');
      expect(seen).toEqual(['start A']);
      gate.resolve();
      await until(() => seen.length === 4, 5_000, 'both handlers to end');
      expect(seen).toEqual(['start A', 'end A', 'start B', 'end B']);
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

    test('every malformed request gets an immediate typed error reply; the handler never runs, nothing is logged above debug', async () => {
      const { log, lines } = capturingLogger();
      const t = await make({ log });
      let calls = 0;
      t.bus.serve<{ text: string }, VersionedReply>(t.subject('versioned'), ({ text }) => {
        calls += 1;
        return { v: 1, ok: true, text };
      });
      const raw = async (body: string) => {
        const started = performance.now();
        const bytes = await t.bus.requestRaw(t.subject('versioned'), utf8(body), { timeoutMs: 2_000 });
        return { reply: ErrorReply.parse(decode(bytes)), ms: performance.now() - started };
      };
      const cases: Array<[string, string, RegExp]> = [
        ['{"v":1,"text":', 'INVALID_MESSAGE', /not UTF-8 JSON/],
        ['[1,2]', 'INVALID_MESSAGE', /must be a JSON object/],
        ['"hi"', 'INVALID_MESSAGE', /must be a JSON object/],
        ['{"text":"hi"}', 'INVALID_MESSAGE', /needs "v": 1/],
        ['{"v":2,"text":"hi"}', 'INVALID_MESSAGE', /needs "v": 1/],
        ['{"v":1,"text":5}', 'VALIDATION_FAILED', /text: .*expected string/],
        ['{"v":1,"text":"hi","shard":1.5}', 'VALIDATION_FAILED', /shard: /],
        [JSON.stringify({ v: 1, text: 'hi', pad: 'x'.repeat(70_000) }), 'PAYLOAD_TOO_LARGE', /too large/],
      ];
      for (const [body, code, message] of cases) {
        const { reply, ms } = await raw(body);
        expect(reply, body.slice(0, 40)).toMatchObject({
          v: 1,
          ok: false,
          code,
          message: expect.stringMatching(message),
        });
        expect(reply.hint).toBe(errorRegistry[code as keyof typeof errorRegistry].hint);
        expect(ms).toBeLessThan(1_000);
      }
      const wrongType = (await raw('{"v":1,"text":5}')).reply;
      expect(wrongType.details?.issues).toEqual([{ path: 'text', message: expect.any(String) }]);
      expect(calls).toBe(0);
      expect(t.bus.stats().rejected).toMatchObject({ bad_json: 1, oversize: 1, schema: 7 });
      expect(t.bus.stats().handlerErrors).toBe(0);
      expect(lines.filter((l) => l.level >= 30)).toEqual([]);
      // The responder is unharmed.
      const ok = await t.bus.request(t.subject('versioned'), { v: 1, text: 'fine' }, { timeoutMs: 2_000 });
      expect(ok).toEqual({ v: 1, ok: true, text: 'fine' });
    });

    test('a handler throwing an error that carries a registry code is answered with that code', async () => {
      const { log, lines } = capturingLogger();
      const t = await make({ log });
      t.bus.serve(t.subject('versioned'), ({ text }: { text: string }): VersionedReply => {
        if (text === 'missing') throw new ContractError('ORDER_NOT_FOUND', 'no order x', { details: { id: 'x' } });
        if (text === 'db down') throw Object.assign(new Error('database unreachable'), { code: 'SERVICE_UNAVAILABLE' });
        if (text === 'econn') throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        return { v: 1, ok: true, text };
      });
      const ask = (text: string) =>
        t.bus.request<VersionedReply>(t.subject('versioned'), { v: 1, text }, { timeoutMs: 2_000 });
      expect(await ask('missing')).toEqual({
        v: 1,
        ok: false,
        code: 'ORDER_NOT_FOUND',
        message: 'no order x',
        details: { id: 'x' },
        hint: errorRegistry.ORDER_NOT_FOUND.hint,
      });
      expect(await ask('db down')).toMatchObject({
        ok: false,
        code: 'SERVICE_UNAVAILABLE',
        message: 'database unreachable',
      });
      expect(await ask('econn')).toMatchObject({ ok: false, code: 'INTERNAL_ERROR', message: 'read ECONNRESET' });
      // Only the uncoded failure is the service's own error.
      expect(t.bus.stats().handlerErrors).toBe(1);
      expect(lines.filter((l) => l.level >= 50).map((l) => l.err?.message)).toEqual(['read ECONNRESET']);
      expect(lines.filter((l) => l.level === 40).map((l) => l.err?.message)).toEqual(['database unreachable']);
    });

    test('claim: a responder answers the valid requests it claims and refuses every malformed one', async () => {
      const t = await make();
      for (const shard of [1, 2]) {
        t.bus.serve<{ text: string; shard?: number }, VersionedReply>(
          t.subject('versioned'),
          ({ text }) => ({ v: 1, ok: true, text: `${shard}:${text}` }),
          { queue: `shard-${shard}`, claim: (body) => body.shard === shard },
        );
      }
      const ask = (shard: number) =>
        t.bus.request(t.subject('versioned'), { v: 1, text: 'x', shard }, { timeoutMs: shard === 3 ? 300 : 2_000 });
      expect(await ask(1)).toEqual({ v: 1, ok: true, text: '1:x' });
      expect(await ask(2)).toEqual({ v: 1, ok: true, text: '2:x' });
      const bad = await t.bus.requestRaw(t.subject('versioned'), utf8('{"v":1}'), { timeoutMs: 2_000 });
      expect(decode(bad)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      await expect(ask(3)).rejects.toBeInstanceOf(RequestTimeoutError);
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
