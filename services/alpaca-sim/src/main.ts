/** alpaca-sim as a process: `npm run alpaca-sim -- --port 8788`; the flags are in config.ts. */
import { FlagsError } from '@trading-system/runtime';
import pino from 'pino';
import { startAlpacaSim } from './app.js';
import { realClock, scaledClock } from './clock.js';
import { alpacaSimCredentials, alpacaSimTls, loadAlpacaSimFlags, USAGE } from './config.js';
import { startControlHttp } from './control-http.js';

async function main(): Promise<void> {
  const flags = loadAlpacaSimFlags(process.argv.slice(2), process.env);
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = pino({ level: flags['log-level'], base: { service: 'alpaca-sim' } });
  const clock =
    flags['time-scale'] === 1 && flags.start === undefined
      ? realClock()
      : scaledClock(flags.start ?? Date.now(), flags['time-scale']);
  const tls = alpacaSimTls(flags);
  const sim = await startAlpacaSim({
    ...(tls === undefined ? {} : { tls }),
    port: flags.port,
    host: flags.host,
    credentials: alpacaSimCredentials(flags),
    seed: flags.seed,
    clock,
    startingCash: flags['starting-cash'],
    rateLimitPerMinute: flags['rate-limit'],
    tickMs: flags['tick-ms'],
    logger,
  });
  const controlPort = flags['control-port'];
  const controlHttp =
    controlPort === undefined ? undefined : await startControlHttp(sim.control, controlPort, flags.host);
  if (controlHttp) logger.info({ port: controlHttp.port }, 'control port listening');
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    Promise.all([sim.stop(), controlHttp?.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof FlagsError) {
    process.stderr.write(`alpaca-sim: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `alpaca-sim failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
