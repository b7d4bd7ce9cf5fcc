/**
 * Every part of the system in one process: the bus (in-process unless NATS_URL is set), storage (PGlite unless
 * DATABASE_URL is set) and ib-sim as the broker. Services register here as they are built; each keeps its own
 * `start(deps) → { stop }` and is stopped in reverse order.
 */
import { type Bus, createMemoryBus, createNatsBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { type RunningSim, startSim } from '@trading-system/ib-sim';
import { type Logger, type NatsConnectionSettings, natsConnectionSettings } from '@trading-system/runtime';
import type { EmbeddedConfig } from './config.js';

export interface Embedded {
  readonly bus: Bus;
  readonly busKind: 'memory' | 'nats';
  readonly sim: RunningSim | undefined;
  /** Lines telling a person where things are and how to connect. */
  describe(): string[];
  stop(): Promise<void>;
}

export interface EmbeddedDeps {
  readonly config: EmbeddedConfig;
  readonly logger: Logger;
  /** Called when the NATS connection is gone for good (distributed bus only). */
  readonly onBusLost?: (err: Error) => void;
}

async function openBus(nats: NatsConnectionSettings | undefined, deps: EmbeddedDeps): Promise<Bus> {
  const log = deps.logger.child({ component: 'bus' });
  if (nats === undefined) return createMemoryBus({ catalog, log });
  const bus = await createNatsBus({ catalog, log, connection: { ...nats, name: 'trading-system' } });
  void bus.closed.then((err) => {
    if (err !== undefined) deps.onBusLost?.(err);
  });
  return bus;
}

export async function startEmbedded(deps: EmbeddedDeps): Promise<Embedded> {
  const { config, logger } = deps;
  const nats = natsConnectionSettings(config);
  const bus = await openBus(nats, deps);
  const stops: Array<() => Promise<void>> = [() => bus.drain()];
  try {
    const sim = config.SIM_ENABLED
      ? await startSim({ port: config.SIM_PORT, host: config.SIM_HOST, logger: logger.child({ component: 'ib-sim' }) })
      : undefined;
    if (sim !== undefined) stops.push(() => sim.stop());
    return {
      bus,
      busKind: nats === undefined ? 'memory' : 'nats',
      sim,
      describe: () => [
        nats === undefined
          ? 'bus: in-process (set NATS_URL to share the system with other processes and languages)'
          : `bus: NATS at ${nats.servers.join(',')}`,
        sim === undefined
          ? 'broker: none started here (SIM_ENABLED=false)'
          : `broker: ib-sim (TWS API, paper account) on ${sim.host}:${sim.port}; connect any IB client to it`,
      ],
      stop: async () => {
        for (const stop of stops.reverse()) await stop();
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop();
    throw err;
  }
}
