/**
 * The README's `nats` CLI examples are what users of other languages copy first: every subject must be one the
 * catalog governs, and every request body must pass that subject's request schema, as the services would parse it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalog } from '@trading-system/contracts';
import { expect, test } from 'vitest';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const lines = README.split('\n').map((l) => l.trim());
const subs = lines.flatMap((l) => {
  const m = /^nats sub '([^']+)'/.exec(l);
  return m ? [m[1] as string] : [];
});
const requests = lines.flatMap((l) => {
  const m = /^nats (?:req|request) (\S+) '([^']*)'/.exec(l);
  return m ? [[m[1] as string, m[2] as string] as const] : [];
});

test('the README has nats CLI examples for subscriptions and requests', () => {
  expect(subs.length).toBeGreaterThanOrEqual(2);
  expect(requests.length).toBeGreaterThanOrEqual(2);
});

test.each(subs)('nats sub %s: a subject of the catalog', (subject) => {
  // A wildcard subscribes to a family: some concrete subject of it must be in the catalog.
  const tails = ['x', 'x.x', 'x.x.x', 'x.accepted', 'x.x.accepted', 'x.orderStatus'];
  const concrete = subject.endsWith('.>') ? tails.map((t) => subject.replace(/>$/, t)) : [subject];
  const found = concrete.map((c) => c.replace(/\*/g, 'x')).filter((c) => catalog.lookup(c) !== undefined);
  expect(found, subject).not.toEqual([]);
});

test.each(requests)('nats req %s: the body passes the request schema', (subject, body) => {
  const entry = catalog.lookup(subject);
  expect(entry?.kind, subject).toBe('request');
  const parsed = entry?.request?.safeParse(JSON.parse(body));
  expect(parsed?.error, `${subject} ${body}`).toBeUndefined();
});
