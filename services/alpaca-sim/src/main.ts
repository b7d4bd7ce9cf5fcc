/** alpaca-sim as a process: `npm run alpaca-sim -- --port 8788`; the flags are in USAGE. */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startAlpacaSim } from './app.js';
import { realClock, scaledClock } from './clock.js';
import { startControlHttp } from './control-http.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `alpaca-sim: a local peer speaking Alpaca's Trading API v2, Market Data API v2 and their streams.
It never contacts Alpaca. REST, /stream (trading) and /v2/iex|sip, /v1beta3/crypto/us (data) share one port.

usage: npm run alpaca-sim -- [flags]
  --port N             TCP port (default 8788)                  --host H          address (default 127.0.0.1)
  --key-id K           accepted APCA-API-KEY-ID (env ALPACA_SIM_KEY_ID, default SIMKEY)
  --secret-key S       accepted APCA-API-SECRET-KEY (env ALPACA_SIM_SECRET_KEY, default SIMSECRET)
  --keys-file F        both from a JSON file {"keyId","secretKey"} (a docker secret; gateway-alpaca's format)
  --seed N             price paths (default 1)                  --starting-cash N opening cash (default 100000)
  --time-scale X       simulated time runs X times faster       --start ISO       simulated start instant
  --rate-limit N       requests per minute per key (default 200)
  --tick-ms N          wall ms between matching steps and data pushes (default 250)
  --control-port N     HTTP control surface (0: a free port)    --log-level L     pino level (default info)
  --help               this text
`;

interface Args {
  port: number;
  host: string;
  keyId: string;
  secretKey: string;
  seed: number;
  startingCash: number;
  timeScale: number;
  startMs: number | undefined;
  rateLimit: number;
  tickMs: number;
  controlPort: number | undefined;
  logLevel: string;
  help: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Args {
  const args: Args = {
    port: 8788,
    host: '127.0.0.1',
    keyId: env.ALPACA_SIM_KEY_ID ?? 'SIMKEY',
    secretKey: env.ALPACA_SIM_SECRET_KEY ?? 'SIMSECRET',
    seed: 1,
    startingCash: 100_000,
    timeScale: 1,
    startMs: undefined,
    rateLimit: 200,
    tickMs: 250,
    controlPort: undefined,
    logLevel: 'info',
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
      case '--key-id':
        args.keyId = value();
        break;
      case '--secret-key':
        args.secretKey = value();
        break;
      case '--keys-file':
        Object.assign(args, keysFromFile(value()));
        break;
      case '--seed':
        args.seed = number();
        break;
      case '--starting-cash':
        args.startingCash = number();
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
      case '--rate-limit':
        args.rateLimit = number();
        break;
      case '--tick-ms':
        args.tickMs = number();
        break;
      case '--control-port':
        args.controlPort = number();
        break;
      case '--log-level':
        args.logLevel = value();
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

/** The keys of a secrets file, so they never appear on a command line (ps) or in the compose file. */
function keysFromFile(path: string): { keyId: string; secretKey: string } {
  let parsed: { keyId?: unknown; secretKey?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch {
    // Not the parser's message: it quotes the file's text, the keys.
    throw new UsageError(`--keys-file: cannot read ${path} as JSON`);
  }
  if (typeof parsed.keyId !== 'string' || parsed.keyId === '' || typeof parsed.secretKey !== 'string')
    throw new UsageError(`--keys-file: ${path} needs "keyId" and "secretKey"`);
  return { keyId: parsed.keyId, secretKey: parsed.secretKey };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), process.env);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = pino({ level: args.logLevel, base: { service: 'alpaca-sim' } });
  const clock =
    args.timeScale === 1 && args.startMs === undefined
      ? realClock()
      : scaledClock(args.startMs ?? Date.now(), args.timeScale);
  const sim = await startAlpacaSim({
    port: args.port,
    host: args.host,
    credentials: { keyId: args.keyId, secretKey: args.secretKey },
    seed: args.seed,
    clock,
    startingCash: args.startingCash,
    rateLimitPerMinute: args.rateLimit,
    tickMs: args.tickMs,
    logger,
  });
  const controlHttp =
    args.controlPort === undefined ? undefined : await startControlHttp(sim.control, args.controlPort, args.host);
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
  if (err instanceof UsageError) {
    process.stderr.write(`alpaca-sim: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `alpaca-sim failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
