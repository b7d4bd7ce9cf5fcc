/**
 * No tick after an unsubscribe is answered. Ticks are conflated and flushed once per event-loop turn; a tick read
 * in the same turn as the unsubscribe used to be flushed after the ok reply (found by the broker conformance suite,
 * rarely at ib-sim's normal rate). At a high tick rate the race is hit within a few rounds.
 */

import type { BrokerMdSubscribeReply, BrokerMdUnsubscribeReply, BrokerStatusReply } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AAPL, type Harness, nextMessage, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sim: { highRateTicksPerSec: 2_000 } });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

const cmd = (verb: 'mdSubscribe' | 'mdUnsubscribe' | 'status') =>
  Subjects.brokerCommand.build({ broker: h.broker, verb });
const body = { v: 1, instrument: { conId: AAPL }, streams: ['ticks'] };

test('80 rounds of subscribe, ticks, unsubscribe: not one tick arrives after the unsubscribe reply', async () => {
  const subject = Subjects.mdTick.build({ broker: h.broker, instrument: AAPL });
  let late = 0;
  let closed = false;
  const sub = h.bus.subscribe(subject, () => {
    if (closed) late++;
  });
  try {
    for (let i = 0; i < 80; i++) {
      closed = false;
      const first = nextMessage(h.bus, subject);
      expect(await h.bus.request<BrokerMdSubscribeReply>(cmd('mdSubscribe'), body, { timeoutMs: 5_000 })).toMatchObject(
        {
          ok: true,
        },
      );
      await first;
      const r = await h.bus.request<BrokerMdUnsubscribeReply>(cmd('mdUnsubscribe'), body, { timeoutMs: 5_000 });
      expect(r).toMatchObject({ ok: true });
      closed = true;
      // A later reply from the gateway comes after anything it published before it (one connection, in order).
      await h.bus.request<BrokerStatusReply>(cmd('status'), { v: 1 }, { timeoutMs: 5_000 });
    }
  } finally {
    sub.unsubscribe();
  }
  expect(late).toBe(0);
});
