/**
 * Nothing is published once market data is stopped: the broker stops it before the connection and the bus, and
 * the IB socket keeps delivering until it closes (each publish onto the drained bus used to log an error).
 */
import type { BrokerMdSubscribeReply } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AAPL, type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sim: { highRateTicksPerSec: 2_000 } });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h?.close();
});

test('after stop, ticks and trades still read from IB are not published', async () => {
  const md = h.gateway.broker(h.broker)?.marketData;
  if (md === undefined) throw new Error('no broker');
  const subject = Subjects.brokerCommand.build({ broker: h.broker, verb: 'mdSubscribe' });
  const r = await h.bus.request<BrokerMdSubscribeReply>(
    subject,
    { v: 1, instrument: { id: AAPL }, streams: ['ticks'] },
    { timeoutMs: 5_000 },
  );
  expect(r.ok).toBe(true);
  await until(() => md.tradesPublished > 0 && md.published > 0, 5_000, 'trades and ticks published');
  md.stop();
  const published = md.published;
  const trades = md.tradesPublished;
  const read = md.ticksIn;
  await until(() => md.ticksIn > read + 200, 5_000, 'ticks still read from IB');
  expect(md.published).toBe(published);
  expect(md.tradesPublished).toBe(trades);
});
