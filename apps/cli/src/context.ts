/**
 * What a command gets: output streams, the environment, Ctrl-C as a promise, and the system (opened on first use,
 * shut down by main). Without NATS_URL the system is started in this process, as TradingSystem.open() does.
 */
import { type OpenOptions, TradingSystem } from '@trading-system/sdk';
import { CommandFailedError, redactUrls } from './errors.js';
import { ExitCode } from './exit-codes.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Env;
  /** Resolves on Ctrl-C (SIGINT); streaming commands end on it. */
  readonly interrupted: Promise<void>;
  /** The connected (or embedded) system; one per run, shut down when the command ends. */
  system(options?: { broker?: string | undefined }): Promise<TradingSystem>;
}

export function natsUrlOf(env: Env): string | undefined {
  return env.NATS_URL === undefined || env.NATS_URL === '' ? undefined : env.NATS_URL;
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Opens the system the environment names; failures to reach NATS are exit 3 with what to do. */
export async function openSystem(
  env: Env,
  stderr: NodeJS.WritableStream,
  broker: string | undefined,
): Promise<TradingSystem> {
  const natsUrl = natsUrlOf(env);

  // Services log JSON to stderr; a command line wants only its own output unless LOG_LEVEL asks for more. An embedded
  // system stopped seconds after it started logs aborted start-up work (reconciliation) as errors: noise here.
  const fallback = natsUrl === undefined ? 'fatal' : 'error';
  const logLevel = (
    env.LOG_LEVEL !== undefined && LOG_LEVELS.has(env.LOG_LEVEL) ? env.LOG_LEVEL : fallback
  ) as OpenOptions['logLevel'];
  const options: OpenOptions = { env, logLevel, ...(broker === undefined ? {} : { defaultBroker: broker }) };
  if (natsUrl === undefined) {
    stderr.write(
      'no NATS_URL: starting the system in this process (ib-sim as broker `sim`, nothing kept afterwards); set NATS_URL to use a running system\n',
    );
    return TradingSystem.open(options);
  }
  try {
    return await TradingSystem.open({ ...options, natsUrl });
  } catch (err) {
    throw new CommandFailedError(
      `cannot connect to NATS at ${redactUrls(natsUrl)}: ${err instanceof Error ? err.message : String(err)}`,
      {
        exitCode: ExitCode.unreachable,
        hint: 'is nats-server running? start one (nats-server -js) and the services (NATS_URL=... trading-system start), or unset NATS_URL to run on an embedded system',
      },
    );
  }
}
