/** history as a process: wiring only (config → bus, database → start). */
import { type Bus, createMemoryBus, createNatsBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { databaseOptions, loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { createDatabase } from '@trading-system/storage';
import { start } from './app.js';
import { HistoryEnvConfig } from './config.js';

await runService({
  name: 'history',
  loadConfig: (env) => loadConfig(HistoryEnvConfig, env),
  start: async ({ config, logger, fatal }) => {
    const busLog = logger.child({ component: 'bus' });
    const settings = natsConnectionSettings(config);
    let bus: Bus;
    if (settings === undefined) {
      logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
      bus = createMemoryBus({ catalog, log: busLog });
    } else {
      const nats = await createNatsBus({ catalog, log: busLog, connection: { ...settings, name: 'history' } });
      nats.closed.then(
        (err) => {
          if (err !== undefined)
            fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' });
        },
        (err: unknown) => fatal('NATS connection failed', { err }),
      );
      bus = nats;
    }
    const database = await createDatabase(databaseOptions(config, 'history'));
    const history = await start({
      bus,
      db: database.db,
      logger,
      config: {
        fetchConcurrency: config.HISTORY_FETCH_CONCURRENCY,
        fetchTimeoutMs: config.HISTORY_FETCH_TIMEOUT_MS,
        ...(config.HISTORY_BROKERS === undefined ? {} : { brokers: config.HISTORY_BROKERS.split(',') }),
      },
    });
    return {
      async stop() {
        await history.stop();
        await bus.drain();
        await database.close();
      },
    };
  },
});
