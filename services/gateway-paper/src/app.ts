/**
 * gateway-paper: hosts paper brokers. Each is the shared exchange core matching orders against another broker's
 * live quotes, with its books in Postgres (its own schema), behind the same bus contract as gateway-ib:
 * `broker.<name>.cmd.*`, facts on `broker.<name>.evt.*` (BROKER_EVENTS), `broker.<name>.status`, and
 * `gateway.<type>.cmd.addBroker` / `removeBroker` / `listBrokers` (a broker added again under its name resumes
 * its books).
 */
import { type Bus, type Subscription, toStreamConfig } from '@trading-system/bus';
import {
  BROKER_EVENTS_STREAM,
  BROKER_STATUS_STREAM,
  type BrokerInfo,
  ContractError,
  errorReply,
  errorReplyOf,
  type GatewayCommandVerb,
  PAPER_BROKER_TYPE,
  Subjects,
} from '@trading-system/contracts';
import type { Clock } from '@trading-system/exchange';
import type { Logger } from '@trading-system/runtime';
import { type Kysely, migrateToLatest } from '@trading-system/storage';
import { type BrokerOptions, PaperBroker, type PaperBrokerConfig } from './broker.js';
import { PaperBrokerConnection } from './connection.js';
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
  /** The hosted brokers as listBrokers answers (the metrics read their state at scrape time). */
  brokers(): BrokerInfo[];
  stop(): Promise<void>;
}

export async function start(deps: PaperGatewayDeps): Promise<PaperGateway> {
  const schema = deps.schema ?? 'paper';
  const gatewayType = deps.gatewayType ?? PAPER_BROKER_TYPE;
  const log = deps.logger.child({ component: 'gateway-paper' });
  await migrateToLatest(deps.db, { schema, migrations });
  const db = deps.db.withSchema(schema) as Kysely<PaperDb>;
  // The last status per broker, kept so a newcomer (or history while this gateway is down) reads it at once.
  await deps.bus.jetstream.ensureStream(toStreamConfig(BROKER_STATUS_STREAM));
  await deps.bus.jetstream.ensureStream(toStreamConfig(BROKER_EVENTS_STREAM));
  const options: BrokerOptions = {
    gatewayType,
    clock: deps.clock ?? { nowMs: () => Date.now() },
    statusEveryMs: deps.brokerOptions?.statusEveryMs ?? 5_000,
    stepEveryMs: deps.brokerOptions?.stepEveryMs ?? 1_000,
    sourceTimeoutMs: deps.brokerOptions?.sourceTimeoutMs ?? 15_000,
  };
  const brokers = new Map<string, PaperBroker>();
  /** Names being added: a second addBroker of the same name while the first starts is refused, not doubled. */
  const starting = new Set<string>();
  const add = async (config: PaperBrokerConfig): Promise<PaperBroker> => {
    if (brokers.has(config.name) || starting.has(config.name))
      throw new ContractError('BROKER_EXISTS', `broker ${config.name} already exists`);
    starting.add(config.name);
    try {
      const b = await PaperBroker.start(deps.bus, db, config, options, log);
      brokers.set(config.name, b);
      log.info({ broker: config.name, quotesFrom: config.quotesFrom }, 'paper broker added');
      return b;
    } finally {
      starting.delete(config.name);
    }
  };
  for (const config of deps.brokers) await add(config);

  const subs: Subscription[] = [];
  const serve = (verb: GatewayCommandVerb, fn: (body: never) => Promise<unknown>): void => {
    const subject = Subjects.gatewayCommand.build({ type: gatewayType, verb });
    subs.push(
      deps.bus.serve(subject, async (body) => {
        try {
          return await fn(body as never);
        } catch (err) {
          const reply = errorReplyOf(err);
          if (reply !== undefined) return reply;
          log.error({ err, subject }, 'gateway command failed');
          return errorReply('INTERNAL_ERROR', `${verb} failed: ${(err as Error).message}`);
        }
      }),
    );
  };
  serve('addBroker', async (req: { name: string; connection: { type: string } }) => {
    if (req.connection.type !== PAPER_BROKER_TYPE)
      throw new ContractError(
        'BROKER_TYPE_UNKNOWN',
        `gateway-paper hosts broker type paper, not ${req.connection.type}`,
        { details: { type: req.connection.type, known: [PAPER_BROKER_TYPE] } },
      );
    const parsed = PaperBrokerConnection.safeParse(req.connection);
    if (!parsed.success)
      throw new ContractError(
        'VALIDATION_FAILED',
        `connection: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const c = parsed.data;
    const b = await add({
      name: req.name,
      quotesFrom: c.quotesFrom,
      account: c.account,
      startingCash: c.startingCash,
      marketHours: c.marketHours,
      ...(c.replay === undefined ? {} : { replay: c.replay }),
    });
    return { v: 1, ok: true, broker: b.info() };
  });
  serve('removeBroker', async (req: { name: string }) => {
    const b = brokers.get(req.name);
    if (b === undefined) throw new ContractError('BROKER_UNKNOWN', `no broker named ${req.name}`);
    brokers.delete(req.name);
    await b.stop();
    log.info({ broker: req.name }, 'paper broker removed (its books stay: adding it again resumes them)');
    return { v: 1, ok: true, name: req.name };
  });
  serve('listBrokers', async () => ({
    v: 1,
    ok: true,
    brokers: [...brokers.values()].map((b) => b.info()),
    brokerType: PAPER_BROKER_TYPE,
  }));
  // Started means answering: the server holds our subscriptions before a client can ask.
  await deps.bus.flush();

  return {
    brokers: () => [...brokers.values()].map((b) => b.info()),
    async stop() {
      for (const s of subs.splice(0)) s.unsubscribe();
      await Promise.all([...brokers.values()].map((b) => b.stop()));
      brokers.clear();
    },
  };
}
