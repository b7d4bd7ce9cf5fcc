import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { start } from './app.js';
import { MarketDataEnv, toMarketDataConfig } from './config.js';

await runService({
  name: 'market-data',
  loadConfig: (env) => loadConfig(MarketDataEnv, env),
  start: async ({ config, logger, fatal }) => {
    const nats = natsConnectionSettings(config);
    const log = logger.child({ component: 'bus' });
    if (nats === undefined) logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
    const bus = await openBus({
      connection: nats,
      name: 'market-data',
      catalog,
      log: log,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const service = await start({ bus, logger, config: toMarketDataConfig(config) });
    return {
      stop: async () => {
        await service.stop();
        await bus.drain();
      },
    };
  },
});
