import { type Dashboard, DashboardConfig, describeDashboard, startDashboard } from '@trading-system/dashboard';
import { startServiceMetrics } from '@trading-system/metrics';
import { ExitCode, loadConfig, runService } from '@trading-system/runtime';
import { TradingSystem } from '@trading-system/sdk';
import { startEmbedded } from './app.js';
import { EmbeddedConfig } from './config.js';
import { SimPortTakenError } from './sim-port.js';

await runService({
  name: 'trading-system',
  loadConfig: (env) => ({ ...loadConfig(EmbeddedConfig, env), ...loadConfig(DashboardConfig, env) }),
  start: async ({ config, logger, fatal }) => {
    let system: Awaited<ReturnType<typeof startEmbedded>>;
    const metrics = await startServiceMetrics({ service: 'trading-system', config, logger });
    try {
      system = await startEmbedded({
        config,
        logger,
        metrics,
        onBusLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
      });
    } catch (err) {
      if (!(err instanceof SimPortTakenError)) throw err;
      // A port in use is a setting to change: one line with what to set, no stack (startEmbedded stopped what it
      // had started, so there is nothing left to stop).
      fatal(err.message, { hint: err.hint, exitCode: ExitCode.config });
      return { stop: () => metrics.stop() };
    }
    // The dashboard is wired here, not in app.ts: the system runs without it (SDK, tests), and a dashboard that
    // cannot start is reported while the trading system goes on.
    let dashboard: Dashboard | undefined;
    const lines = system.describe();
    if (config.DASHBOARD_ENABLED) {
      try {
        const ts = TradingSystem.attach(system, { logger: logger.child({ part: 'sdk' }) });
        dashboard = await startDashboard({ system: ts, config, logger: logger.child({ part: 'dashboard' }) });
        lines.push(...describeDashboard(dashboard, config));
      } catch (err) {
        logger.error({ err }, 'the dashboard did not start');
        lines.push(`dashboard: did not start (${(err as Error).message}); DASHBOARD_ENABLED=false turns it off`);
      }
    }
    if (metrics.server !== undefined)
      lines.push(`metrics: ${metrics.server.url}/metrics (Prometheus), /healthz, /readyz`);
    metrics.ready();
    for (const line of lines) logger.info(line);
    process.stdout.write(`\ntrading-system is running.\n${lines.map((l) => `  ${l}`).join('\n')}\n  stop: Ctrl-C\n\n`);
    return {
      stop: async () => {
        metrics.stopping();
        await dashboard?.stop();
        await system.stop();
        await metrics.stop();
      },
    };
  },
});
