/**
 * ib-sim's command line, validated once and frozen like the services' environment (libs/runtime loadFlags): every
 * flag's default and meaning is here, and USAGE is what `--help` prints.
 */

import type { ParseArgsOptionsConfig } from 'node:util';
import { type DeepReadonly, flagValues, loadFlags } from '@trading-system/runtime';
import { z } from 'zod';

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

const STRING = { type: 'string' } as const;
const FLAG = { type: 'boolean' } as const;

const OPTIONS = {
  port: STRING,
  host: STRING,
  seed: STRING,
  'time-scale': STRING,
  start: STRING,
  'no-pacing': FLAG,
  'pacing-scale': STRING,
  'pace-all-bars': FLAG,
  'high-rate': STRING,
  accounts: STRING,
  'max-lines': STRING,
  'no-replay': FLAG,
  'control-port': STRING,
  'log-level': STRING,
  'state-file': STRING,
  reset: FLAG,
  'starting-cash': STRING,
} as const satisfies ParseArgsOptionsConfig;

export const SimFlags = z.object({
  help: z.boolean().default(false),
  port: flagValues.port().default(7497).describe('a TCP port, 0 for any free one'),
  host: z.string().min(1).default('127.0.0.1').describe('an address to listen on'),
  seed: flagValues.integer().default(1).describe('a whole number'),
  'time-scale': flagValues.number({ min: Number.MIN_VALUE }).default(1).describe('a factor above 0, e.g. 60'),
  start: flagValues.instant().optional().describe('an ISO date-time, e.g. 2026-03-03T14:30:00Z'),
  'no-pacing': z.boolean().default(false),
  'pacing-scale': flagValues.number({ min: Number.MIN_VALUE }).default(1).describe('a factor above 0, e.g. 0.01'),
  'pace-all-bars': z.boolean().default(false),
  'high-rate': flagValues.number({ min: 0 }).default(0).describe('ticks per second, 0 or more'),
  accounts: flagValues.list().default(['DU1234567']).describe('account ids separated by commas, e.g. DU1,DU2'),
  'max-lines': flagValues.integer({ min: 1 }).default(100).describe('a whole number of lines, 1 or more'),
  'no-replay': z.boolean().default(false),
  'control-port': flagValues.port().optional().describe('a TCP port, 0 for any free one'),
  'log-level': flagValues
    .logLevel()
    .default('info')
    .describe('a pino level: fatal, error, warn, info, debug, trace, silent'),
  'state-file': z.string().min(1).optional().describe('a file path'),
  reset: z.boolean().default(false),
  'starting-cash': flagValues.number({ min: 0 }).optional().describe('an amount of cash, 0 or more'),
});
export type SimFlags = DeepReadonly<z.output<typeof SimFlags>>;

/** Parses and validates ib-sim's flags; throws FlagsError naming the flag and what it expects. */
export function loadSimFlags(argv: readonly string[]): SimFlags {
  return loadFlags(SimFlags, OPTIONS, argv);
}
