/** gateway-paper as a process: wiring only (config → bus → database → start). */
import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { startServiceMetrics } from '@trading-system/metrics';
import { databaseOptions, loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { createDatabase, waitForDatabase } from '@trading-system/storage';
import { start } from './app.js';
import { PaperGatewayConfig } from './config.js';
import { registerGatewayMetrics } from './metrics.js';

await runService({
  name: 'gateway-paper',
  loadConfig: (env) => loadConfig(PaperGatewayConfig, env),
  start: async ({ config, logger, fatal, shutdownSignal }) => {
    const metrics = await startServiceMetrics({ service: 'gateway-paper', config, logger });
    const settings = natsConnectionSettings(config);
    if (settings === undefined) logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
    const bus = await openBus({
      connection: settings,
      name: 'gateway-paper',
      catalog,
      log: logger.child({ component: 'bus' }),
      observer: metrics.bus,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const dbLog = logger.child({ component: 'database' });
    const database = await createDatabase(
      databaseOptions(config, 'gateway-paper', (err) =>
        dbLog.warn({ err }, 'database connection lost; the next query opens a new one'),
      ),
    );
    await waitForDatabase(database, { signal: shutdownSignal });
    const gateway = await start({
      bus,
      db: metrics.database(database.db),
      logger,
      schema: config.PAPER_DB_SCHEMA,
      gatewayType: config.GATEWAY_TYPE,
      brokers: [
        {
          name: config.BROKER_NAME,
          quotesFrom: config.PAPER_QUOTES_FROM,
          account: config.PAPER_ACCOUNT,
          startingCash: config.PAPER_STARTING_CASH,
          marketHours: config.PAPER_MARKET_HOURS,
          ...(config.PAPER_REPLAY_FROM === undefined
            ? {}
            : { replay: { fromMs: config.PAPER_REPLAY_FROM, speed: config.PAPER_REPLAY_SPEED } }),
        },
      ],
    });
    registerGatewayMetrics(metrics.registry, gateway);
    metrics.ready();
    return {
      async stop() {
        metrics.stopping();
        await gateway.stop();
        await bus.drain();
        await database.close();
        await metrics.stop();
      },
    };
  },
});
