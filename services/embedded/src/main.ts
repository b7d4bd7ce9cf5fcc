import { ExitCode, loadConfig, runService } from '@trading-system/runtime';
import { startEmbedded } from './app.js';
import { EmbeddedConfig } from './config.js';
import { SimPortTakenError } from './sim-port.js';

await runService({
  name: 'trading-system',
  loadConfig: (env) => loadConfig(EmbeddedConfig, env),
  start: async ({ config, logger, fatal }) => {
    let system: Awaited<ReturnType<typeof startEmbedded>>;
    try {
      system = await startEmbedded({
        config,
        logger,
        onBusLost: (err) => fatal('NATS connection closed for good', { err, hint: 'check NATS_URL and nats-server' }),
      });
    } catch (err) {
      if (!(err instanceof SimPortTakenError)) throw err;
      // A port in use is a setting to change: one line with what to set, no stack (startEmbedded stopped what it
      // had started, so there is nothing left to stop).
      fatal(err.message, { hint: err.hint, exitCode: ExitCode.config });
      return { stop: async () => undefined };
    }
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
