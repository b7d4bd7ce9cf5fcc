import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { startServiceMetrics } from '@trading-system/metrics';
import { loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { start } from './app.js';
import { MarketDataEnv, toMarketDataConfig } from './config.js';
import { registerMarketDataMetrics } from './metrics.js';

await runService({
  name: 'market-data',
  loadConfig: (env) => loadConfig(MarketDataEnv, env),
  start: async ({ config, logger, fatal }) => {
    const metrics = await startServiceMetrics({ service: 'market-data', config, logger });
    const nats = natsConnectionSettings(config);
    const log = logger.child({ component: 'bus' });
    if (nats === undefined) logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
    const bus = await openBus({
      connection: nats,
      name: 'market-data',
      catalog,
      log: log,
      observer: metrics.bus,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const service = await start({ bus, logger, config: toMarketDataConfig(config) });
    registerMarketDataMetrics(metrics.registry, service);
    metrics.ready();
    return {
      stop: async () => {
        metrics.stopping();
        await service.stop();
        await bus.drain();
        await metrics.stop();
      },
    };
  },
});
