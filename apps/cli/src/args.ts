/**
 * Command-line parsing on node:util parseArgs, turned into UsageErrors that say what to type instead. Pure: no I/O,
 * so every command's parser is unit-tested.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  broker: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export interface Parsed<V> {
  readonly values: V;
  readonly positionals: string[];
}

/**
 * Parses `argv` of one command strictly (unknown flags are usage errors). `usage` is the command's synopsis line,
 * shown in the hint.
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: O,
  usage: string,
  positionals: { min: number; max: number },
  extra: { allowNegative?: boolean } = {},
) {
  // parseArgs would read `-5` as an unknown flag; say what is really wrong.
  const negative = argv.find((a) => /^-\d/.test(a));
  if (negative !== undefined)
    throw new UsageError(`'${negative}': quantities and prices must be positive numbers`, `usage: ${usage}`);
  const run = () =>
    parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...options } as typeof COMMON_OPTIONS & O,
      allowPositionals: true as const,
      strict: true as const,
      allowNegative: extra.allowNegative ?? false,
    });
  let parsed: ReturnType<typeof run>;
  try {
    parsed = run();
  } catch (err) {
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new UsageError(message.replace(/^Unknown option/, 'unknown option'), `usage: ${usage}`);
  }
  const n = parsed.positionals.length;
  const help = (parsed.values as { help?: boolean }).help === true;
  if (!help && (n < positionals.min || n > positionals.max)) {
    const what =
      n < positionals.min ? 'missing argument' : `unexpected argument '${parsed.positionals[positionals.max]}'`;
    throw new UsageError(what, `usage: ${usage}`);
  }
  return parsed;
}

/** A positive decimal as typed (`10`, `0.5`, `187.25`): the exact string the system stores. */
export function positiveDecimal(text: string | undefined, what: string, usage: string): string {
  if (text === undefined) throw new UsageError(`${what} is required`, `usage: ${usage}`);
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0)
    throw new UsageError(`${what} must be a positive number, got '${text}'`, `usage: ${usage}`);
  return text;
}

/** One of `allowed` (case-insensitive), returned as written in `allowed`. */
export function oneOf<T extends string>(text: string, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (found === undefined)
    throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got '${text}'`, `e.g. --${what} ${allowed[0]}`);
  return found;
}
