/**
 * Chaos (issue 15.8), processes: the OMS, history, market-data and nats-server killed with SIGKILL in the middle of an unpaced
 * order flow and started again (nats-server on the same store directory), each its own scenario on one system of
 * separate processes (ib-sim, gateway-ib, orders, market-data, history on a private nats-server and a database
 * behind a TCP proxy). After each: lost 0, duplicated 0, misdirected 0, every order final, ledger = broker
 * (orders, fills, positions), history = ledger, refusals typed, crashes 0 (support/audit.ts says how each is counted).
 * gateway-ib's kill is gateway-kill.test.ts.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ServiceName } from '../support/system.js';
import { type ChaosSuite, startChaosSuite } from './support/scenario.js';

let suite: ChaosSuite;

beforeAll(async () => {
  suite = await startChaosSuite();
}, 300_000);

afterAll(async () => {
  const codes = await suite?.stop();
  // Whatever the faults did, every process (the restarted ones too) stops cleanly when asked.
  if (codes !== undefined) expect(codes).toEqual(Object.fromEntries(Object.keys(codes).map((k) => [k, 0])));
  // A command given up at the OMS's kill ended in its timeout (or a late reply), nothing else.
  expect(suite?.omsKills.abandonedErrors ?? []).toEqual([]);
}, 60_000);

const restart = async (name: ServiceName) => {
  await suite.system.kill(name, 'SIGKILL');
  // The commands the OMS held are sent again once it serves, not after their 15 s timeout (flow.ts `command`).
  const recovered = name === 'orders' ? suite.omsKills.killed() : () => undefined;
  try {
    await suite.system.start(name);
    await suite.system.ready(name, 120_000);
  } finally {
    recovered();
  }
};

for (const name of ['orders', 'history', 'market-data'] as const)
  test(`kill -9 of ${name} mid-flow`, async () => {
    await suite.scenario(`kill ${name}`, () => restart(name));
  }, 420_000);

test('kill -9 of nats-server mid-flow, restarted on the same store', async () => {
  // Without a nats-server binary testkit falls back to the shared server, which is never killed: fail, not pass.
  expect(suite.system.nats.private, 'this scenario needs the nats-server binary (PATH, /usr/sbin)').toBe(true);
  await suite.scenario('kill nats-server', async () => {
    await suite.system.nats.kill('SIGKILL');
    await suite.system.nats.start();
    await suite.allReady();
  });
}, 420_000);
