/**
 * The injected clock of the market-data lines (`brokerOptions.marketData.now`): with ib-sim on a scaled clock that
 * also stamps RTVolume (`tradeTimes: 'sim'`), every stamp the gateway publishes is in that clock's (2024) time, so
 * a consumer cutting bars by `tsEventMs` sees market time, not the wall's.
 */
import type { BrokerMdSubscribeReply, Tick, Trade } from '@trading-system/contracts';
import { Subjects } from '@trading-system/contracts';
import { scaledClock } from '@trading-system/ib-sim';
import { until } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AAPL, type Harness, startHarness, TUESDAY_1100_ET } from './helpers.js';

const clock = scaledClock(TUESDAY_1100_ET, 10);
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sim: { clock, tradeTimes: 'sim' }, brokerOptions: { marketData: { now: clock.now } } });
  await until(() => h.gateway.broker(h.broker)?.conn.isReady === true, 5_000, 'session ready');
});
afterAll(async () => {
  await h.close();
});

test('ticks and trades are stamped with the injected clock (tsEventMs and tsInitMs)', async () => {
  const ticks: Tick[] = [];
  const trades: Trade[] = [];
  const subs = [
    h.bus.subscribe<Tick>(
      Subjects.mdTick.build({ broker: h.broker, instrument: AAPL }),
      (m) => void ticks.push(m.data),
    ),
    h.bus.subscribe<Trade>(
      Subjects.mdTrade.build({ broker: h.broker, instrument: AAPL }),
      (m) => void trades.push(m.data),
    ),
  ];
  try {
    const r = await h.bus.request<BrokerMdSubscribeReply>(
      Subjects.brokerCommand.build({ broker: h.broker, verb: 'mdSubscribe' }),
      { v: 1, instrument: { id: AAPL }, streams: ['ticks'] },
      { timeoutMs: 5_000 },
    );
    expect(r.ok).toBe(true);
    await until(() => trades.length >= 3 && ticks.length >= 3, 10_000, 'trades and ticks');
    const upTo = clock.now();
    for (const x of [...ticks, ...trades]) {
      // market time: after the sim's start (LAST_TIMESTAMP is whole seconds, a tick may carry the second before)
      expect(x.tsEventMs).toBeGreaterThan(TUESDAY_1100_ET - 1_000);
      expect(x.tsEventMs).toBeLessThanOrEqual(upTo);
      expect(x.tsInitMs).toBeGreaterThanOrEqual(TUESDAY_1100_ET);
      expect(x.tsInitMs).toBeLessThanOrEqual(upTo);
    }
  } finally {
    for (const s of subs) s.unsubscribe();
  }
});
