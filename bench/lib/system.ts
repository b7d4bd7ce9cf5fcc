/**
 * The system under test as processes: ib-sim (bench/proc/sim.ts) and gateway-ib (its own main.ts, configured
 * through the environment exactly as deployed), each with unique names so runs never collide.
 */
import { randomBytes } from 'node:crypto';
import type { Bus } from '@trading-system/bus';
import { type BrokerStatusReply, Subjects } from '@trading-system/contracts';
import type { RateCounts, RateSeen } from '@trading-system/ib-sim';

export type { RateCounts } from '@trading-system/ib-sim';

import { waitFor } from './infra.js';
import { type Proc, spawnTs } from './procs.js';

export interface SimProcOptions {
  readonly highRateTicksPerSec?: number;
  readonly maxMarketDataLines?: number;
  readonly maxMessagesPerSecond?: number;
}

/** Tuesday 2024-03-12 11:00 New York (15:00 UTC): where the bench sim's clock starts (bench/proc/sim.ts). */
export const SIM_START_MS = Date.parse('2024-03-12T15:00:00Z');

export interface SimProc {
  readonly proc: Proc;
  readonly port: number;
  /** The sim's clock now, epoch ms (it started at SIM_START_MS and runs at real speed). */
  simNow(): number;
  /** The message-rate limit as the sim counted it for one clientId's connections (its control `GET /rate`). */
  rateOf(clientId: number): Promise<RateCounts>;
}

export async function startSimProc(options: SimProcOptions = {}, nodeArgs: readonly string[] = []): Promise<SimProc> {
  const proc = spawnTs('ib-sim', 'bench/proc/sim.ts', { args: [JSON.stringify(options)], nodeArgs });
  const ready = await proc.ready;
  const wallStartMs = Number(ready.wallStartMs);
  const controlUrl = `http://127.0.0.1:${Number(ready.controlPort)}`;
  return {
    proc,
    port: Number(ready.port),
    simNow: () => SIM_START_MS + (Date.now() - wallStartMs),
    async rateOf(clientId) {
      const res = await fetch(`${controlUrl}/rate`);
      const body = (await res.json()) as { rate: RateSeen };
      const mine = body.rate.byClient.find((c) => c.clientId === clientId);
      return mine ?? { peakPerSecond: 0, exceeded: 0, breaches: 0 };
    },
  };
}

export const uniqueToken = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`;

export interface GatewayProcOptions {
  readonly natsUrl: string;
  readonly simPort: number;
  readonly clientId: number;
  /** Outbound IB messages per second (IB's limit is 50; the gateway's default 40). */
  readonly maxMessagesPerSecond?: number;
  readonly marketDataLines?: number;
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
}

export interface GatewayProc {
  readonly proc: Proc;
  readonly broker: string;
}

export async function startGatewayProc(bus: Bus, o: GatewayProcOptions): Promise<GatewayProc> {
  const broker = uniqueToken('bench');
  const connection = {
    host: '127.0.0.1',
    port: o.simPort,
    clientId: o.clientId,
    ...(o.maxMessagesPerSecond === undefined ? {} : { maxMessagesPerSecond: o.maxMessagesPerSecond }),
    ...(o.marketDataLines === undefined ? {} : { marketDataLines: o.marketDataLines }),
  };
  const proc = spawnTs('gateway-ib', 'services/gateway-ib/src/main.ts', {
    nodeArgs: o.nodeArgs ?? [],
    env: {
      NATS_URL: o.natsUrl,
      LOG_LEVEL: 'warn',
      GATEWAY_TYPE: uniqueToken('g'),
      IB_BROKERS: JSON.stringify([{ name: broker, connection }]),
      ...o.env,
    },
  });
  const failed = proc.exited.then((code) => {
    throw new Error(`gateway-ib exited (${code}) while starting`);
  });
  failed.catch(() => undefined);
  await Promise.race([waitForBroker(bus, broker), failed]);
  return { proc, broker };
}

export function waitForBroker(bus: Bus, broker: string): Promise<void> {
  return waitFor(
    async () => {
      const r = await bus.request<BrokerStatusReply>(
        Subjects.brokerCommand.build({ broker, verb: 'status' }),
        { v: 1 },
        { timeoutMs: 1_000 },
      );
      return r.ok && r.status.state === 'connected';
    },
    60_000,
    `broker ${broker} connected`,
  );
}
