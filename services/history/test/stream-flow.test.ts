import { catalog, type HistStreamMessage, Subjects } from '@trading-system/contracts';
import { createTestNatsBus, type TestBus, uniqueName } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HistoryError } from '../src/errors.js';
import { StreamPublisher } from '../src/stream-publisher.js';
import { INSTRUMENT, NOW } from './helpers.js';

/**
 * Flow control of a streamed reply (HistBarsRequest.window) over real NATS: the publisher sends at most `window`
 * chunks beyond the requester's last acknowledgement on hist.ack.<requestId>, and gives up with TIMEOUT when the
 * requester stops acknowledging.
 */
let t: TestBus;
beforeAll(async () => {
  t = await createTestNatsBus(catalog);
});
afterAll(async () => {
  await t?.close();
});

const ROW = '1710250200000,1710250260000,1.5,1.5,1.5,1.5,10,,,0';

/** Publishes `chunks` one-row chunks, each after `ready()`; resolves with how many went out, or the error. */
async function send(out: StreamPublisher, chunks: number): Promise<{ sent: number; err?: unknown }> {
  let sent = 0;
  try {
    for (let i = 0; i < chunks; i++) {
      await out.ready();
      out.publishPackedBars('bars-packed', INSTRUMENT, '1m', [ROW], 1);
      sent++;
    }
    return { sent };
  } catch (err) {
    return { sent, err };
  }
}

test('a requester that acknowledges every chunk gets them all, in order', async () => {
  const requestId = uniqueName('flow');
  const seen: number[] = [];
  const sub = t.bus.subscribe<HistStreamMessage>(Subjects.histStream.build({ requestId }), (m) => {
    if (m.data.type !== 'bars-packed') return;
    seen.push(m.data.index);
    t.bus.publish(Subjects.histAck.build({ requestId }), { v: 1, requestId, index: m.data.index });
  });
  const out = new StreamPublisher(t.bus, requestId, () => NOW);
  out.flowControl(2, 5_000);
  expect(await send(out, 40)).toEqual({ sent: 40 });
  await expect.poll(() => seen.length).toBe(40);
  expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
  out.end([]);
  sub.unsubscribe();
});

test('without acknowledgements at most a window goes out beyond the last ack, then TIMEOUT', async () => {
  const requestId = uniqueName('flow');
  const seen: number[] = [];
  // Acknowledges chunk 1 only: a window of 3 lets chunks 2, 3 and 4 follow it, and no more.
  const sub = t.bus.subscribe<HistStreamMessage>(Subjects.histStream.build({ requestId }), (m) => {
    if (m.data.type !== 'bars-packed') return;
    seen.push(m.data.index);
    if (m.data.index === 1) t.bus.publish(Subjects.histAck.build({ requestId }), { v: 1, requestId, index: 1 });
  });
  const out = new StreamPublisher(t.bus, requestId, () => NOW);
  out.flowControl(3, 3_000);
  const r = await send(out, 10);
  expect(r.sent).toBe(5);
  expect(r.err).toBeInstanceOf(HistoryError);
  expect((r.err as HistoryError).code).toBe('TIMEOUT');
  await expect.poll(() => seen.length).toBe(5);
  out.end([]);
  sub.unsubscribe();
});

test('without flow control nothing waits', async () => {
  const out = new StreamPublisher(t.bus, uniqueName('flow'), () => NOW);
  expect(await send(out, 50)).toEqual({ sent: 50 });
  out.end([]);
});
