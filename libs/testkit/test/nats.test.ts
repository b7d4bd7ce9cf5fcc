import { createCatalog } from '@trading-system/contracts';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createTestMemoryBus, createTestNatsBus, natsUrl, uniqueName } from '../src/nats.js';

const catalog = createCatalog([
  {
    pattern: '*.evt.>',
    kind: 'stream',
    description: 'test',
    producer: 't',
    consumers: 't',
    message: z.object({ n: z.number() }),
  },
]);

describe('testkit NATS fixtures', () => {
  test('natsUrl resolves once to a server that speaks NATS', async () => {
    const url = await natsUrl();
    expect(url).toMatch(/^nats:\/\//);
    expect(await natsUrl()).toBe(url);
  });

  test('uniqueName is a valid subject token and stream name, different every time', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('S_')));
    expect(names.size).toBe(100);
    for (const n of names) expect(n).toMatch(/^S_[0-9a-f]{16}$/);
  });

  test('a NATS fixture gives a fresh prefix and deletes its streams on close, even after the test drained the bus', async () => {
    const a = await createTestNatsBus(catalog);
    const b = await createTestNatsBus(catalog);
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.subject('evt', 'x')).toBe(`${a.prefix}.evt.x`);
    const stream = a.streamName('T');
    await a.bus.jetstream.ensureStream({
      name: stream,
      subjects: [a.subject('evt', '>')],
      storage: 'memory',
      duplicateWindowMs: 1000,
    });
    await a.bus.drain();
    await a.close();
    // The stream is gone: deleting it again reports that it did not exist.
    expect(await b.bus.jetstream.deleteStream(stream)).toBe(false);
    await b.close();
  });

  test('a memory fixture closes cleanly and refuses use afterwards', async () => {
    const t = await createTestMemoryBus(catalog);
    const stream = t.streamName();
    await t.bus.jetstream.ensureStream({
      name: stream,
      subjects: [t.subject('evt', '>')],
      storage: 'memory',
      duplicateWindowMs: 1000,
    });
    expect((await t.bus.jetstream.publish(t.subject('evt', 'a'), { n: 1 }, { msgId: '1' })).seq).toBe(1);
    await t.close();
    await expect(t.bus.jetstream.publish(t.subject('evt', 'a'), { n: 1 }, { msgId: '2' })).rejects.toThrow(/closed/);
  });
});
