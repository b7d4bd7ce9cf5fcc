/** history as a process: wiring only (config → bus, database → start). */
import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { startServiceMetrics } from '@trading-system/metrics';
import { databaseOptions, loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { startWhenDatabaseReady } from '@trading-system/runtime/database-ready';
import { createDatabase } from '@trading-system/storage';
import { start } from './app.js';
import { HistoryEnvConfig } from './config.js';
import { historyMetrics } from './metrics.js';

await runService({
  name: 'history',
  loadConfig: (env) => loadConfig(HistoryEnvConfig, env),
  start: async ({ config, logger, fatal, shutdownSignal }) => {
    const metrics = await startServiceMetrics({ service: 'history', config, logger });
    const busLog = logger.child({ component: 'bus' });
    const settings = natsConnectionSettings(config);
    if (settings === undefined) logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
    const bus = await openBus({
      connection: settings,
      name: 'history',
      catalog,
      log: busLog,
      observer: metrics.bus,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const dbLog = logger.child({ component: 'database' });
    const database = await createDatabase(
      databaseOptions(config, 'history', (err) =>
        dbLog.warn({ err }, 'database connection lost; the next query opens a new one'),
      ),
    );
    const history = await startWhenDatabaseReady({
      service: 'history',
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
          observer: historyMetrics(metrics.registry),
          logger,
          config: {
            fetchConcurrency: config.HISTORY_FETCH_CONCURRENCY,
            fetchTimeoutMs: config.HISTORY_FETCH_TIMEOUT_MS,
            liveBars: config.HISTORY_LIVE_BARS,
            ...(config.HISTORY_BROKERS === undefined ? {} : { brokers: config.HISTORY_BROKERS.split(',') }),
          },
        }),
    });
    metrics.ready();
    return {
      async stop() {
        metrics.stopping();
        await history.stop();
        await bus.drain();
        await database.close();
        await metrics.stop();
      },
    };
  },
});
