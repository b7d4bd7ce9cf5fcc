import { BrokerName } from '@trading-system/contracts';
import { ibPortMismatch } from '@trading-system/gateway-ib';
import { metricsConfigShape } from '@trading-system/metrics';
import { ORDERS_DEFAULTS } from '@trading-system/orders';
import {
  checkDatabaseConfig,
  checkNatsConfig,
  databaseConfigShape,
  defaultedEnv,
  logConfigShape,
  natsConfigShape,
} from '@trading-system/runtime';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);

/**
 * The built-in broker's client id at ib-sim. IB refuses a second session with a client id in use, and the seed's
 * example connects with clientId 1 to 127.0.0.1:7497, where the built-in ib-sim listens: ours must not be 1.
 */
export const SIM_CLIENT_ID = 32_101;

/**
 * The all-in-one runtime. With no NATS_URL the bus is in-process; with no DATABASE_URL storage is PGlite in
 * PGLITE_DATA_DIR (`memory://` keeps it in memory), one database shared by every service, each in its own schema.
 * ib-sim is the default broker (SIM_PORT, 7497 like TWS paper trading) and gateway-ib connects to it over TCP as
 * broker BROKER_NAME (`sim`, client id SIM_CLIENT_ID); with SIM_ENABLED=false the gateway connects to a real TWS / IB Gateway at
 * IB_HOST:IB_PORT instead.
 */
export const EmbeddedConfig = z
  .object({
    ...logConfigShape,
    ...natsConfigShape,
    ...databaseConfigShape,
    ...metricsConfigShape,
    SIM_ENABLED: defaultedEnv(z.enum(['true', 'false']), 'true')
      .transform((v) => v === 'true')
      .describe('start ib-sim in-process as the broker (true/false)'),
    SIM_HOST: defaultedEnv(z.string(), '127.0.0.1').describe('address ib-sim listens on'),
    SIM_PORT: defaultedEnv(port, 7497).describe(
      'port ib-sim listens on, 7497 like TWS paper trading (0 = any free port)',
    ),
    SIM_PORT_FALLBACK: defaultedEnv(z.enum(['true', 'false']), 'false')
      .transform((v) => v === 'true')
      .describe(
        'when SIM_PORT is taken (a TWS or another system on 7497), start ib-sim on any free port instead of failing ' +
          '(true/false; the SDK and the CLI set it when no port was asked for)',
      ),
    SIM_CLIENT_ID: defaultedEnv(z.coerce.number().int().min(0), SIM_CLIENT_ID).describe(
      `API client id of the built-in broker's session with ib-sim (default ${SIM_CLIENT_ID}: a number no IB example ` +
        'uses, so a program connecting to the same ib-sim with its own clientId 1, 2, ... is never refused as a duplicate)',
    ),
    BROKER_NAME: defaultedEnv(BrokerName, 'sim').describe('name of the broker connection orders are routed to (sim)'),
    IB_HOST: defaultedEnv(z.string(), '127.0.0.1').describe('TWS / IB Gateway host when SIM_ENABLED=false'),
    IB_PORT: defaultedEnv(port.min(1), 7497).describe('TWS / IB Gateway API port when SIM_ENABLED=false'),
    IB_CLIENT_ID: defaultedEnv(z.coerce.number().int().min(0), 1).describe(
      'API client id of the broker connection when SIM_ENABLED=false; keep it fixed across restarts (IB ties open ' +
        'orders to it)',
    ),
    ORDERS_ADOPT_BROKERS: defaultedEnv(z.stringbool(), ORDERS_DEFAULTS.adoptBrokers).describe(
      'the OMS also routes to brokers added at run time (SDK addBroker), as the orders service does; false = only ' +
        "BROKER_NAME (e.g. several systems on one NATS server, which announce each other's brokers)",
    ),
    BROKER_READY_TIMEOUT_MS: defaultedEnv(z.coerce.number().int().min(0).max(600_000), 15_000).describe(
      'how long start-up waits for the broker session before reporting "not connected yet" (ms)',
    ),
  })
  .superRefine((c, ctx) => {
    checkNatsConfig(c, ctx);
    checkDatabaseConfig(c, ctx);
    // The all-in-one runtime is for paper trading: IB's live ports are refused (run the services to trade live).
    const why = !c.SIM_ENABLED ? ibPortMismatch(c.IB_PORT, true) : undefined;
    if (why !== undefined)
      ctx.addIssue({ code: 'custom', path: ['IB_PORT'], message: `${why} (live trading: run the services)` });
  });
export type EmbeddedConfig = z.output<typeof EmbeddedConfig>;
