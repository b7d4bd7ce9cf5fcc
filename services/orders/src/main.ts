import { type Bus, createMemoryBus, createNatsBus } from '@trading-system/bus';
import { BROKER_EVENTS_STREAM, catalog, DURABLE_CONSUMERS, ORDERS_STREAM } from '@trading-system/contracts';
import { databaseOptions, loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { createDatabase } from '@trading-system/storage';
import { start } from './app.js';
import { OrdersEnv } from './config.js';
import type { OrdersDb } from './db-types.js';
import { EMPTY_RISK_CONFIG } from './risk-checks.js';

await runService({
  name: 'orders',
  loadConfig: (env) => loadConfig(OrdersEnv, env),
  stopTimeoutMs: 10_000,
  start: async ({ config, logger, fatal }) => {
    const nats = natsConnectionSettings(config);
    const busLog = logger.child({ component: 'bus' });
    let bus: Bus;
    if (nats === undefined) bus = createMemoryBus({ catalog, log: busLog });
    else {
      const natsBus = await createNatsBus({ catalog, log: busLog, connection: { ...nats, name: 'orders' } });
      void natsBus.closed.then((err) => {
        if (err !== undefined)
          fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' });
      });
      bus = natsBus;
    }
    const database = await createDatabase<OrdersDb>(databaseOptions(config, 'orders'));
    const app = await start({
      bus,
      db: database.db,
      logger,
      config: {
        schema: config.ORDERS_DB_SCHEMA,
        brokers: config.ORDERS_BROKERS,
        initialRisk: config.ORDERS_RISK_LIMITS ?? EMPTY_RISK_CONFIG,
        brokerTimeoutMs: config.ORDERS_BROKER_TIMEOUT_MS,
        relayPollMs: 1_000,
        relayPaused: config.ORDERS_RELAY_PAUSED,
        ordersStream: ORDERS_STREAM,
        brokerEventsStream: BROKER_EVENTS_STREAM,
        durablePrefix: DURABLE_CONSUMERS.ordersBrokerEvents,
        ackWaitMs: 30_000,
      },
    });
    return {
      stop: async () => {
        await app.stop();
        await bus.drain();
        await database.close();
      },
    };
  },
});
