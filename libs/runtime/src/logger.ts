/**
 * The one pino root per process. JSON lines on stdout by default; pretty (pino-pretty, a dev dependency) only when
 * asked. Secret-looking fields are censored wherever they sit in the first three levels of a log object, and
 * errors go under `err` with pino's serializer (message, stack, cause, code).
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config-shapes.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Service name, on every line as `service`. */
  readonly service: string;
  readonly level?: LogLevel;
  /** Human-readable output for development; falls back to JSON (with a warning) when pino-pretty is missing. */
  readonly pretty?: boolean;
  /** Where lines go; default: synchronous stdout, so nothing is lost when the process exits right after. */
  readonly destination?: DestinationStream;
}

const SECRET_KEYS = [
  'password',
  'pass',
  'passwd',
  'token',
  'secret',
  'seed',
  'nkeySeed',
  'authorization',
  'apiKey',
  'privateKey',
  'creds',
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'NATS_NKEY_SEED',
];

/** The redaction paths: each secret key at the top level and one or two levels down. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export const REDACTED = '[redacted]';

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: { err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.pretty) {
    const pretty = loadPinoPretty();
    if (pretty.ok) {
      return pino(base, pretty.create({ sync: true, colorize: process.stdout.isTTY ?? false }));
    }
    const logger = pino(base, options.destination ?? pino.destination({ dest: 1, sync: true }));
    logger.warn({ err: pretty.error }, 'LOG_PRETTY=true but pino-pretty is not installed; logging JSON');
    return logger;
  }
  return pino(base, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

type PrettyFactory = (options: { sync: boolean; colorize: boolean }) => DestinationStream;

function loadPinoPretty(): { ok: true; create: PrettyFactory } | { ok: false; error: unknown } {
  try {
    const required = createRequire(import.meta.url)('pino-pretty') as PrettyFactory | { default: PrettyFactory };
    return { ok: true, create: typeof required === 'function' ? required : required.default };
  } catch (error) {
    return { ok: false, error };
  }
}
