import type { BrokerStatus } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Harness, nextMessage, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  // A live-looking account behind a connection declared paper.
  h = await startHarness({ sim: { accounts: ['U7654321'] } });
});
afterAll(async () => {
  await h.close();
});

test('a connection declared paper refuses a session that manages live accounts, and does not retry', async () => {
  const refused = await nextMessage<BrokerStatus>(
    h.bus,
    Subjects.brokerStatus.build({ broker: h.broker }),
    (s) => s.state === 'disconnected' && s.notice?.kind === 'refused' && s.notice.message.includes('declared paper'),
  );
  expect(refused.accounts).toEqual(['U7654321']);
  expect(h.gateway.broker(h.broker)?.conn.sessions).toBe(0);
  await until(() => h.sim.control.sessions().length === 0, 2_000, 'socket closed');
  // Still refused a moment later: no reconnect loop against a live account.
  await new Promise((r) => setTimeout(r, 300));
  expect(h.sim.control.sessions()).toEqual([]);
});
