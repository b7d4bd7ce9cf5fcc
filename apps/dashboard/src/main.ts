/**
 * The dashboard as its own process, beside a deployed stack: connects over NATS_URL (the SDK; with no NATS_URL it
 * starts an embedded system of its own, as any SDK program does). `npm start` serves it inside the embedded system
 * instead (services/embedded/src/main.ts).
 */
import { loadConfig, runService } from '@trading-system/runtime';
import { TradingSystem } from '@trading-system/sdk';
import { describeDashboard, startDashboard } from './app.js';
import { DashboardProcessConfig } from './config.js';

await runService({
  name: 'dashboard',
  loadConfig: (env) => loadConfig(DashboardProcessConfig, env),
  start: async ({ config, logger }) => {
    const system = await TradingSystem.open();
    try {
      const dashboard = await startDashboard({ system, config, logger });
      for (const line of describeDashboard(dashboard, config)) process.stdout.write(`${line}\n`);
      return {
        stop: async () => {
          await dashboard.stop();
          await system.shutdown();
        },
      };
    } catch (err) {
      await system.shutdown();
      throw err;
    }
  },
});
