import { type Bus, createMemoryBus, createNatsBus } from '@trading-system/bus';
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
    let bus: Bus;
    if (nats === undefined) {
      // Alone in a process the in-process bus only makes sense for a smoke run; the embedded runtime hosts us too.
      logger.warn('NATS_URL is not set: using an in-process bus nobody else can reach');
      bus = createMemoryBus({ catalog, log });
    } else {
      const natsBus = await createNatsBus({ catalog, log, connection: { ...nats, name: 'market-data' } });
      void natsBus.closed.then((err) => {
        if (err !== undefined)
          fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' });
      });
      bus = natsBus;
    }
    const service = await start({ bus, logger, config: toMarketDataConfig(config) });
    return {
      stop: async () => {
        await service.stop();
        await bus.drain();
      },
    };
  },
});
