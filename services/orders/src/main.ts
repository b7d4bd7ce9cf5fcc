import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { startServiceMetrics } from '@trading-system/metrics';
import { databaseOptions, loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { startWhenDatabaseReady } from '@trading-system/runtime/database-ready';
import { createDatabase } from '@trading-system/storage';
import { start } from './app.js';
import { OrdersEnv, ordersConfig } from './config.js';
import type { OrdersDb } from './db-types.js';
import { registerOmsMetrics } from './metrics.js';

await runService({
  name: 'orders',
  loadConfig: (env) => loadConfig(OrdersEnv, env),
  stopTimeoutMs: 10_000,
  start: async ({ config, logger, fatal, shutdownSignal }) => {
    const metrics = await startServiceMetrics({ service: 'orders', config, logger });
    const nats = natsConnectionSettings(config);
    const busLog = logger.child({ component: 'bus' });
    const bus = await openBus({
      connection: nats,
      name: 'orders',
      catalog,
      log: busLog,
      observer: metrics.bus,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const dbLog = logger.child({ component: 'database' });
    const database = await createDatabase<OrdersDb>(
      databaseOptions(config, 'orders', (err) =>
        dbLog.warn({ err }, 'database connection lost; the next query opens a new one'),
      ),
    );
    const app = await startWhenDatabaseReady({
      service: 'orders',
      bus,
      catalog,
      database,
      logger,
      signal: shutdownSignal,
      start: (handOver) =>
        start({
          bus,
          beforeServe: handOver,
          db: metrics.database(database.db),
          logger,
          config: ordersConfig(config),
        }),
    });
    registerOmsMetrics(metrics.registry, database.db.withSchema(config.ORDERS_DB_SCHEMA));
    metrics.ready();
    return {
      stop: async () => {
        metrics.stopping();
        await app.stop();
        await bus.drain();
        await database.close();
        await metrics.stop();
      },
    };
  },
});
