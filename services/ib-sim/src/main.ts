/** ib-sim as a process: `tsx services/ib-sim/src/main.ts --port 7497 --host 127.0.0.1`; the flags are in USAGE. */
import pino from 'pino';
import { startSim } from './app.js';
import { realClock, scaledClock } from './clock.js';
import { startControlHttp } from './control-http.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `ib-sim: a TWS / IB Gateway simulator speaking the TWS API on a TCP port (paper account).

usage: npm run sim -- [flags]
  --port N             TCP port (default 7497, TWS paper)        --host H          address (default 127.0.0.1)
  --seed N             price paths and ids (default 1)           --accounts A,B    account ids (default DU1234567)
  --time-scale X       simulated time runs X times faster        --start ISO       simulated start instant
  --no-pacing          no historical-data pacing                 --pacing-scale X  shrink the pacing windows
  --pace-all-bars      pace every bar size, not only small ones  --high-rate N     ticks/s per subscription
  --max-lines N        market-data line budget (default 100)     --no-replay       no order/exec replay on connect
  --control-port N     HTTP control surface (0: a free port)     --log-level L     pino level (default info)
  --state-file PATH    orders, positions and cash survive restarts
  --reset              start clean, overwriting the state file   --starting-cash N cash of a new account
  --help               this text
`;

interface Args {
  port: number;
  host: string;
  seed: number;
  timeScale: number;
  startMs: number | undefined;
  pacing: boolean;
  pacingScale: number;
  paceAllBars: boolean;
  highRate: number;
  accounts: string[];
  maxLines: number;
  replay: boolean;
  logLevel: string;
  controlPort: number | undefined;
  stateFile: string | undefined;
  reset: boolean;
  startingCash: number | undefined;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    port: 7497,
    host: '127.0.0.1',
    seed: 1,
    timeScale: 1,
    startMs: undefined,
    pacing: true,
    pacingScale: 1,
    paceAllBars: false,
    highRate: 0,
    accounts: ['DU1234567'],
    maxLines: 100,
    replay: true,
    logLevel: 'info',
    controlPort: undefined,
    stateFile: undefined,
    reset: false,
    startingCash: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const number = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n)) throw new UsageError(`${flag} needs a number`);
      return n;
    };
    switch (flag) {
      case '--port':
        args.port = number();
        break;
      case '--host':
        args.host = value();
        break;
      case '--seed':
        args.seed = number();
        break;
      case '--time-scale':
        args.timeScale = number();
        break;
      case '--start': {
        const ms = Date.parse(value());
        if (Number.isNaN(ms)) throw new UsageError('--start needs an ISO date-time');
        args.startMs = ms;
        break;
      }
      case '--no-pacing':
        args.pacing = false;
        break;
      case '--pacing-scale':
        args.pacingScale = number();
        break;
      case '--pace-all-bars':
        args.paceAllBars = true;
        break;
      case '--high-rate':
        args.highRate = number();
        break;
      case '--accounts':
        args.accounts = value()
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== '');
        break;
      case '--max-lines':
        args.maxLines = number();
        break;
      case '--no-replay':
        args.replay = false;
        break;
      case '--log-level':
        args.logLevel = value();
        break;
      case '--control-port':
        args.controlPort = number();
        break;
      case '--state-file':
        args.stateFile = value();
        break;
      case '--reset':
        args.reset = true;
        break;
      case '--starting-cash':
        args.startingCash = number();
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown flag ${flag}; run with --help for the flags`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = pino({ level: args.logLevel, base: { service: 'ib-sim' } });
  const clock =
    args.timeScale === 1 && args.startMs === undefined
      ? realClock()
      : scaledClock(args.startMs ?? Date.now(), args.timeScale);
  const sim = await startSim({
    port: args.port,
    host: args.host,
    seed: args.seed,
    clock,
    accounts: args.accounts,
    pacing: { enabled: args.pacing, timeScale: args.pacingScale, allBarSizes: args.paceAllBars },
    highRateTicksPerSec: args.highRate,
    maxMarketDataLines: args.maxLines,
    replay: args.replay,
    logger,
    reset: args.reset,
    ...(args.stateFile === undefined ? {} : { stateFile: args.stateFile }),
    ...(args.startingCash === undefined ? {} : { startingCash: args.startingCash }),
  });
  const controlHttp =
    args.controlPort === undefined ? undefined : await startControlHttp(sim.control, args.controlPort, args.host);
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
  if (err instanceof UsageError) {
    process.stderr.write(`ib-sim: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`ib-sim failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
