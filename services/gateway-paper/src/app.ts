/**
 * gateway-paper: hosts paper brokers. Each is the shared exchange core matching orders against another broker's
 * live quotes, with its books in Postgres (its own schema), behind the same bus contract as gateway-ib:
 * `broker.<name>.cmd.*`, facts on `broker.<name>.evt.*` (BROKER_EVENTS), `broker.<name>.status`, and
 * `gateway.<type>.cmd.listBrokers`.
 */
import type { Bus, Subscription } from '@trading-system/bus';
import { BROKER_EVENTS_STREAM, Subjects } from '@trading-system/contracts';
import type { Clock } from '@trading-system/exchange';
import type { Logger } from '@trading-system/runtime';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import { type BrokerOptions, PaperBroker, type PaperBrokerConfig } from './broker.js';
import type { PaperDb } from './db-types.js';
import { migrations } from './migrations/index.js';

export type { PaperBrokerConfig } from './broker.js';

export interface PaperGatewayDeps {
  readonly bus: Bus;
  /** The database; the gateway migrates and uses `schema` in it. */
  // biome-ignore lint/suspicious/noExplicitAny: the caller's database holds other services' schemas too
  readonly db: Kysely<any>;
  readonly logger: Logger;
  /** Postgres schema of the paper books (default `paper`). */
  readonly schema?: string;
  /** Token of `gateway.<type>.cmd.*` (default `paper`). */
  readonly gatewayType?: string;
  readonly brokers: readonly PaperBrokerConfig[];
  /** Time of the paper market (default the wall clock); tests move it to a session end. */
  readonly clock?: Clock;
  readonly brokerOptions?: Partial<Omit<BrokerOptions, 'clock'>>;
}

export interface PaperGateway {
  stop(): Promise<void>;
}

export async function start(deps: PaperGatewayDeps): Promise<PaperGateway> {
  const schema = deps.schema ?? 'paper';
  const gatewayType = deps.gatewayType ?? 'paper';
  const log = deps.logger.child({ component: 'gateway-paper' });
  await migrateToLatest(deps.db, { schema, migrations });
  const db = deps.db.withSchema(schema) as Kysely<PaperDb>;
  await deps.bus.jetstream.ensureStream({
    name: BROKER_EVENTS_STREAM.name,
    subjects: BROKER_EVENTS_STREAM.subjects,
    storage: BROKER_EVENTS_STREAM.storage,
    duplicateWindowMs: BROKER_EVENTS_STREAM.duplicateWindowMs,
  });
  const options: BrokerOptions = {
    clock: deps.clock ?? { nowMs: () => Date.now() },
    statusEveryMs: deps.brokerOptions?.statusEveryMs ?? 5_000,
    stepEveryMs: deps.brokerOptions?.stepEveryMs ?? 1_000,
    sourceTimeoutMs: deps.brokerOptions?.sourceTimeoutMs ?? 15_000,
  };
  const brokers: PaperBroker[] = [];
  for (const config of deps.brokers) brokers.push(await PaperBroker.start(deps.bus, db, config, options, log));
  log.info({ brokers: brokers.map((b) => b.config.name) }, 'paper brokers started');

  const subs: Subscription[] = [
    deps.bus.serve(Subjects.gatewayCommand.build({ type: gatewayType, verb: 'listBrokers' }), async () => ({
      v: 1,
      ok: true,
      brokers: brokers.map((b) => b.info()),
    })),
  ];

  return {
    async stop() {
      for (const s of subs) s.unsubscribe();
      for (const b of brokers) await b.stop();
    },
  };
}
