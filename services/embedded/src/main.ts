import { loadConfig, runService } from '@trading-system/runtime';
import { startEmbedded } from './app.js';
import { EmbeddedConfig } from './config.js';

await runService({
  name: 'trading-system',
  loadConfig: (env) => loadConfig(EmbeddedConfig, env),
  start: async ({ config, logger, fatal }) => {
    const system = await startEmbedded({
      config,
      logger,
      onBusLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
    });
    for (const line of system.describe()) logger.info(line);
    process.stdout.write(
      `\ntrading-system is running.\n${system
        .describe()
        .map((l) => `  ${l}`)
        .join('\n')}\n  stop: Ctrl-C\n\n`,
    );
    return { stop: () => system.stop() };
  },
});
