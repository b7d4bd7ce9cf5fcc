/**
 * md.snapshot of instruments without a line, against gateway-ib and ib-sim over TCP: the first tick of a new line
 * can hold only part of IB's opening burst (gateway-ib publishes the state after each event-loop turn, and the
 * burst may arrive over several socket reads), so a snapshot answered from that first tick showed a bid without
 * its ask or an option without greeks. Many fresh lines at once (one request, like the CLI's `chain`) split the
 * bursts often enough to see it every run.
 */
import type { MdSnapshotReply, OptionChainReply } from '@trading-system/contracts';
import { IbConnectionConfig, Subjects } from '@trading-system/contracts';
import { type Gateway, start as startGateway } from '@trading-system/gateway-ib';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { createTestNatsBus, type TestBus, uniqueName, until } from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type MdHarness, startMd, testCatalog, testLogger } from './helpers.js';

// A Wednesday 11:00 New York: inside a regular session, quotes move.
const WEDNESDAY_1100_ET = Date.parse('2024-03-13T15:00:00Z');
const STOCKS = ['AAPL', 'SPY', 'MSFT', 'AMZN', 'NVDA', 'TSLA', 'GOOGL', 'IBM', 'QQQ'];
const SNAPSHOT_LEASE_MS = 5_000;
const SNAPSHOT_WAIT_MS = 40_000;

let sim: RunningSim;
let nats: TestBus;
let gateway: Gateway;
let h: MdHarness;
let broker: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, clock: scaledClock(WEDNESDAY_1100_ET, 1) });
  nats = await createTestNatsBus(testCatalog);
  broker = uniqueName('b');
  gateway = await startGateway({
    bus: nats.bus,
    logger: testLogger,
    gatewayType: uniqueName('g'),
    brokers: [
      { name: broker, connection: IbConnectionConfig.parse({ host: '127.0.0.1', port: sim.port, clientId: 7 }) },
    ],
  });
  await until(() => gateway.broker(broker)?.conn.isReady === true, 10_000, 'the gateway session');
  // What is tested is the quote's wholeness, not the deadline: a round sends the previous round's 100 cancels and
  // 100 new lines through the gateway's 40 msg/s governor, whose window holds each message until IB's answer
  // proves it read (+1 s), so on a starved runner the last line's opening burst came after the default 5 s wait
  // (TIMEOUT in CI at load ~15), and once after 15 s (the 100th line of round 3, a full run beside two CPU hogs).
  // A longer wait changes nothing a quick line answers.
  h = await startMd({ snapshotLeaseMs: SNAPSHOT_LEASE_MS, snapshotWaitMs: SNAPSHOT_WAIT_MS }, nats);
}, 30_000);
afterAll(async () => {
  await h?.close();
  await gateway?.stop();
  await nats?.close();
  await sim?.stop();
});

async function optionRefs(symbol: string) {
  const r = await nats.bus.request<OptionChainReply>(
    Subjects.brokerCommand.build({ broker, verb: 'optionChain' }),
    { v: 1, underlying: { secType: 'STK', symbol, exchange: 'SMART', currency: 'USD' } },
    { timeoutMs: 10_000 },
  );
  if (!r.ok) throw new Error(`optionChain ${symbol}: ${JSON.stringify(r)}`);
  const expiry = r.chain.expirations[0] as string;
  return r.chain.strikes.flatMap((strike) =>
    (['C', 'P'] as const).map((right) => ({
      secType: 'OPT' as const,
      symbol,
      exchange: 'SMART',
      currency: 'USD',
      expiry,
      strike,
      right,
    })),
  );
}

describe('md.snapshot of instruments without a line', () => {
  test('answers whole quotes: bid and ask, and greeks for options, on every fresh line', async () => {
    const options = [...(await optionRefs('AAPL')), ...(await optionRefs('SPY'))].slice(0, 100 - STOCKS.length);
    const instruments = [
      ...STOCKS.map((symbol) => ({ secType: 'STK' as const, symbol, exchange: 'SMART', currency: 'USD' })),
      ...options,
    ];
    const partial: string[] = [];
    for (let round = 0; round < 4; round++) {
      const reply = await nats.bus.request<MdSnapshotReply>(
        h.subjects.snapshot,
        { v: 1, broker, instruments, cachedOnly: false },
        { timeoutMs: SNAPSHOT_WAIT_MS + 20_000 },
      );
      if (!reply.ok) throw new Error(JSON.stringify(reply));
      expect(reply.items).toHaveLength(instruments.length);
      for (const [i, item] of reply.items.entries()) {
        const ref = instruments[i];
        const name = `round ${round} ${JSON.stringify(ref)}`;
        expect(item.ok, `${name}: ${item.ok ? 'ok' : `${item.code} ${item.message}`}`).toBe(true);
        if (!item.ok) continue;
        const t = item.tick;
        const whole =
          t.bid !== undefined && t.ask !== undefined && (ref?.secType !== 'OPT' || t.greeks?.delta !== undefined);
        if (!whole) partial.push(`${name}: ${JSON.stringify(t)}`);
        expect(item.complete, name).toBe(whole);
      }
      // The snapshot leases end: every line closes, so the next round opens fresh ones.
      h.advance(SNAPSHOT_LEASE_MS + 1);
      await until(() => h.md.lines().size === 0, 10_000, 'the snapshot lines to close');
    }
    expect(partial).toEqual([]);
  }, 300_000);

  test("a line whose first tick comes after the snapshot lease's length still answers: the lease outlasts the wait", async () => {
    // IB's answers held back: the line opens (its lease granted) well before its first tick, and the service's
    // clock passes the lease's length meanwhile, as a busy gateway's governor made happen in CI.
    sim.control.setReplyDelay(1_500);
    try {
      const reply = nats.bus.request<MdSnapshotReply>(
        h.subjects.snapshot,
        { v: 1, broker, instruments: [{ secType: 'STK', symbol: 'MSFT', exchange: 'SMART', currency: 'USD' }] },
        { timeoutMs: 15_000 },
      );
      // The lease is granted once the gateway has the line; IB's first tick is still 1.5 s away then.
      await until(() => h.md.leases.size === 1, 10_000, 'the snapshot lease');
      h.advance(SNAPSHOT_LEASE_MS + 1);
      const r = await reply;
      if (!r.ok) throw new Error(JSON.stringify(r));
      expect(r.items[0]).toMatchObject({ ok: true, complete: true });
      expect(h.md.lines().size).toBe(1);
    } finally {
      sim.control.setReplyDelay(0);
    }
    // The answer left a lease of SNAPSHOT_LEASE_MS for follow-ups: it ends after that, not after the wait's length.
    h.advance(SNAPSHOT_LEASE_MS + 1);
    await until(() => h.md.lines().size === 0, 10_000, 'the snapshot line to close');
  }, 60_000);
});
