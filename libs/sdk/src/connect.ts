/**
 * How a TradingSystem reaches the system: a NATS connection to a deployed stack (NATS_URL / `natsUrl`), or the
 * whole system started in this process (services/embedded: in-process bus, PGlite, ib-sim as broker `sim`).
 */
import { type Bus, createNatsBus, redactUrl } from '@trading-system/bus';
import { type BrokerType, catalog } from '@trading-system/contracts';
import type { Embedded, EmbeddedNaming } from '@trading-system/embedded';
import {
  createLogger,
  type Logger,
  type LogLevel,
  loadConfig,
  NatsOnlyConfig,
  natsConnectionSettings,
  secretValues,
} from '@trading-system/runtime';
import { unreachableReason } from './broker-probe.js';
import { sdkError, toSdkError } from './errors.js';

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
    /** Names for several systems on one NATS server / database (tests). */
    readonly naming?: EmbeddedNaming;
  };
}

export interface Connection {
  readonly bus: Bus;
  readonly mode: 'embedded' | 'nats';
  readonly logger: Logger;
  /** Where things are, for people (no credentials). */
  readonly where: string[];
  /** The in-process system, when embedded. */
  readonly embedded: Embedded | undefined;
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
  // Loaded only here: a client of a deployed system (NATS_URL) never loads the services' code (~2 s per process).
  const { EmbeddedConfig, startEmbedded } = await import('@trading-system/embedded');
  const simPort = options.embedded?.simPort ?? (env.SIM_PORT === '' ? undefined : env.SIM_PORT);
  const config = loadConfig(EmbeddedConfig, {
    ...env,
    NATS_URL: undefined,
    DATABASE_URL: options.embedded?.databaseUrl,
    LOG_LEVEL: level,
    // TWS paper's port, so code written for paper TWS (`port: 7497`) reaches the built-in ib-sim; when a TWS or
    // another system holds it, any free port (and 7497 keeps reaching whoever holds it).
    SIM_PORT: String(simPort ?? 7497),
    SIM_PORT_FALLBACK: simPort === undefined ? 'true' : 'false',
    PGLITE_DATA_DIR: options.embedded?.pgliteDataDir ?? env.PGLITE_DATA_DIR ?? 'memory://',
    ...(options.defaultBroker === undefined ? {} : { BROKER_NAME: options.defaultBroker }),
  });
  if (!config.SIM_ENABLED) {
    // A script on a real TWS / IB Gateway: nothing there is said at once, not after the broker wait and its retries.
    const why = await unreachableReason(config.IB_HOST, config.IB_PORT, 3_000);
    if (why !== undefined)
      throw sdkError(
        'BROKER_UNREACHABLE',
        `broker ${config.BROKER_NAME}: nothing accepts connections at ${config.IB_HOST}:${config.IB_PORT} (${why}). ` +
          'Start TWS or IB Gateway there with the API enabled, or leave SIM_ENABLED unset to trade on the built-in ' +
          'paper broker `sim` (ib-sim)',
      );
  }
  const embedded = await startEmbedded({
    config,
    logger,
    ...(options.embedded?.naming === undefined ? {} : { naming: options.embedded.naming }),
  });
  return embeddedConnection(embedded, logger, () => embedded.stop());
}

/** A connection to an in-process system; `close` is what ending the connection does to it (stop it, or nothing). */
export function embeddedConnection(embedded: Embedded, logger: Logger, close: () => Promise<void>): Connection {
  return { bus: embedded.bus, mode: 'embedded', logger, where: embedded.describe(), embedded, close };
}
