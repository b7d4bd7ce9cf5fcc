import { createTestNatsBus } from '@trading-system/testkit';
import { describe, expect, test } from 'vitest';
import { runBusSuite } from './behaviour.js';
import { runJetStreamSuite } from './behaviour-jetstream.js';
import { runObserverSuite } from './behaviour-observer.js';
import { runRequestSuite } from './behaviour-request.js';
import { type EchoReply, testCatalog } from './support.js';

runBusSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runRequestSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runJetStreamSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));
runObserverSuite('nats bus', (options) => createTestNatsBus(testCatalog, options));

describe('nats bus: flush', () => {
  // A service awaits flush at the end of its start so that "started" means "answers". Without it, a SUB still in
  // the serving connection's outbound buffer can reach the server after another connection's request: no
  // responders (seen once in a full run: orders.submit right after the OMS's start resolved).
  test('a subject served and flushed is answered at once from another connection, every time', async () => {
    const server = await createTestNatsBus(testCatalog);
    const client = await createTestNatsBus(testCatalog);
    try {
      for (let i = 0; i < 200; i += 1) {
        const subject = server.subject('echo');
        const sub = server.bus.serve<{ text: string }, EchoReply>(subject, ({ text }) => ({ ok: true, text }));
        await server.bus.flush();
        await expect(client.bus.request(subject, { text: String(i) }, { timeoutMs: 2_000 })).resolves.toEqual({
          ok: true,
          text: String(i),
        });
        sub.unsubscribe();
        await server.bus.flush();
      }
    } finally {
      await client.close();
      await server.close();
    }
  });
});
