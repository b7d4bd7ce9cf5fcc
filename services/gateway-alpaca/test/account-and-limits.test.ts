/**
 * The account subjects gateway-ib serves too (`account.<broker>.positions` / `.summary`), which the SDK, CLI and
 * dashboard read: answered from Alpaca's account and positions, with the account the status names. And Alpaca's
 * rate limit as the caller sees it: a 429 is BROKER_BUSY with the wait, never a hidden retry.
 */
import { Subjects } from '@trading-system/contracts';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ACCOUNT, startHarness } from './helpers.js';

let h: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  h = await startHarness();
  await vi.waitFor(
    async () => {
      const r = await h.bus.request(
        Subjects.brokerCommand.build({ broker: h.broker, verb: 'status' }),
        { v: 1 },
        { timeoutMs: 5_000 },
      );
      expect(r).toMatchObject({ ok: true, status: { state: 'connected' } });
    },
    { timeout: 10_000, interval: 100 },
  );
}, 30_000);
afterAll(() => h?.stop());

test('account.<broker>.summary: the account with its cash; positions: none yet; an unknown account refused', async () => {
  const summary = await h.bus.request(
    Subjects.accountSummary.build({ broker: h.broker }),
    { v: 1 },
    { timeoutMs: 5_000 },
  );
  expect(summary).toMatchObject({
    ok: true,
    accounts: [{ account: ACCOUNT, currency: 'USD', totalCashValue: '100000' }],
  });
  const positions = await h.bus.request(
    Subjects.accountPositions.build({ broker: h.broker }),
    { v: 1 },
    { timeoutMs: 5_000 },
  );
  expect(positions).toMatchObject({ ok: true, positions: [] });
  const other = await h.bus.request(
    Subjects.accountPositions.build({ broker: h.broker }),
    { v: 1, account: 'NOPE' },
    { timeoutMs: 5_000 },
  );
  expect(other).toMatchObject({ ok: false, code: 'ACCOUNT_UNKNOWN' });
});

test("a 429 from Alpaca is BROKER_BUSY with the wait until its reset, never retried behind the caller's back", async () => {
  // Last in the file: after a 429 the governor sends nothing before the reset Alpaca named (up to a minute).
  h.sim.control.rateLimitNext(1);
  const r = await h.bus.request(Subjects.accountSummary.build({ broker: h.broker }), { v: 1 }, { timeoutMs: 5_000 });
  expect(r).toMatchObject({ ok: false, code: 'BROKER_BUSY', details: { httpStatus: 429 } });
  const wait = (r as { details?: { retryAfterMs?: number } }).details?.retryAfterMs;
  expect(wait).toBeGreaterThanOrEqual(0);
  expect(wait).toBeLessThanOrEqual(60_000);
});
