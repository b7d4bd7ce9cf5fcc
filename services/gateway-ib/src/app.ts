/**
 * gateway-ib: hosts named IB broker connections (`ib_paper`, `ib_live`, ...) and exposes each on the
 * `broker.<name>.*` contract; brokers are configured at start and added/removed at run time on
 * `gateway.<type>.cmd.addBroker` / `removeBroker` / `listBrokers`.
 */
import { type Bus, type Subscription, toStreamConfig } from '@trading-system/bus';
import {
  type AddBrokerRequest,
  BROKER_EVENTS_STREAM,
  BROKER_ORDER_IDS_STREAM,
  BROKER_STATUS_STREAM,
  ContractError,
  type IbConnectionConfig,
  type RemoveBrokerRequest,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type BrokerOptions, HostedBroker, toErrorReply } from './broker.js';
import { HistoryPacer } from './history-pacing.js';
import { HistoryScheduler } from './history-scheduler.js';
import { assertPaperGuard } from './paper-guard.js';

/** The broker type whose connections this gateway opens (contracts brokers/ib.ts). */
const HOSTED_TYPE = 'ib';

export interface BrokerConfig {
  readonly name: string;
  readonly connection: IbConnectionConfig;
}

export interface GatewayDeps {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly brokers: readonly BrokerConfig[];
  /** Gateway type token of `gateway.<type>.cmd.*` (default `ib`; tests use a unique one). */
  readonly gatewayType?: string;
  /** Tuning for tests (backoff, pacing scale, staleness). */
  readonly brokerOptions?: BrokerOptions;
}

export interface Gateway {
  broker(name: string): HostedBroker | undefined;
  /** Every connection hosted now (for metrics). */
  brokers(): readonly HostedBroker[];
  stop(): Promise<void>;
}

export async function start(deps: GatewayDeps): Promise<Gateway> {
  const { bus, logger } = deps;
  const type = deps.gatewayType ?? 'ib';
  const brokers = new Map<string, HostedBroker>();
  const subs: Subscription[] = [];
  // The last status per broker, kept so a newcomer (or history while this gateway is down) reads it at once.
  await bus.jetstream.ensureStream(toStreamConfig(BROKER_STATUS_STREAM));
  // Broker facts are durable: the stream must exist before the first connection publishes into it.
  await bus.jetstream.ensureStream(toStreamConfig(BROKER_EVENTS_STREAM));
  // Order id high-water marks: read before a broker's first order id, written before any id below them is used.
  await bus.jetstream.ensureStream(toStreamConfig(BROKER_ORDER_IDS_STREAM));

  // IB paces historical data per login, not per API client: connections to one host:port share one scheduler.
  const historySchedulers = new Map<string, HistoryScheduler>();
  const historySchedulerOf = (c: IbConnectionConfig): HistoryScheduler => {
    const key = `${c.host}:${c.port}`;
    let s = historySchedulers.get(key);
    if (s === undefined) {
      s = new HistoryScheduler(new HistoryPacer(deps.brokerOptions?.historyPacing));
      historySchedulers.set(key, s);
    }
    return s;
  };

  const add = (name: string, connection: IbConnectionConfig): HostedBroker => {
    if (brokers.has(name)) throw new ContractError('BROKER_EXISTS', `broker ${name} already exists`);
    assertPaperGuard(name, connection);
    for (const b of brokers.values()) {
      const c = b.config;
      if (c.host === connection.host && c.port === connection.port && c.clientId === connection.clientId) {
        throw new ContractError(
          'VALIDATION_FAILED',
          `clientId ${c.clientId} at ${c.host}:${c.port} is used by ${b.name}`,
        );
      }
    }
    const b = new HostedBroker(
      name,
      connection,
      bus,
      logger.child({ broker: name }),
      type,
      deps.brokerOptions,
      historySchedulerOf(connection),
    );
    brokers.set(name, b);
    b.start();
    logger.info(
      { broker: name, host: connection.host, port: connection.port, clientId: connection.clientId },
      'broker added',
    );
    return b;
  };

  for (const b of deps.brokers) add(b.name, b.connection);

  const serve = (verb: 'addBroker' | 'removeBroker' | 'listBrokers', fn: (body: never) => Promise<unknown>): void => {
    const subject = Subjects.gatewayCommand.build({ type, verb });
    subs.push(
      bus.serve(subject, async (body) => {
        try {
          return await fn(body as never);
        } catch (err) {
          return toErrorReply(err, logger, subject);
        }
      }),
    );
  };
  serve('addBroker', async (req: AddBrokerRequest) => {
    // The contract's union may hold types this gateway does not host (another gateway's): refuse them by name.
    const c = req.connection;
    if (c.type !== HOSTED_TYPE)
      throw new ContractError('BROKER_TYPE_UNKNOWN', `gateway-ib hosts broker type ${HOSTED_TYPE}, not ${c.type}`, {
        details: { type: c.type, known: [HOSTED_TYPE] },
      });
    const { type: _type, ...connection } = c;
    return { v: 1, ok: true, broker: add(req.name, connection).info() };
  });
  serve('removeBroker', async (req: RemoveBrokerRequest) => {
    const b = brokers.get(req.name);
    if (b === undefined) throw new ContractError('BROKER_UNKNOWN', `no broker named ${req.name}`);
    brokers.delete(req.name);
    await b.stop();
    logger.info({ broker: req.name }, 'broker removed');
    return { v: 1, ok: true, name: req.name };
  });
  serve('listBrokers', async () => ({
    v: 1,
    ok: true,
    brokers: [...brokers.values()].map((b) => b.info()),
    brokerType: HOSTED_TYPE,
  }));
  // Started means answering: the server holds our subscriptions before a client can ask.
  await bus.flush();

  return {
    broker: (name) => brokers.get(name),
    brokers: () => [...brokers.values()],
    async stop() {
      for (const s of subs.splice(0)) s.unsubscribe();
      await Promise.all([...brokers.values()].map((b) => b.stop()));
      brokers.clear();
      for (const s of historySchedulers.values()) s.stop();
    },
  };
}
