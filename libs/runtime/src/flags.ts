/**
 * Command-line flags of a process (the simulators), parsed like the services' environment: node's `util.parseArgs`
 * reads the flags strictly, a zod schema keyed by flag name validates and converts them once, and the result is
 * deep-frozen. Every problem names its flag and says what to type instead.
 *
 *   const Flags = z.object({ port: z.coerce.number().int().min(0).max(65_535).default(7497), help: z.boolean() });
 *   const flags = loadFlags(Flags, { port: { type: 'string' } }, process.argv.slice(2));
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { z } from 'zod';
import { type DeepReadonly, deepFreeze } from './config.js';
import { LOG_LEVELS } from './config-shapes.js';

/** The flags did not parse or validate; `message` lists every problem, each naming its flag. */
export class FlagsError extends Error {
  override readonly name = 'FlagsError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`${problems.join('; ')}; run with --help for the flags`);
    this.problems = problems;
  }
}

/** `--help` / `-h`: every process taking flags answers it. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies ParseArgsOptionsConfig;

/**
 * Parses `argv` with `options` (strict: unknown flags and positionals are errors; `--help`/`-h` is always known),
 * then validates the values with `schema`, whose keys are the flag names as typed (`time-scale`, `help`). A flag
 * not given is absent from the input, so the schema's defaults apply. Throws FlagsError.
 */
export function loadFlags<S extends z.ZodType>(
  schema: S,
  options: ParseArgsOptionsConfig,
  argv: readonly string[],
): DeepReadonly<z.output<S>> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options: { ...HELP_OPTION, ...options }, strict: true }).values;
  } catch (err) {
    // Node's messages ("Unknown option '--x'. To specify a positional argument starting with a '-', ...") run on
    // past what is useful here; the first sentence names the flag.
    const first = err instanceof Error ? (err.message.split(/\.(?: |$)/)[0] ?? err.message) : String(err);
    throw new FlagsError([first.charAt(0).toLowerCase() + first.slice(1)]);
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    throw new FlagsError(
      result.error.issues.map((issue) => {
        const flag = issue.path[0];
        if (typeof flag !== 'string') return issue.message;
        const given = values[flag];
        const meaning = (schema as { shape?: Record<string, z.ZodType | undefined> }).shape?.[flag]?.description;
        return (
          `--${flag}: ${issue.message}${typeof given === 'string' ? ` (got "${given}")` : ''}` +
          (meaning === undefined ? '' : `, expected ${meaning}`)
        );
      }),
    );
  }
  return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
}

/**
 * Value shapes of string flags, shared by the processes that take flags. Each reads the text as typed and says
 * in its message what it wanted; bounds are added with `.pipe(z.number()...)` or the helpers' arguments.
 */
export const flagValues = {
  /** A decimal number (`2`, `0.5`, `-1`); `min`/`max` inclusive. */
  number: (bounds: { min?: number; max?: number } = {}) =>
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
      .transform(Number)
      .pipe(
        z
          .number()
          .min(bounds.min ?? -Infinity)
          .max(bounds.max ?? Infinity),
      ),
  /** A whole number; `min`/`max` inclusive. */
  integer: (bounds: { min?: number; max?: number } = {}) =>
    z
      .string()
      .regex(/^-?\d+$/, 'expected a whole number')
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(bounds.min ?? Number.MIN_SAFE_INTEGER)
          .max(bounds.max ?? Number.MAX_SAFE_INTEGER),
      ),
  /** A TCP port, 0 (any free port) to 65535. */
  port: () => flagValues.integer({ min: 0, max: 65_535 }),
  /** An ISO 8601 date-time (`2026-03-03T14:30:00Z`) → epoch ms. */
  instant: () =>
    z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time such as 2026-03-03T14:30:00Z')
      .transform((s) => Date.parse(s)),
  /** Comma-separated non-empty names (`DU1,DU2`). */
  list: () =>
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== ''),
      )
      .pipe(z.array(z.string()).min(1, 'expected at least one name, comma-separated')),
  /** A pino level. */
  logLevel: () => z.enum(LOG_LEVELS),
};
