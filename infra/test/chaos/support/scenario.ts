/**
 * One system for a chaos file, and the shape of each of its scenarios: an unpaced order flow, one fault injected
 * once a share of the flow is answered, then settle and count (support/audit.ts). The counts are printed as one
 * line per scenario (`chaos <name>: {...}`) and every count that must be zero is asserted to be.
 *
 * Scale through the environment: CHAOS_ORDERS (orders per scenario), CHAOS_CLIENTS, CHAOS_LANES, CHAOS_SETTLE_MS
 * (how long an unsettled system is waited for), CHAOS_SEED (replays a run; printed with every line).
 */
import type { Bus } from '@trading-system/bus';
import { Subjects } from '@trading-system/contracts';
import { ResponderKills } from '@trading-system/testkit';
import { expect } from 'vitest';
import { SERVICES, type System, startSystem, waitFor } from '../../support/system.js';
import { type Audit, Auditor, MUST_BE_ZERO } from './audit.js';
import { type FlowRecord, flowScale, INSTRUMENTS, newRecord, runFlow } from './flow.js';

export interface ChaosSuite {
  readonly system: System;
  /**
   * Runs the flow with `fault` injected at `at` (share of the flow's orders answered, default 0.3), settles,
   * counts. `fault` gets `until(share)` to inject a second fault later in the same flow.
   */
  scenario(
    name: string,
    fault: (until: (share: number) => Promise<void>) => Promise<void>,
    at?: number,
  ): Promise<Audit>;
  /** The OMS's kills: a fault that kills it says so here, and again once it serves (flow.ts `command`). */
  readonly omsKills: ResponderKills;
  /** Every service answers again (after a fault that took them away). */
  allReady(): Promise<void>;
  /** Stops everything with SIGTERM; each process's exit code (0 when it stopped cleanly). */
  stop(): Promise<Record<string, number | null>>;
}

export async function startChaosSuite(): Promise<ChaosSuite> {
  const scale = flowScale();
  const settleMs = Number(process.env.CHAOS_SETTLE_MS ?? 120_000);
  const baseSeed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const system = await startSystem({ databaseProxy: true, logLevel: 'warn' });
  const clients: Bus[] = [];
  let auditor: Auditor | undefined;
  try {
    for (let c = 0; c < scale.clients; c++) clients.push(await system.connect(`chaos-client-${c}`));
    auditor = await Auditor.open(system);
  } catch (err) {
    for (const c of clients) await c.drain();
    await system.stop();
    throw err;
  }
  const reference = new Map<string, number>();
  for (const instrumentId of INSTRUMENTS) {
    const r = await system.bus.request<{ ok: boolean; tick?: { bid?: string; ask?: string; last?: string } }>(
      Subjects.brokerCommand.build({ broker: system.broker, verb: 'mdSnapshot' }),
      { v: 1, instrument: { id: instrumentId } },
      { timeoutMs: 20_000 },
    );
    const px = Number(r.tick?.last ?? r.tick?.bid ?? r.tick?.ask);
    if (!(px > 0)) throw new Error(`no reference price for ${instrumentId}: ${JSON.stringify(r)}`);
    reference.set(instrumentId, px);
  }
  const records: FlowRecord[] = [];
  const audit = auditor;
  const omsKills = new ResponderKills();

  const allReady = async () => {
    for (const name of SERVICES) await system.ready(name, 120_000);
  };

  return {
    system,
    omsKills,
    allReady,
    async scenario(name, fault, at = 0.3) {
      const seed = baseSeed + records.length * 100_000;
      const record = newRecord(`c${records.length}${name.replace(/[^a-z0-9]/gi, '').slice(0, 12)}`);
      records.push(record);
      const started = Date.now();
      let faultMs = 0;
      let faultAt = 0;
      const flow = runFlow({ broker: system.broker, clients, scale, seed, reference, record, omsKills });
      const until = (share: number) =>
        waitFor(`${name}: ${Math.round(share * 100)} % of the flow answered`, 120_000, async () =>
          record.answered >= Math.floor(scale.orders * share) ? true : undefined,
        ).then(() => undefined);
      const injected = (async () => {
        await until(at);
        const t = Date.now();
        faultAt = t - record.startedAtMs;
        await fault(until);
        faultMs = Date.now() - t;
      })();
      await Promise.all([flow, injected]);
      const flowMs = Date.now() - started;
      const settled = await audit.settle(record, settleMs);
      const result = await audit.count(record, records);
      console.info(
        `chaos ${name}: ${JSON.stringify(result.counts)} seed=${seed} flow=${flowMs}ms fault=${faultMs}ms ` +
          `settle=${settled.ms}ms retries=${record.retries} resubmits=${record.resubmits} replies=${JSON.stringify(result.codes)} ` +
          `fault from +${faultAt}ms, refusals (first..last, ms) ${JSON.stringify(record.codeTimes)} ` +
          `states=${JSON.stringify(result.states)}${settled.settled ? '' : ` unsettled: ${settled.why}`}`,
      );
      const zero = Object.fromEntries(MUST_BE_ZERO.map((k) => [k, result.counts[k]]));
      expect(zero, `${name} (seed ${seed}): ${JSON.stringify(result.details, null, 1)}`).toEqual(
        Object.fromEntries(MUST_BE_ZERO.map((k) => [k, 0])),
      );
      expect(settled.settled, settled.why).toBe(true);
      // The flow did trade: orders accepted and refusals typed, not a system that refused everything.
      expect(result.counts.accepted).toBeGreaterThan(0);
      return result;
    },
    async stop() {
      for (const c of clients) await c.drain().catch(() => undefined);
      await audit.close();
      return system.stop();
    },
  };
}
