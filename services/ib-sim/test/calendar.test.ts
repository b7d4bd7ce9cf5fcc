/**
 * ib-sim on the trading calendar: contract details show the week's trading and liquid hours with holidays as
 * CLOSED and early closes at their real time, and a DAY order placed before a holiday expires at the next
 * session's close (Friday 13:00 after Thanksgiving), not at a 16:00 nor on the holiday.
 */
import { type ContractDetails, EventName, OrderStatus } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningSim } from '../src/app.js';
import { manualClock } from '../src/clock.js';
import { fetchBars, nextEvent, startTestSim } from './helpers.js';
import { AAPL, connectRecorder, limit, type Recorder } from './order-helpers.js';

/** Wednesday 2024-11-27 17:00 New York, after the close before Thanksgiving. */
const WEDNESDAY_EVENING = Date.parse('2024-11-27T22:00:00Z');
const clock = manualClock(WEDNESDAY_EVENING);
let sim: RunningSim;
let c: Recorder;
beforeAll(async () => {
  sim = await startTestSim({ clock });
  c = await connectRecorder(sim.port, 4);
});
afterAll(async () => {
  c.client.close();
  await sim.stop();
});

describe('trading hours from the calendar', () => {
  test('Thanksgiving CLOSED, the Friday after until 13:00 (17:00 outside regular hours)', async () => {
    const details = nextEvent<[number, ContractDetails]>(c.ib, EventName.contractDetails, (id) => id === 1);
    c.ib.reqContractDetails(1, { conId: 265598, exchange: 'SMART' });
    const [, cd] = await details;
    expect(cd.timeZoneId).toBe('US/Eastern');
    expect(cd.tradingHours).toContain('20241128:CLOSED');
    expect(cd.tradingHours).toContain('20241129:0400-20241129:1700');
    expect(cd.liquidHours).toContain('20241127:0930-20241127:1600');
    expect(cd.liquidHours).toContain('20241129:0930-20241129:1300');
    expect(cd.liquidHours).toContain('20241130:CLOSED');
  });

  test('"5 D" of daily bars ending the day after Labor Day: five sessions, the holiday skipped', async () => {
    const bars = await fetchBars(c.ib, 2, AAPL, '20240903 16:00:00 US/Eastern', '5 D', '1 day', 'TRADES');
    expect(bars.map((b) => b.time)).toEqual(['20240827', '20240828', '20240829', '20240830', '20240903']);
  });

  test('a DAY order placed the evening before Thanksgiving expires at Friday 13:00', async () => {
    const orderId = 50;
    c.ib.placeOrder(orderId, AAPL, limit('BUY', 1, 1, { tif: 'DAY' }));
    await c.waitFor(
      EventName.orderStatus,
      (id: number, status: string) => id === orderId && status === OrderStatus.PreSubmitted,
    );
    clock.set(Date.parse('2024-11-28T18:00:00Z')); // Thanksgiving noon: no session, still working
    clock.set(Date.parse('2024-11-29T17:59:00Z')); // Friday 12:59
    const cancelled = () => c.of(EventName.orderStatus).some((a) => a[0] === orderId && a[1] === OrderStatus.Cancelled);
    expect(cancelled()).toBe(false);
    clock.set(Date.parse('2024-11-29T18:00:30Z')); // Friday 13:00:30: past the early close
    await c.until(cancelled, 'DAY order cancelled at the early close');
    expect(sim.control.orders().open).toHaveLength(0);
  });
});
