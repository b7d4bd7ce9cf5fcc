/** gateway-alpaca as a process: wiring only (config → bus → start). */
import { openBus } from '@trading-system/bus';
import { AlpacaBrokerConnection, catalog } from '@trading-system/contracts';
import { startServiceMetrics } from '@trading-system/metrics';
import { loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { start } from './app.js';
import { AlpacaGatewayConfig } from './config.js';
import { registerGatewayMetrics } from './metrics.js';

await runService({
  name: 'gateway-alpaca',
  loadConfig: (env) => loadConfig(AlpacaGatewayConfig, env),
  start: async ({ config, logger, fatal }) => {
    const metrics = await startServiceMetrics({ service: 'gateway-alpaca', config, logger });
    const settings = natsConnectionSettings(config);
    if (settings === undefined) logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
    const bus = await openBus({
      connection: settings,
      name: 'gateway-alpaca',
      catalog,
      log: logger.child({ component: 'bus' }),
      observer: metrics.bus,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const gateway = await start({
      bus,
      logger,
      gatewayType: config.GATEWAY_TYPE,
      brokers: [
        {
          name: config.BROKER_NAME,
          connection: AlpacaBrokerConnection.parse({
            type: 'alpaca',
            paper: config.ALPACA_PAPER,
            feed: config.ALPACA_FEED,
            maxRequestsPerMinute: config.ALPACA_MAX_REQUESTS_PER_MINUTE,
            ...(config.ALPACA_TRADING_URL === undefined ? {} : { tradingUrl: config.ALPACA_TRADING_URL }),
            ...(config.ALPACA_DATA_URL === undefined ? {} : { dataUrl: config.ALPACA_DATA_URL }),
            ...(config.ALPACA_SECRETS_FILE === undefined ? {} : { secretsFile: config.ALPACA_SECRETS_FILE }),
          }),
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
        await metrics.stop();
      },
    };
  },
});
