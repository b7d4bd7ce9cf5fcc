/**
 * What a service's main.ts wires: one registry, the bus observer, the database plugin, and the HTTP endpoint when
 * METRICS_PORT is set. Readiness follows the service: not ready until `ready()` (start-up done), and not ready
 * again once `stopping()` is called.
 */
import type { BusObserver } from '@trading-system/bus';
import type { Logger } from '@trading-system/runtime';
import type { Kysely } from 'kysely';
import { busObserver } from './bus-observer.js';
import type { MetricsConfig } from './config.js';
import { instrumentDatabase } from './database.js';
import { createRegistry, type Registry } from './registry.js';
import { type MetricsServer, startMetricsServer } from './server.js';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly bus: BusObserver;
  /** The endpoint, when METRICS_PORT is set. */
  readonly server: MetricsServer | undefined;
  database<DB>(db: Kysely<DB>): Kysely<DB>;
  /** Start-up is done: /readyz answers 200. */
  ready(): void;
  /** Shutdown began: /readyz answers 503. */
  stopping(): void;
  stop(): Promise<void>;
}

export async function startServiceMetrics(options: {
  readonly service: string;
  readonly config: MetricsConfig;
  readonly logger: Pick<Logger, 'info'>;
}): Promise<ServiceMetrics> {
  const registry = createRegistry({ service: options.service });
  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  const { METRICS_PORT: port, METRICS_HOST: host } = options.config;
  const server =
    port === undefined
      ? undefined
      : await startMetricsServer({
          registry,
          host,
          port,
          readiness: { notReady: () => (state === 'ready' ? undefined : state) },
        });
  if (server !== undefined) options.logger.info({ url: server.url }, 'metrics endpoint: /metrics, /healthz, /readyz');
  return {
    registry,
    bus: busObserver(registry),
    server,
    database: (db) => instrumentDatabase(db, registry),
    ready() {
      if (state === 'starting') state = 'ready';
    },
    stopping() {
      state = 'stopping';
    },
    stop: async () => {
      state = 'stopping';
      await server?.stop();
    },
  };
}
