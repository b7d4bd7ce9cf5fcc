/**
 * How a TradingSystem reaches the system: a NATS connection to a deployed stack (NATS_URL / `natsUrl`), or the
 * whole system started in this process through the in-process runtime port (in-process.ts; by default the
 * embedded system: in-process bus, PGlite, ib-sim as broker `sim`).
 */
import { type Bus, createNatsBus, redactUrl } from '@trading-system/bus';
import { type BrokerType, ContractError, catalog } from '@trading-system/contracts';
import {
  createLogger,
  type Logger,
  type LogLevel,
  loadConfig,
  NatsOnlyConfig,
  natsConnectionSettings,
  secretValues,
} from '@trading-system/runtime';
import { sdkError, toSdkError } from './errors.js';
import { defaultRuntime, type InProcessRuntime, type InProcessSystem } from './in-process.js';

export interface OpenOptions {
  /** NATS server(s) of a deployed stack (default `process.env.NATS_URL`); unset = start the system in-process. */
  readonly natsUrl?: string;
  /** Broker connection used when a call names none (default `sim`, or BROKER_NAME). */
  readonly defaultBroker?: string;
  /**
   * Token of the system's gateway (`gateway.<token>.cmd.*`): where removeBroker / listBrokers go when they name no
   * broker type (default GATEWAY_TYPE, else `ib`, the default stack's gateway). It says nothing about the broker type
   * it hosts: addBroker learns that from the gateway itself (listBrokers' `brokerType`).
   */
  readonly gatewayType?: string;
  /**
   * The gateway token hosting each broker type, where it is not the type's own name (`{ ib: 'ib_east' }`); the
   * embedded system knows its own. A type not named here goes to the system's gateway when that one says it hosts
   * the type, else to the token of the type's name.
   */
  readonly gateways?: Readonly<Partial<Record<BrokerType, string>>>;
  /** Deadline of one request, ms (default 15 000). History downloads have their own idle timeout. */
  readonly requestTimeoutMs?: number;
  /** Log level of the SDK and, embedded, of every service (default LOG_LEVEL or `warn`); logs go to stderr. */
  readonly logLevel?: LogLevel;
  /** Environment read for defaults and the embedded system's config (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Embedded system only. */
  readonly embedded?: {
    /** ib-sim port (default SIM_PORT, else 7497 when free, else any free port; 0 = any free port). */
    readonly simPort?: number;
    /** PGlite data directory (default PGLITE_DATA_DIR, else `memory://`: nothing kept after shutdown). */
    readonly pgliteDataDir?: string;
    /** PostgreSQL instead of PGlite (DATABASE_URL of the environment is ignored here: embedded means self-contained). */
    readonly databaseUrl?: string;
  };
  /** What starts the system in this process when there is no NATS_URL (default: the embedded system's package). */
  readonly runtime?: InProcessRuntime;
}

export interface Connection {
  readonly bus: Bus;
  readonly mode: 'embedded' | 'nats';
  readonly logger: Logger;
  /** Where things are, for people (no credentials). */
  readonly where: string[];
  /** The in-process system, when embedded. */
  readonly embedded: InProcessSystem | undefined;
  close(): Promise<void>;
}

const LEVELS = new Set<string>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export async function connect(options: OpenOptions): Promise<Connection> {
  const env = options.env ?? process.env;
  const envLevel = env.LOG_LEVEL !== undefined && LEVELS.has(env.LOG_LEVEL) ? (env.LOG_LEVEL as LogLevel) : undefined;
  const level = options.logLevel ?? envLevel ?? 'warn';
  const natsUrl = options.natsUrl ?? (env.NATS_URL === '' ? undefined : env.NATS_URL);
  if (natsUrl !== undefined) {
    const shown = natsUrl
      .split(',')
      .map((u) => redactUrl(u.trim()))
      .join(',');
    try {
      // Read as the services read theirs: credentials (also inside the URL), TLS files, the inbox prefix.
      const natsConfig = loadConfig(NatsOnlyConfig, { ...env, NATS_URL: natsUrl });
      const settings = natsConnectionSettings(natsConfig);
      if (settings === undefined) throw new Error('NATS_URL is empty');
      const secrets = secretValues(natsConfig);
      const logger = createLogger({ service: 'sdk', level, destination: process.stderr, secrets });
      const bus = await createNatsBus({
        catalog,
        log: logger.child({ component: 'bus' }),
        connection: { ...settings, name: 'trading-system-sdk' },
      });
      const where = [`bus: NATS at ${shown}`];
      return { bus, mode: 'nats', logger, where, embedded: undefined, close: () => bus.drain() };
    } catch (err) {
      throw toSdkError(err, `connecting to NATS at ${shown}`);
    }
  }
  const logger = createLogger({ service: 'sdk', level, destination: process.stderr });
  const runtime = options.runtime ?? (await defaultRuntime());
  const e = options.embedded;
  let embedded: InProcessSystem;
  try {
    embedded = await runtime.start({
      env,
      logger,
      logLevel: level,
      ...(options.defaultBroker === undefined ? {} : { defaultBroker: options.defaultBroker }),
      ...(e?.simPort === undefined ? {} : { simPort: e.simPort }),
      ...(e?.pgliteDataDir === undefined ? {} : { pgliteDataDir: e.pgliteDataDir }),
      ...(e?.databaseUrl === undefined ? {} : { databaseUrl: e.databaseUrl }),
    });
  } catch (err) {
    // The runtime's refusals carry registry codes (BROKER_UNREACHABLE: what to start); they are the SDK's errors.
    if (err instanceof ContractError)
      throw sdkError(err.code, err.message, {
        cause: err,
        ...(err.details === undefined ? {} : { details: err.details }),
      });
    throw err;
  }
  return embeddedConnection(embedded, logger, () => embedded.stop());
}

/** A connection to an in-process system; `close` is what ending the connection does to it (stop it, or nothing). */
export function embeddedConnection(embedded: InProcessSystem, logger: Logger, close: () => Promise<void>): Connection {
  return { bus: embedded.bus, mode: 'embedded', logger, where: embedded.describe(), embedded, close };
}
