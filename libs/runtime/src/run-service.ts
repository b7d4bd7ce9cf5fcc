/**
 * The common main() of every service:
 *
 *   runService({ name: 'orders', loadConfig: (env) => loadConfig(OrdersConfig, env), start: (ctx) => startOrders(ctx) })
 *
 * 1. loads the config; a ConfigError prints every problem to stderr and exits 78 (EX_CONFIG);
 * 2. creates the pino root (LOG_LEVEL / LOG_PRETTY when the config has them) and logs the config, secrets redacted;
 * 3. calls start(ctx) and keeps its `stop`;
 * 4. SIGINT/SIGTERM → stop() within stopTimeoutMs → exit 0, or 1 when stop fails or times out; a second signal
 *    exits 1 at once;
 * 5. an uncaught exception or unhandled rejection is logged as { err }, then stop, exit 1;
 * 6. ctx.fatal(reason, { hint }) — for a component that cannot go on (e.g. NATS closed for good after its bounded
 *    reconnects) — logs reason and hint, prints them to stderr, stops, and exits 69 (EX_UNAVAILABLE).
 *
 * Free of NATS and database specifics: those arrive in `start` through the config.
 */

import type { Env } from './config.js';
import type { LogLevel } from './config-shapes.js';
import { ConfigError, StopTimeoutError } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, type Logger, secretMasker } from './logger.js';
import { maskUrlPassword, redactConfig, secretValues } from './redact-config.js';

export const ExitCode = { ok: 0, failure: 1, unavailable: 69, config: 78 } as const;

export interface FatalDetails {
  readonly err?: unknown;
  /** What the operator should do next, e.g. 'check NATS_URL and that nats-server is running'. */
  readonly hint?: string;
  /** Default ExitCode.unavailable (69). */
  readonly exitCode?: number;
}

export interface ServiceContext<C> {
  readonly name: string;
  readonly config: C;
  readonly logger: Logger;
  /** The service's own state; components may keep their own Lifecycle too. */
  readonly lifecycle: Lifecycle;
  /** Aborted as soon as shutdown begins, whatever caused it; lets loops and waits end early. */
  readonly shutdownSignal: AbortSignal;
  /** Ends the process non-zero after a best-effort stop. Never returns control usefully: stop what you are doing. */
  fatal(reason: string, details?: FatalDetails): void;
}

export interface ServiceHandle {
  /** Drain and close everything (consumers, NATS, pools); resolve when done. */
  stop(): Promise<void>;
}

export interface RunServiceOptions<C> {
  readonly name: string;
  readonly loadConfig: (env: Env) => C;
  readonly start: (ctx: ServiceContext<C>) => Promise<ServiceHandle>;
  /** Upper bound for stop() (ms). Default 10 000. */
  readonly stopTimeoutMs?: number;
  readonly env?: Env;
}

export async function runService<C extends object>(options: RunServiceOptions<C>): Promise<void> {
  const { name } = options;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  let config: C;
  try {
    config = options.loadConfig(options.env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(ExitCode.config);
    }
    process.stderr.write(`${name}: loading the configuration failed: ${maskUrlPassword(describe(err))}\n`);
    process.exit(ExitCode.config);
  }

  // Every secret value of the config is masked wherever it appears in a log line or on stderr, not only under a
  // secret-looking key: a driver error quoting a connection string is masked too.
  const secrets = secretValues(config);
  const mask = secretMasker(secrets) ?? ((text: string) => text);
  const logger = createLogger({ service: name, ...logSettings(config), secrets });
  const lifecycle = new Lifecycle(name);
  const abort = new AbortController();
  let handle: ServiceHandle | undefined;
  let startPromise: Promise<ServiceHandle> | undefined;
  let shuttingDown = false;

  const exit = (code: number): never => {
    process.exit(code);
  };

  const shutdown = async (trigger: string, code: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    abort.abort(new Error(`shutdown: ${trigger}`));
    lifecycle.transition('stopping', trigger);
    logger.info({ trigger, stopTimeoutMs }, 'stopping');
    let timer: NodeJS.Timeout | undefined;
    try {
      const stopping = (async () => {
        const started = handle ?? (await startPromise);
        await started?.stop();
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StopTimeoutError(`stop() took longer than ${stopTimeoutMs} ms`)),
          stopTimeoutMs,
        );
      });
      await Promise.race([stopping, timeout]);
      lifecycle.transition('stopped', trigger);
      logger.info({ trigger, exitCode: code }, 'stopped');
      exit(code);
    } catch (err) {
      const failedCode = code === ExitCode.ok ? ExitCode.failure : code;
      logger.error({ err, trigger, exitCode: failedCode }, 'stop failed');
      exit(failedCode);
    } finally {
      clearTimeout(timer);
    }
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      exit(ExitCode.failure);
    }
    void shutdown(signal, ExitCode.ok);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void shutdown('uncaughtException', ExitCode.failure);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    void shutdown('unhandledRejection', ExitCode.failure);
  });

  const fatal = (reason: string, details: FatalDetails = {}): void => {
    const exitCode = details.exitCode ?? ExitCode.unavailable;
    logger.fatal({ err: details.err, hint: details.hint, exitCode }, reason);
    process.stderr.write(
      mask(`${name}: fatal: ${reason}${details.hint === undefined ? '' : `\n  next: ${details.hint}`}\n`),
    );
    void shutdown('fatal', exitCode);
  };

  logger.info({ config: redactConfig(config) }, 'starting');
  try {
    startPromise = options.start({ name, config, logger, lifecycle, shutdownSignal: abort.signal, fatal });
    handle = await startPromise;
  } catch (err) {
    if (shuttingDown) return; // shutdown() owns the exit and reports the failure
    logger.fatal({ err }, 'start failed');
    exit(ExitCode.failure);
  }
  if (!shuttingDown) {
    // A service runs until told to stop: without this, a service whose work is all event-driven on unref'd
    // handles would see its event loop drain and exit 0 unnoticed. Cleared when shutdown begins.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    abort.signal.addEventListener('abort', () => clearInterval(keepAlive), { once: true });
    lifecycle.transition('running');
    logger.info('running');
  }
}

function logSettings(config: object): { level?: LogLevel; pretty?: boolean } {
  const { LOG_LEVEL, LOG_PRETTY } = config as { LOG_LEVEL?: unknown; LOG_PRETTY?: unknown };
  return {
    ...(typeof LOG_LEVEL === 'string' ? { level: LOG_LEVEL as LogLevel } : {}),
    ...(typeof LOG_PRETTY === 'boolean' ? { pretty: LOG_PRETTY } : {}),
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
