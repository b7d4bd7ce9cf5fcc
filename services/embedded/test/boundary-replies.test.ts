/**
 * Issue 14.2: every malformed request on every request subject of the catalog gets an immediate typed error reply
 * from the real running services on real NATS (not a timeout), and a client's mistake is never logged as the
 * service's error.
 */
import { ErrorReply, errorRegistry } from '@trading-system/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BoundarySystem, rawRequest, startBoundarySystem } from './boundary-system.js';

let b: BoundarySystem;

beforeAll(async () => {
  b = await startBoundarySystem();
}, 90_000);
afterAll(() => b?.close(), 30_000);

/** A value of another JSON type than `v` has. */
function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'not a number';
  if (typeof v === 'boolean') return 'yes';
  if (Array.isArray(v)) return 'not a list';
  return 42;
}

interface Case {
  readonly what: string;
  readonly body: string;
  readonly code: keyof typeof errorRegistry;
  readonly message: RegExp;
}

function casesFor(example: Record<string, unknown>): Case[] {
  const field = Object.keys(example).find((k) => k !== 'v');
  const mutated = field === undefined ? { ...example, v: '1' } : { ...example, [field]: wrongType(example[field]) };
  return [
    { what: 'bad JSON', body: '{"v":1,', code: 'INVALID_MESSAGE', message: /not UTF-8 JSON/ },
    { what: 'wrong v', body: JSON.stringify({ ...example, v: 2 }), code: 'INVALID_MESSAGE', message: /"v": 1/ },
    {
      what: `wrong type of ${field ?? 'v'}`,
      body: JSON.stringify(mutated),
      code: field === undefined ? 'INVALID_MESSAGE' : 'VALIDATION_FAILED',
      message: new RegExp(field === undefined ? '"v": 1' : `${field}: `),
    },
    {
      what: 'oversize',
      body: JSON.stringify({ ...example, pad: 'x'.repeat(70_000) }),
      code: 'PAYLOAD_TOO_LARGE',
      message: /too large/,
    },
  ];
}

describe('malformed requests on every request subject', () => {
  test('each gets its typed error reply in < 100 ms; nothing above debug is logged for them', async () => {
    expect(b.requestSubjects.length).toBeGreaterThanOrEqual(30);
    const rejectedBefore = b.system.bus.stats().rejected;
    const slow: string[] = [];
    let sent = 0;
    for (const { entry, subject } of b.requestSubjects) {
      for (const c of casesFor(entry.example as Record<string, unknown>)) {
        const { reply, ms } = await rawRequest(b.nc, subject, c.body).catch((err: unknown) => {
          throw new Error(`${subject} ${c.what}: ${String(err)}`);
        });
        sent += 1;
        const parsed = ErrorReply.safeParse(reply);
        expect(parsed.error?.issues ?? [], `${subject} ${c.what}: ${JSON.stringify(reply)}`).toEqual([]);
        expect(parsed.data, `${subject} ${c.what}`).toMatchObject({
          v: 1,
          ok: false,
          code: c.code,
          message: expect.stringMatching(c.message),
          hint: errorRegistry[c.code].hint,
        });
        expect(parsed.data?.message).toContain(subject);
        if (ms >= 100) slow.push(`${subject} ${c.what}: ${ms.toFixed(1)} ms`);
      }
    }
    expect(slow).toEqual([]);
    const total = (r: typeof rejectedBefore) => r.bad_json + r.schema + r.oversize + r.unknown_subject;
    expect(total(b.system.bus.stats().rejected) - total(rejectedBefore)).toBeGreaterThanOrEqual(sent);
    const subjects = new Set(b.requestSubjects.map((s) => s.subject));
    const loud = b.logs.filter(
      (l) => l.level >= 40 && ((l.subject !== undefined && subjects.has(l.subject)) || /rejected/.test(l.msg ?? '')),
    );
    expect(loud).toEqual([]);
  }, 60_000);
});
