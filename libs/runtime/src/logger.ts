/**
 * The one pino root per process. JSON lines on stdout by default; pretty (pino-pretty, a dev dependency) only when
 * asked. Secret-looking fields are censored wherever they sit in the first three levels of a log object, the values
 * of known secrets (passwords, seeds, tokens from the config) are masked wherever they appear in a line, and errors
 * go under `err` with pino's serializer (message, stack, cause, code).
 *
 * Children never repeat a key: `logger.child({ component: 'orders' }).child({ component: 'reconciliation' })` logs
 * one `component` (the inner one). pino itself appends every child's bindings, which produced lines such as
 * `"component":"orders","component":"reconciliation"` that JSON parsers resolve differently.
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
  /**
   * Secret values (passwords, seeds, tokens) masked wherever they appear in a line, also inside messages and error
   * texts where no key names them (see secretValues). Values shorter than MIN_SECRET_LENGTH are ignored.
   */
  readonly secrets?: readonly string[];
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

/** Shorter secret values are not masked by value (they would mask ordinary words); key redaction still applies. */
export const MIN_SECRET_LENGTH = 4;

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level ?? 'info',
    // No pino base: service and pid are the root's bindings, so uniqueChild can rebuild every child from them.
    base: undefined,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: { err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const root = { service: options.service, pid: process.pid };
  const mask = secretMasker(options.secrets ?? []);
  const out = (destination: DestinationStream): DestinationStream =>
    mask === undefined ? destination : masked(destination, mask);
  if (options.pretty) {
    const pretty = loadPinoPretty();
    if (pretty.ok) {
      return withUniqueBindings(
        pino(base, out(pretty.create({ sync: true, colorize: process.stdout.isTTY ?? false }))),
        root,
      );
    }
    const logger = withUniqueBindings(
      pino(base, out(options.destination ?? pino.destination({ dest: 1, sync: true }))),
      root,
    );
    logger.warn({ err: pretty.error }, 'LOG_PRETTY=true but pino-pretty is not installed; logging JSON');
    return logger;
  }
  return withUniqueBindings(pino(base, out(options.destination ?? pino.destination({ dest: 1, sync: true }))), root);
}

/**
 * Makes every child of `bare` a direct child of it carrying the merged bindings (inner values win), and returns
 * the root child with `rootBindings`. Children are created with Object.create by pino, so they inherit the patch.
 */
function withUniqueBindings(bare: Logger, rootBindings: Readonly<{ service: string; pid: number }>): Logger {
  const pinoChild = bare.child;
  const uniqueChild = function (this: Logger, bindings: Record<string, unknown>, options?: object): Logger {
    // bindings() leaves pid out (pino treats it as a base field); put it back in its place.
    const inherited = this === bare ? {} : { ...rootBindings, ...this.bindings() };
    return pinoChild.call(bare, { ...inherited, ...bindings }, { level: this.level, ...options }) as unknown as Logger;
  };
  bare.child = uniqueChild as unknown as Logger['child'];
  return bare.child(rootBindings);
}

type Mask = (line: string) => string;

/** A function that replaces every occurrence of every secret (raw and as JSON escapes it), or undefined if none. */
export function secretMasker(secrets: readonly string[]): Mask | undefined {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  if (forms.size === 0) return undefined;
  // Longest first, so a secret containing another is masked whole.
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (line) => {
    let text = line;
    for (const form of list) if (text.includes(form)) text = text.split(form).join(REDACTED);
    return text;
  };
}

function masked(destination: DestinationStream, mask: Mask): DestinationStream {
  return { write: (line: string) => destination.write(mask(line)) };
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
