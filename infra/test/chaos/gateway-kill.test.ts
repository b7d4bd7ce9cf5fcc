/**
 * Chaos (issue 15.8), the broker's gateway: gateway-ib killed with SIGKILL twice in the middle of an unpaced order
 * flow (at 30 % and 65 % of it: commands in its governor and on the socket) and started again on the same clientId. Orders the broker never
 * received must be settled by the OMS's reconciliation: every order final, lost 0, duplicated 0 (no order id
 * reused), misdirected 0 (no cancel reaches another order), ledger = broker. Counted as in kills.test.ts.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ChaosSuite, startChaosSuite } from './support/scenario.js';

let suite: ChaosSuite;

beforeAll(async () => {
  suite = await startChaosSuite();
}, 300_000);

afterAll(async () => {
  const codes = await suite?.stop();
  // Whatever the faults did, every process (the restarted ones too) stops cleanly when asked.
  if (codes !== undefined) expect(codes).toEqual(Object.fromEntries(Object.keys(codes).map((k) => [k, 0])));
}, 60_000);

const restart = async () => {
  await suite.system.kill('gateway-ib', 'SIGKILL');
  await suite.system.start('gateway-ib');
  await suite.system.ready('gateway-ib', 120_000);
};

test('kill -9 of gateway-ib mid-flow, twice', async () => {
  await suite.scenario('kill gateway-ib x2', async (until) => {
    await restart();
    await until(0.65);
    await restart();
  });
}, 420_000);
