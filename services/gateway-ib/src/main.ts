/** gateway-ib as a process: wiring only (config → bus → start). */
import { openBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { startServiceMetrics } from '@trading-system/metrics';
import { loadConfig, natsConnectionSettings, runService } from '@trading-system/runtime';
import { start } from './app.js';
import { brokersFromConfig, capabilitySettings, GatewayConfig } from './config.js';
import { registerGatewayMetrics } from './metrics.js';

await runService({
  name: 'gateway-ib',
  loadConfig: (env) => loadConfig(GatewayConfig, env),
  start: async ({ config, logger, fatal }) => {
    const metrics = await startServiceMetrics({ service: 'gateway-ib', config, logger });
    const busLog = logger.child({ component: 'bus' });
    const settings = natsConnectionSettings(config);
    if (settings === undefined) logger.warn('NATS_URL unset: in-process bus, reachable only from this process');
    const bus = await openBus({
      connection: settings,
      name: 'gateway-ib',
      catalog,
      log: busLog,
      observer: metrics.bus,
      onLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    const gateway = await start({
      bus,
      logger,
      brokers: brokersFromConfig(config),
      gatewayType: config.GATEWAY_TYPE,
      brokerOptions: {
        historyPacing: { timeScale: config.HISTORY_PACING_SCALE },
        orderQueueBudgetMs: config.IB_ORDER_QUEUE_MS,
        capabilities: capabilitySettings(config),
      },
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
