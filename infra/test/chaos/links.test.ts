/**
 * Chaos (issue 15.8), links: the database cut through the TCP proxy for a few seconds, the broker socket dropped,
 * and IB's connectivity notices (1100 lost, then 1102 restored with data kept; 1100 again, then 1101 restored with
 * data lost), each in the middle of an unpaced order flow, each its own scenario on one system of separate
 * processes. The counts after each are those of kills.test.ts (support/audit.ts says how each is counted).
 * CHAOS_OUTAGE_MS sets how long each outage lasts (default 4000).
 */
import { Subjects } from '@trading-system/contracts';
import { ask } from '@trading-system/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitFor } from '../support/system.js';
import { type ChaosSuite, startChaosSuite } from './support/scenario.js';

const OUTAGE_MS = Number(process.env.CHAOS_OUTAGE_MS ?? 4_000);
let suite: ChaosSuite;

beforeAll(async () => {
  suite = await startChaosSuite();
}, 300_000);

afterAll(async () => {
  const codes = await suite?.stop();
  // Whatever the faults did, every process (the restarted ones too) stops cleanly when asked.
  if (codes !== undefined) expect(codes).toEqual(Object.fromEntries(Object.keys(codes).map((k) => [k, 0])));
}, 60_000);

/** The fault's duration: the flow keeps running against the outage meanwhile. */
const outage = () => new Promise((r) => setTimeout(r, OUTAGE_MS));

type Status = { state: string; notice?: { kind: string; code: string }; instanceId?: string };
const brokerStatus = async (): Promise<Status | undefined> => {
  const { system } = suite;
  const r = await ask<{ ok: boolean; status?: Status }>(
    system.bus,
    Subjects.brokerCommand.build({ broker: system.broker, verb: 'status' }),
    { v: 1 },
    2_000,
  );
  return r?.ok ? r.status : undefined;
};
const untilStatus = (what: string, ok: (s: Status) => boolean) =>
  waitFor(`broker ${what}`, 60_000, async () => {
    const s = await brokerStatus();
    return s !== undefined && ok(s) ? s : undefined;
  });

test('Postgres cut through the proxy mid-flow', async () => {
  const { system } = suite;
  const proxy = system.proxy;
  if (proxy === undefined) throw new Error('the chaos system runs with a database proxy');
  const before = proxy.accepted;
  await suite.scenario('postgres cut', async () => {
    proxy.cut();
    await outage();
    proxy.restore();
    await suite.allReady();
  });
  // The services did lose their connections and open new ones.
  expect(proxy.accepted).toBeGreaterThan(before);
}, 420_000);

test('broker socket dropped mid-flow, the gateway reconnects', async () => {
  const { system } = suite;
  await suite.scenario('broker link drop', async () => {
    const before = new Set(
      (await system.control<{ sessions: { connectionId: number }[] }>('/sessions')).sessions.map((s) => s.connectionId),
    );
    const r = await system.control<{ dropped: number }>('/drop-all', {});
    expect(r.dropped).toBeGreaterThan(0);
    await waitFor('a new broker session', 60_000, async () => {
      const { sessions } = await system.control<{ sessions: { connectionId: number; state: string }[] }>('/sessions');
      return sessions.some((s) => !before.has(s.connectionId) && s.state === 'ready') ? true : undefined;
    });
    await untilStatus('connected again', (s) => s.state === 'connected');
  });
}, 420_000);

test('IB connectivity lost and restored mid-flow: 1100 then 1102, 1100 then 1101', async () => {
  const { system } = suite;
  await suite.scenario('ib 1100-1102-1101', async () => {
    for (const restored of [1102, 1101]) {
      await system.control('/broadcast', { code: 1100 });
      await untilStatus('degraded by 1100', (s) => s.notice?.kind === 'connectivity-lost' && s.state !== 'connected');
      await outage();
      await system.control('/broadcast', { code: restored });
      // IB's codes as gateway-ib words them in the neutral notice (its own code kept as text).
      const kind = restored === 1101 ? 'restored-data-lost' : 'restored';
      await untilStatus(
        `restored by ${restored}`,
        (s) => s.notice?.kind === kind && s.notice.code === String(restored) && s.state === 'connected',
      );
    }
  });
}, 420_000);
