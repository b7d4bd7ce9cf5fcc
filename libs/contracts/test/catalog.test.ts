import { describe, expect, test } from 'vitest';
import { type ZodType, z } from 'zod';
import { schemaNames } from '../scripts/render-docs.js';
import {
  type CatalogEntry,
  catalog,
  ERROR_CODES,
  errorReply,
  MAX_REQUEST_BYTES,
  STREAMS,
  subjectMatches,
} from '../src/index.js';

const TOKENS: Record<string, string> = {
  broker: 'sim',
  instrument: '265598',
  account: 'DU1234567',
  timeframe: '1m',
  requestId: 'r-1',
  type: 'ib',
};
function concrete(e: CatalogEntry): string {
  return (e.template ?? e.pattern).replace(/<([A-Za-z]+)>/g, (_, p: string) => TOKENS[p] ?? 'x');
}
const schemasOf = (e: CatalogEntry) => [e.message, e.request, e.reply].filter((s): s is ZodType => s !== undefined);

/** Every object variant a schema can produce (unions are expanded). */
function objectVariants(schema: ZodType): z.ZodObject[] {
  if (schema instanceof z.ZodObject) return [schema];
  if (schema instanceof z.ZodUnion) return (schema.options as ZodType[]).flatMap(objectVariants);
  // A previous version read into the current one (BrokerStatus): the shape it reads is the object before the pipe.
  if (schema instanceof z.ZodPipe) return objectVariants(schema.in as ZodType);
  throw new Error(`unexpected top-level schema type ${schema.def.type}`);
}

const entries = catalog.entries.map((e) => [e.template ?? e.pattern, e] as const);

describe('catalog', () => {
  test('patterns are unique and there are entries for every area', () => {
    const patterns = catalog.entries.map((e) => e.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const prefix of ['md.', 'orders.', 'broker.', 'gateway.', 'account.', 'hist.'])
      expect(patterns.some((p) => p.startsWith(prefix))).toBe(true);
  });

  test.each(entries)('%s has the schemas its kind needs', (_, e) => {
    if (e.kind === 'request') {
      expect(e.request).toBeDefined();
      expect(e.reply).toBeDefined();
      expect(e.message).toBeUndefined();
      expect(e.example, 'requests carry an example for the docs').toBeDefined();
    } else {
      expect(e.message).toBeDefined();
      expect(e.request).toBeUndefined();
      expect(e.reply).toBeUndefined();
    }
    if (e.kind === 'stream') expect(e.stream).toBeDefined();
    expect(e.description.length).toBeGreaterThan(5);
    expect(e.producer.length).toBeGreaterThan(0);
    expect(e.consumers.length).toBeGreaterThan(0);
  });

  test.each(entries)('%s: a concrete subject looks up to this entry', (_, e) => {
    const subject = concrete(e);
    expect(subject).not.toMatch(/[*>]/);
    expect(catalog.lookup(subject)).toBe(e);
  });

  test.each(entries)('%s: stream subjects are captured by their stream', (_, e) => {
    if (e.stream === undefined) return;
    const stream = STREAMS.find((s) => s.name === e.stream);
    expect(stream).toBeDefined();
    expect(stream!.subjects.some((p) => subjectMatches(p, concrete(e)))).toBe(true);
  });

  test('no stream captures a subject of another kind (e.g. commands)', () => {
    for (const e of catalog.entries) {
      const captured = STREAMS.filter((s) => s.subjects.some((p) => subjectMatches(p, concrete(e))));
      expect(captured.map((s) => s.name)).toEqual(e.stream === undefined ? [] : [e.stream]);
    }
  });

  test.each(entries)('%s: every schema is versioned with v: 1 and exported by name', (_, e) => {
    const names = schemaNames();
    for (const schema of schemasOf(e)) {
      expect(names.get(schema), 'exported from index.ts').toBeDefined();
      for (const variant of objectVariants(schema)) {
        const v = variant.shape.v;
        expect(v, 'has a v field').toBeInstanceOf(z.ZodLiteral);
        expect([...(v as z.ZodLiteral).values]).toEqual([1]);
      }
    }
  });

  test.each(entries)('%s: the example parses, and fails without v or with v: 2', (_, e) => {
    if (e.example === undefined) return;
    const schema = e.kind === 'request' ? e.request! : e.message!;
    const r = schema.safeParse(e.example);
    expect(r.error?.issues ?? []).toEqual([]);
    const { v: _v, ...noV } = e.example as Record<string, unknown>;
    expect(schema.safeParse(noV).success).toBe(false);
    expect(schema.safeParse({ ...noV, v: 2 }).success).toBe(false);
    expect(schema.safeParse({ ...noV, v: '1' }).success).toBe(false);
  });

  test('replies accept an error reply and reject an unknown error code', () => {
    for (const e of catalog.entries.filter((x) => x.kind === 'request')) {
      expect(e.reply!.safeParse({ v: 1, ok: false, code: 'TIMEOUT', message: 'late' }).success).toBe(true);
      expect(e.reply!.safeParse({ v: 1, ok: false, code: 'NOPE', message: 'x' }).success).toBe(false);
      expect(e.reply!.safeParse({ ok: false, code: 'TIMEOUT', message: 'late' }).success).toBe(false);
    }
  });

  test('every reply schema accepts every registry error reply as the bus builds it (hint, details)', () => {
    for (const e of catalog.entries.filter((x) => x.kind === 'request')) {
      for (const code of ERROR_CODES) {
        const reply = errorReply(code, 'why', { issues: [{ path: 'quantity', message: 'too big' }] });
        expect(e.reply!.safeParse(reply).error?.issues ?? [], `${e.pattern} ${code}`).toEqual([]);
        expect(e.reply!.parse(reply)).toEqual(reply);
      }
    }
  });

  test('every request example is far below its request size limit', () => {
    for (const e of catalog.entries.filter((x) => x.kind === 'request')) {
      expect(JSON.stringify(e.example).length * 20).toBeLessThan(e.maxRequestBytes ?? MAX_REQUEST_BYTES);
    }
  });

  test('lookup misses unknown subjects', () => {
    expect(catalog.lookup('md.tick.sim')).toBeUndefined();
    expect(catalog.lookup('orders.evt.sim.DU1.teleported')).toBeUndefined();
    expect(catalog.lookup('broker.sim.cmd.selfDestruct')).toBeUndefined();
    expect(catalog.lookup('nothing')).toBeUndefined();
  });
});
