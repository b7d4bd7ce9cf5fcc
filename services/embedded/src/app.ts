/**
 * Every part of the system in one process: the bus (in-process unless NATS_URL is set), one database (PGlite unless
 * DATABASE_URL is set; each service migrates and uses its own schema), ib-sim as the broker, gateway-ib connected to
 * it over TCP, gateway-paper (paper brokers on another broker's quotes, added at run time: `addBroker('paper1',
 * 'paper', { quotesFrom: 'sim' })`), gateway-alpaca (Alpaca brokers added at run time: `addBroker('alpaca1',
 * 'alpaca', { tradingUrl, ... })`, on Alpaca or an alpaca-sim), then orders, market-data and history. Each keeps its
 * own `start(deps) → { stop }`; they are stopped in reverse order of starting, then the database and the bus are
 * closed.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Bus, openBus } from '@trading-system/bus';
import { catalog, DURABLE_CONSUMERS, IbConnectionConfig, Subjects } from '@trading-system/contracts';
import { type AlpacaGateway, start as startAlpacaGateway } from '@trading-system/gateway-alpaca';
import { type Gateway, registerGatewayMetrics, start as startGateway } from '@trading-system/gateway-ib';
import {
  type PaperGateway,
  migrations as paperMigrations,
  start as startPaperGateway,
} from '@trading-system/gateway-paper';
import {
  type History,
  historyMetrics,
  migrations as historyMigrations,
  start as startHistory,
} from '@trading-system/history';
import type { RunningSim } from '@trading-system/ib-sim';
import {
  type MarketDataService,
  registerMarketDataMetrics,
  start as startMarketData,
} from '@trading-system/market-data';
import type { ServiceMetrics } from '@trading-system/metrics';
import {
  ORDERS_DEFAULTS,
  type OrdersDb,
  migrations as ordersMigrations,
  type RunningOrders,
  registerOmsMetrics,
  start as startOrders,
} from '@trading-system/orders';
import { databaseOptions, type Logger, natsConnectionSettings } from '@trading-system/runtime';
import {
  createDatabase,
  type Database,
  type Kysely,
  type Migration,
  migrateToLatest,
  sql,
} from '@trading-system/storage';
import type { EmbeddedConfig } from './config.js';
import { preparePgliteDataDir } from './pglite-template.js';
import { startSimOn } from './sim-port.js';
import { waitForBroker } from './wait-for-broker.js';

export interface Embedded {
  readonly bus: Bus;
  readonly busKind: 'memory' | 'nats';
  readonly databaseKind: 'pglite' | 'pg';
  readonly sim: RunningSim | undefined;
  /** Name of the broker connection orders are routed to (`sim` by default). */
  readonly broker: string;
  /** Gateway type token of `gateway.<type>.cmd.*` (addBroker / removeBroker / listBrokers). */
  readonly gatewayType: string;
  readonly gateway: Gateway;
  /** Gateway type token of the paper gateway's `gateway.<type>.cmd.*` (default `paper`). */
  readonly paperGatewayType: string;
  readonly paperGateway: PaperGateway;
  /** Gateway type token of the Alpaca gateway's `gateway.<type>.cmd.*` (default `alpaca`). */
  readonly alpacaGatewayType: string;
  readonly alpacaGateway: AlpacaGateway;
  readonly orders: RunningOrders;
  readonly marketData: MarketDataService;
  readonly history: History;
  /** True once the broker session was ready during start-up (false: still connecting, see the logs). */
  readonly brokerReady: boolean;
  /** Lines telling a person where things are and how to connect. */
  describe(): string[];
  /** Stops every service in reverse order, then closes the database and the bus. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Names that must differ when several systems share one NATS server and one Postgres database (tests). The
 * defaults are the production names.
 */
export interface EmbeddedNaming {
  /** Gateway type token (default `ib`). */
  readonly gatewayType?: string;
  /** Gateway type token of the paper gateway (default `paper`). */
  readonly paperGatewayType?: string;
  /** Gateway type token of the Alpaca gateway (default `alpaca`). */
  readonly alpacaGatewayType?: string;
  /** Postgres schemas of the services (default `orders`, `history`, `paper`). */
  readonly schemas?: { readonly orders?: string; readonly history?: string; readonly paper?: string };
  /** Suffix of the durable consumer names (default none). */
  readonly durableSuffix?: string;
  /**
   * History answers hist.* only for this system's broker and reads only its order events (default false: every
   * broker). For a system sharing a NATS server with others.
   */
  readonly scopeHistoryToBroker?: boolean;
}

