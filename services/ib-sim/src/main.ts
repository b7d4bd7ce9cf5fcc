/** ib-sim as a process: `tsx services/ib-sim/src/main.ts --port 7497 --host 127.0.0.1`; the flags are in config.ts. */
import { FlagsError } from '@trading-system/runtime';
import pino from 'pino';
import { startSim } from './app.js';
import { realClock, scaledClock } from './clock.js';
import { loadSimFlags, USAGE } from './config.js';
import { startControlHttp } from './control-http.js';

async function main(): Promise<void> {
  const flags = loadSimFlags(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = pino({ level: flags['log-level'], base: { service: 'ib-sim' } });
  const clock =
    flags['time-scale'] === 1 && flags.start === undefined
      ? realClock()
      : scaledClock(flags.start ?? Date.now(), flags['time-scale']);
  const sim = await startSim({
    port: flags.port,
    host: flags.host,
    seed: flags.seed,
    clock,
    accounts: flags.accounts,
    pacing: { enabled: !flags['no-pacing'], timeScale: flags['pacing-scale'], allBarSizes: flags['pace-all-bars'] },
    highRateTicksPerSec: flags['high-rate'],
    maxMarketDataLines: flags['max-lines'],
    replay: !flags['no-replay'],
    logger,
    reset: flags.reset,
    ...(flags['state-file'] === undefined ? {} : { stateFile: flags['state-file'] }),
    ...(flags['starting-cash'] === undefined ? {} : { startingCash: flags['starting-cash'] }),
  });
  const controlPort = flags['control-port'];
  const controlHttp =
    controlPort === undefined ? undefined : await startControlHttp(sim.control, controlPort, flags.host);
  if (controlHttp) logger.info({ port: controlHttp.port, host: controlHttp.host }, 'control port listening');
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
    process.stderr.write(`ib-sim: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`ib-sim failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
