/**
 * gateway-alpaca: hosts Alpaca broker connections behind the same bus contract as gateway-ib and gateway-paper:
 * `broker.<name>.cmd.*`, facts on `broker.<name>.evt.*` (BROKER_EVENTS), `broker.<name>.status`, and
 * `gateway.<type>.cmd.addBroker` / `removeBroker` / `listBrokers`. It keeps no state of its own: Alpaca holds the
 * orders, and every identity the contract needs is derived from Alpaca's (mapping.ts).
 */
import { type Bus, type Subscription, toStreamConfig } from '@trading-system/bus';
import {
  ALPACA_BROKER_TYPE,
  AlpacaBrokerConnection,
  BROKER_EVENTS_STREAM,
  BROKER_STATUS_STREAM,
  type BrokerInfo,
  ContractError,
  errorReply,
  errorReplyOf,
  type GatewayCommandVerb,
  Subjects,
} from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { AlpacaHttpPort, type AlpacaKeys, type AlpacaPort } from './alpaca-port.js';
import { AlpacaBroker, type AlpacaBrokerConfig, type AlpacaBrokerOptions } from './broker.js';
import { RequestGovernor } from './governor.js';
import { cryptoStreamUrlOf, DATA_URL, dataStreamUrlOf, resolveKeys, tradingUrlOf } from './keys.js';

/** One broker to host: its settings (as addBroker carries them) under a name. */
export interface AlpacaBrokerSpec {
  readonly name: string;
  readonly connection: AlpacaBrokerConnection;
}

export interface AlpacaGatewayDeps {
  readonly bus: Bus;
  readonly logger: Logger;
  /** Token of `gateway.<type>.cmd.*` (default `alpaca`). */
  readonly gatewayType?: string;
  readonly brokers: readonly AlpacaBrokerSpec[];
  readonly brokerOptions?: Partial<AlpacaBrokerOptions>;
  /** Where keys are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface AlpacaGateway {
  /** The hosted brokers as listBrokers answers (the metrics read their state at scrape time). */
  brokers(): BrokerInfo[];
  stop(): Promise<void>;
}

export async function start(deps: AlpacaGatewayDeps): Promise<AlpacaGateway> {
  const gatewayType = deps.gatewayType ?? ALPACA_BROKER_TYPE;
  const log = deps.logger.child({ component: 'gateway-alpaca' });
  // The last status per broker, kept so a newcomer (or history while this gateway is down) reads it at once.
  await deps.bus.jetstream.ensureStream(toStreamConfig(BROKER_STATUS_STREAM));
  await deps.bus.jetstream.ensureStream(toStreamConfig(BROKER_EVENTS_STREAM));
  const options: AlpacaBrokerOptions = {
    gatewayType,
    statusEveryMs: deps.brokerOptions?.statusEveryMs ?? 5_000,
    minBackoffMs: deps.brokerOptions?.minBackoffMs ?? 250,
    maxBackoffMs: deps.brokerOptions?.maxBackoffMs ?? 10_000,
  };
  const brokers = new Map<string, AlpacaBroker>();
  const add = (spec: AlpacaBrokerSpec): AlpacaBroker => {
    if (brokers.has(spec.name)) throw new ContractError('BROKER_EXISTS', `broker ${spec.name} already exists`);
    const c = spec.connection;
    const tradingUrl = tradingUrlOf(c);
    const keys: AlpacaKeys = resolveKeys(c, deps.env);
    const port: AlpacaPort = new AlpacaHttpPort({
      tradingUrl,
      dataUrl: c.dataUrl ?? DATA_URL,
      keys,
      governor: new RequestGovernor(c.maxRequestsPerMinute),
    });
    const config: AlpacaBrokerConfig = {
      name: spec.name,
      paper: c.paper,
      tradingUrl,
      feed: c.feed,
      dataStreamUrl: dataStreamUrlOf(c.dataUrl, c.feed),
      cryptoStreamUrl: cryptoStreamUrlOf(c.dataUrl),
      maxRequestsPerMinute: c.maxRequestsPerMinute,
    };
    const b = new AlpacaBroker(deps.bus, config, port, keys, options, log.child({ broker: spec.name }));
    brokers.set(spec.name, b);
    b.start();
    log.info({ broker: spec.name, paper: c.paper, host: new URL(tradingUrl).host }, 'alpaca broker added');
    return b;
  };
  for (const spec of deps.brokers) add(spec);

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
    if (req.connection.type !== ALPACA_BROKER_TYPE)
      throw new ContractError(
        'BROKER_TYPE_UNKNOWN',
        `gateway ${gatewayType} hosts alpaca brokers, not ${req.connection.type}`,
      );
    const parsed = AlpacaBrokerConnection.safeParse(req.connection);
    if (!parsed.success)
      throw new ContractError(
        'VALIDATION_FAILED',
        `connection: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const b = add({ name: req.name, connection: parsed.data });
    return { v: 1, ok: true, broker: b.info() };
  });
  serve('removeBroker', async (req: { name: string }) => {
    const b = brokers.get(req.name);
    if (b === undefined) throw new ContractError('BROKER_UNKNOWN', `no broker named ${req.name}`);
    brokers.delete(req.name);
    await b.stop();
    log.info({ broker: req.name }, 'alpaca broker removed (its orders stay at Alpaca)');
    return { v: 1, ok: true, name: req.name };
  });
  serve('listBrokers', async () => ({
    v: 1,
    ok: true,
    brokers: [...brokers.values()].map((b) => b.info()),
    brokerType: ALPACA_BROKER_TYPE,
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
