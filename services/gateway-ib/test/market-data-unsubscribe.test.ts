/**
 * No tick after an unsubscribe is answered. Ticks are conflated and flushed once per event-loop turn; a tick read
 * in the same turn as the unsubscribe used to be flushed after the ok reply (found by the broker conformance suite,
 * rarely at ib-sim's normal rate). At a high tick rate the race is hit within a few rounds.
 *
 * The observer is a plain NATS connection with callback subscriptions for the ticks and for the replies: nats.js
 * runs those callbacks synchronously in the order the server delivered the messages, and the server delivers one
 * publisher's messages in the order it sent them. So "a tick arrived after the reply" here means exactly "the
 * gateway published a tick after it answered the unsubscribe". (Through our Bus the two would be observed on
 * different paths — a subscription's serial handler queue and a request's promise — whose relative order is not
 * the wire order: that made an earlier version of this test flaky.)
 */

import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { BrokerMdSubscribeReply } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { natsUrl, until, wireSubject } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AAPL, type Harness, nextMessage, startHarness } from './helpers.js';

let h: Harness;
let nc: NatsConnection;
beforeAll(async () => {
  h = await startHarness({ sim: { highRateTicksPerSec: 2_000 } });
  nc = await connect({ servers: await natsUrl() });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await nc?.close();
  await h?.close();
});

const cmd = (verb: 'mdSubscribe' | 'mdUnsubscribe' | 'status') =>
  Subjects.brokerCommand.build({ broker: h.broker, verb });
const body = { v: 1, instrument: { id: AAPL }, streams: ['ticks'] };

/**
 * A request on the observer connection whose reply is seen by a callback, in wire order with the ticks;
 * `onReply` runs synchronously at the reply's place in that order.
 */
function rawRequest(subject: string, payload: unknown, onReply?: () => void): Promise<Record<string, unknown>> {
  const inbox = `_INBOX.${nc.info?.client_id ?? 0}.${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no reply on ${subject} within 5 s`));
    }, 5_000);
    const sub = nc.subscribe(inbox, {
      max: 1,
      callback: (err, m) => {
        clearTimeout(timer);
        if (err !== null) return reject(err);
        onReply?.();
        resolve(m.json<Record<string, unknown>>());
      },
    });
    nc.publish(wireSubject(subject), JSON.stringify(payload), { reply: inbox });
  });
}

test('80 rounds of subscribe, ticks, unsubscribe: not one tick is published after the unsubscribe reply', async () => {
  const subject = Subjects.mdTick.build({ broker: h.broker, instrument: AAPL });
  let late = 0;
  let ticks = 0;
  let closed = false;
  const sub = nc.subscribe(wireSubject(subject), {
    callback: () => {
      ticks++;
      if (closed) late++;
    },
  });
  await nc.flush(); // the observer's interest is registered at the server before the first round
  try {
    for (let i = 0; i < 80; i++) {
      closed = false;
      const first = nextMessage(h.bus, subject);
      expect(await h.bus.request<BrokerMdSubscribeReply>(cmd('mdSubscribe'), body, { timeoutMs: 5_000 })).toMatchObject(
        { ok: true },
      );
      await first;
      const r = await rawRequest(cmd('mdUnsubscribe'), body, () => {
        closed = true;
      });
      expect(r).toMatchObject({ ok: true });
      // A later reply from the gateway comes after anything it published before it: wait for one, so a tick
      // flushed late in this round is seen before the next round resets `closed`.
      expect(await rawRequest(cmd('status'), { v: 1 })).toMatchObject({ ok: true });
    }
  } finally {
    sub.unsubscribe();
  }
  expect(ticks).toBeGreaterThanOrEqual(80);
  expect(late).toBe(0);
});