export interface EmbeddedDeps {
  readonly config: EmbeddedConfig;
  readonly logger: Logger;
  /** Called when the NATS connection is gone for good (distributed bus only). */
  readonly onBusLost?: (err: Error) => void;
  readonly naming?: EmbeddedNaming;
  /** Route orders to brokers added at run time (default ORDERS_ADOPT_BROKERS, true). */
  readonly adoptBrokers?: boolean;
  /** The process's metrics (METRICS_PORT): every service's series in one registry (default: none). */
  readonly metrics?: ServiceMetrics;
  /**
   * Where gateway-alpaca reads the API keys an Alpaca broker's settings name (`keyIdEnv`, `secretKeyEnv`; default
   * process.env): keys stay in this process, never on the bus.
   */
  readonly alpacaEnv?: NodeJS.ProcessEnv;
}

/**
 * The template holds the services' schemas already migrated (default schema names only: tests that pick their own
 * names migrate them at start). Its key is every migration's name and source text, so a changed or added migration
 * makes a new template.
 */
const SHARED_BUFFERS = '32MB';

const gatewayCommands = (type: string): string => Subjects.gatewayCommand.filter({ type });

function migratedTemplate(naming: EmbeddedNaming) {
  const sets: Array<{ schema: string; migrations: Readonly<Record<string, Migration>> }> = [
    { schema: naming.schemas?.orders ?? ORDERS_DEFAULTS.schema, migrations: ordersMigrations },
    { schema: naming.schemas?.history ?? 'history', migrations: historyMigrations },
    { schema: naming.schemas?.paper ?? 'paper', migrations: paperMigrations },
  ].filter((s) => s.schema === 'orders' || s.schema === 'history' || s.schema === 'paper');
  const key = JSON.stringify([
    SHARED_BUFFERS,
    sets.map((s) => [s.schema, Object.entries(s.migrations).map(([name, m]) => [name, String(m.up)])]),
  ]);
  return {
    key,
    fill: async (db: Kysely<unknown>) => {
      // Postgres' default 128 MB buffer pool lives inside PGlite's WASM memory; one local user needs far less.
      await sql`alter system set shared_buffers = ${sql.lit(SHARED_BUFFERS)}`.execute(db);
      for (const s of sets) await migrateToLatest(db, s);
    },
  };
}

