import type { QualifyContractReply } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

describe('outbound governor against ib-sim', () => {
  test('a burst of 150 requests is paced: no error 100, the session survives, ≤ 40 msg/s', async () => {
    const b = h.gateway.broker(h.broker);
    const sentBefore = b?.conn.governor.totalSent ?? 0;
    const started = Date.now();
    // Distinct unknown instrumentIds: each is its own IB reqContractDetails (no cache hit, no dedup).
    const replies = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        h.bus.request<QualifyContractReply>(
          Subjects.brokerCommand.build({ broker: h.broker, verb: 'qualifyContract' }),
          { v: 1, instrument: { id: String(900_000_000 + i) } },
          { timeoutMs: 15_000 },
        ),
      ),
    );
    const elapsed = Date.now() - started;
    expect(replies.every((r) => !r.ok && r.code === 'CONTRACT_UNKNOWN')).toBe(true);
    expect((b?.conn.governor.totalSent ?? 0) - sentBefore).toBeGreaterThanOrEqual(150);
    expect(b?.conn.rateViolations).toBe(0);
    // As ib-sim counted at arrival (a sliding second, as TWS does): never over IB's 50.
    const seen = h.sim.control.rateSeen();
    expect(seen.exceeded).toBe(0);
    expect(seen.peakPerSecond).toBeLessThanOrEqual(50);
    expect(b?.conn.sessions).toBe(1);
    // 150 messages at ≤ 40 per sliding second cannot take less than ~2.75 s.
    expect(elapsed).toBeGreaterThanOrEqual(2_700);
  }, 20_000);
});
