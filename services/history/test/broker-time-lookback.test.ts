/**
 * "The last N days" are counted back from the broker's now when its status announces its clock
 * (BrokerStatus.brokerTimeMs), not from this service's: a simulator or a replay runs days or years away from ours.
 * Real NATS + real Postgres; the broker is the fixture's responder, its clock two days behind the service's.
 */
import { fetchBars } from '@trading-system/clients';
import { afterEach, describe, expect, test } from 'vitest';
import { CON_ID, DAY, type Fixture, MIN, NOW, openFixture, syntheticBars } from './helpers.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** Monday 2024-03-11 21:00 UTC (17:00 New York, after the close): the broker's clock, two days before NOW. */
const BROKER_NOW = NOW - 2 * DAY;
const MONDAY = Date.parse('2024-03-11T00:00:00Z');
const WEDNESDAY = Date.parse('2024-03-13T00:00:00Z');

const lastDay = (x: Fixture) =>
  fetchBars(x.bus, {
    broker: x.broker,
    instrument: { id: CON_ID },
    barSize: '1 min',
    whatToShow: 'TRADES',
    useRth: true,
    cachedOnly: false,
    duration: '1d',
  });

describe("history's lookback from the broker's clock", () => {
  test("a broker announcing its time: '1d' is its day's session (Monday's), not ours (Wednesday's)", async () => {
    f = await openFixture('nats');
    // Carried forward from the moment it is heard: a status asked later says a later time.
    const heardAt = Date.now();
    f.responder.brokerTime = () => BROKER_NOW + (Date.now() - heardAt);
    await f.startApp();
    const r = await lastDay(f);
    expect(r.partial).toBe(false);
    expect(r.bars).toEqual(syntheticBars(MONDAY, BROKER_NOW, MIN));
    // Nothing was asked of the broker after its now.
    for (const fetch of f.responder.fetches) expect(fetch.endMs ?? 0).toBeLessThanOrEqual(BROKER_NOW + MIN);
  });

  test('a broker announcing no time (an older gateway): counted from our clock, as before', async () => {
    f = await openFixture('nats');
    await f.startApp();
    const r = await lastDay(f);
    expect(r.bars).toEqual(syntheticBars(WEDNESDAY, NOW, MIN));
  });
});