export async function startEmbedded(deps: EmbeddedDeps): Promise<Embedded> {
  const { config, logger } = deps;
  const naming = deps.naming ?? {};
  const gatewayType = naming.gatewayType ?? 'ib';
  const paperGatewayType = naming.paperGatewayType ?? 'paper';
  const alpacaGatewayType = naming.alpacaGatewayType ?? 'alpaca';
  const durable = (name: string): string => `${name}${naming.durableSuffix ?? ''}`;
  const broker = config.BROKER_NAME;
  const nats = natsConnectionSettings(config);
  const bus = await openBus({
    connection: nats,
    name: 'trading-system',
    catalog,
    log: logger.child({ component: 'bus' }),
    ...(deps.metrics === undefined ? {} : { observer: deps.metrics.bus }),
    onLost: (err) => deps.onBusLost?.(err),
  });
  const stops: Array<() => Promise<void>> = [() => bus.drain()];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        // Keep stopping the rest: one stuck component must not leave the others (and the database) open.
        logger.error({ err }, 'stopping a component failed');
      }
    }
  };
  try {
    let dbOptions = databaseOptions(config, 'trading-system');
    if (dbOptions.kind === 'pglite' && dbOptions.dataDir !== undefined) {
      // PGlite creates its own directory but not the parents: a fresh clone has no `.data/` yet.
      if (!dbOptions.dataDir.includes('://')) await mkdir(dirname(resolve(dbOptions.dataDir)), { recursive: true });
      const prepared = await preparePgliteDataDir(dbOptions.dataDir, {
        log: logger.child({ component: 'pglite' }),
        ...migratedTemplate(naming),
      });
      stops.push(() => prepared.release()); // after the database is closed (stops run in reverse)
      dbOptions = { ...dbOptions, dataDir: prepared.dataDir };
    }
    const database: Database<OrdersDb> = await createDatabase<OrdersDb>(dbOptions);
    stops.push(() => database.close());
    // Statement latency per table when metrics are on (the OMS's ledger writes among them).
    const db = deps.metrics === undefined ? database.db : deps.metrics.database(database.db);

    const sim = config.SIM_ENABLED ? await startSimOn(config, logger.child({ component: 'ib-sim' })) : undefined;
    if (sim !== undefined) stops.push(() => sim.stop());

    const connection = IbConnectionConfig.parse({
      host: sim === undefined ? config.IB_HOST : sim.host,
      port: sim === undefined ? config.IB_PORT : sim.port,
      clientId: sim === undefined ? config.IB_CLIENT_ID : config.SIM_CLIENT_ID,
      paper: true,
    });
    const gateway = await startGateway({
      bus,
      logger: logger.child({ part: 'gateway-ib' }),
      brokers: [{ name: broker, connection }],
      gatewayType,
    });
    stops.push(() => gateway.stop());
    const hosted = gateway.broker(broker);
    const brokerReady = hosted === undefined ? false : await waitForBroker(hosted.conn, config.BROKER_READY_TIMEOUT_MS);
    if (!brokerReady)
      logger.warn({ broker, host: connection.host, port: connection.port }, 'broker session not ready yet');

    // Paper brokers are added at run time; their books live in schema `paper` of the same database.
    const paperGateway = await startPaperGateway({
      bus,
      db,
      logger: logger.child({ part: 'gateway-paper' }),
      schema: naming.schemas?.paper ?? 'paper',
      gatewayType: paperGatewayType,
      brokers: [],
    });
    stops.push(() => paperGateway.stop());

    // Alpaca brokers are added at run time too; gateway-alpaca keeps no state (Alpaca holds the orders).
    const alpacaGateway = await startAlpacaGateway({
      bus,
      logger: logger.child({ part: 'gateway-alpaca' }),
      gatewayType: alpacaGatewayType,
      brokers: [],
      ...(deps.alpacaEnv === undefined ? {} : { env: deps.alpacaEnv }),
    });
    stops.push(() => alpacaGateway.stop());

    const orders = await startOrders({
      bus,
      db,
      logger: logger.child({ part: 'orders' }),
      config: {
        ...ORDERS_DEFAULTS,
        schema: naming.schemas?.orders ?? ORDERS_DEFAULTS.schema,
        brokers: [{ name: broker }],
        // A broker added at run time (SDK addBroker) is tradable at once, on the in-process bus and on NATS alike;
        // several systems sharing one NATS server set ORDERS_ADOPT_BROKERS=false.
        adoptBrokers: deps.adoptBrokers ?? config.ORDERS_ADOPT_BROKERS,
        durablePrefix: durable(ORDERS_DEFAULTS.durablePrefix),
      },
    });
    stops.push(() => orders.stop());

    const marketData = await startMarketData({ bus, logger: logger.child({ part: 'market-data' }) });
    stops.push(() => marketData.stop());

    const history = await startHistory({
      bus,
      db,
      logger: logger.child({ part: 'history' }),
      ...(deps.metrics === undefined ? {} : { observer: historyMetrics(deps.metrics.registry) }),
      config: {
        schema: naming.schemas?.history ?? 'history',
        ordersDurable: durable(DURABLE_CONSUMERS.historyOrders),
        ...(naming.scopeHistoryToBroker === true
          ? { brokers: [broker], ordersFilterSubject: Subjects.orderEvent.filter({ broker }) }
          : {}),
      },
    });
    stops.push(() => history.stop());

    if (deps.metrics !== undefined) {
      const registry = deps.metrics.registry;
      registerOmsMetrics(registry, database.db.withSchema(naming.schemas?.orders ?? ORDERS_DEFAULTS.schema));
      registerGatewayMetrics(registry, gateway);
      registerMarketDataMetrics(registry, marketData);
    }

    return {
      bus,
      busKind: nats === undefined ? 'memory' : 'nats',
      databaseKind: database.kind,
      sim,
      broker,
      gatewayType,
      gateway,
      paperGatewayType,
      paperGateway,
      alpacaGatewayType,
      alpacaGateway,
      orders,
      marketData,
      history,
      brokerReady,
      describe: () => [
        nats === undefined
          ? 'bus: in-process (set NATS_URL to share the system with other processes and languages)'
          : `bus: NATS at ${nats.servers.join(',')}`,
        dbOptions.kind === 'pg'
          ? `database: PostgreSQL (DATABASE_URL), schemas ${naming.schemas?.orders ?? 'orders'} and ${naming.schemas?.history ?? 'history'}`
          : config.PGLITE_DATA_DIR.startsWith('memory://')
            ? 'database: PGlite, nothing kept after shutdown (set PGLITE_DATA_DIR to keep it, DATABASE_URL for PostgreSQL)'
            : `database: PGlite in ${config.PGLITE_DATA_DIR} (set DATABASE_URL for PostgreSQL)`,
        sim === undefined
          ? `broker ${broker}: TWS / IB Gateway at ${connection.host}:${connection.port} (SIM_ENABLED=false)`
          : `broker ${broker}: ib-sim (TWS API, paper account) on ${sim.host}:${sim.port}; connect any IB client to it`,
        `services: gateway-ib (${gatewayCommands(gatewayType)}), gateway-paper (${gatewayCommands(paperGatewayType)}), ` +
          `gateway-alpaca (${gatewayCommands(alpacaGatewayType)}), orders (orders.*), market-data (md.*), history (hist.*)`,
        nats === undefined
          ? 'connect: in this process only; the SDK (TradingSystem.open()) starts its own embedded system'
          : `connect: TradingSystem.open({ natsUrl }) or any NATS client; subjects in docs/subjects.md`,
      ],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
