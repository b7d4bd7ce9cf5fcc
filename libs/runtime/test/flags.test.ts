/** loadFlags: strict flag parsing, zod-validated and frozen, with errors that name the flag. */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { FlagsError, flagValues, loadFlags } from '../src/flags.js';

const Flags = z.object({
  help: z.boolean().default(false),
  port: flagValues.port().default(7497).describe('a TCP port'),
  'time-scale': flagValues.number({ min: 0.001 }).default(1).describe('a factor above 0'),
  start: flagValues.instant().optional(),
  accounts: flagValues.list().default(['DU1']),
  quiet: z.boolean().default(false),
});
const OPTIONS = {
  port: { type: 'string' },
  'time-scale': { type: 'string' },
  start: { type: 'string' },
  accounts: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

const problemsOf = (argv: string[]): readonly string[] => {
  try {
    loadFlags(Flags, OPTIONS, argv);
  } catch (err) {
    if (err instanceof FlagsError) return err.problems;
    throw err;
  }
  throw new Error('expected a FlagsError');
};

describe('loadFlags', () => {
  test('no flags: every default, frozen', () => {
    const f = loadFlags(Flags, OPTIONS, []);
    expect(f).toEqual({ help: false, port: 7497, 'time-scale': 1, accounts: ['DU1'], quiet: false });
    expect(Object.isFrozen(f)).toBe(true);
    expect(Object.isFrozen(f.accounts)).toBe(true);
  });

  test('values are converted: numbers, instants, lists, booleans', () => {
    const f = loadFlags(Flags, OPTIONS, [
      '--port=0',
      '--time-scale',
      '60',
      '--start',
      '2026-03-03T14:30:00Z',
      '--accounts',
      'DU1, DU2,',
      '--quiet',
    ]);
    expect(f).toMatchObject({
      port: 0,
      'time-scale': 60,
      start: Date.UTC(2026, 2, 3, 14, 30),
      accounts: ['DU1', 'DU2'],
    });
    expect(f.quiet).toBe(true);
  });

  test('--help and -h are known to every caller', () => {
    expect(loadFlags(Flags, OPTIONS, ['--help']).help).toBe(true);
    expect(loadFlags(Flags, OPTIONS, ['-h']).help).toBe(true);
  });

  test('an unknown flag, a missing value and a positional are refused with a pointer to --help', () => {
    expect(() => loadFlags(Flags, OPTIONS, ['--bogus'])).toThrow(/^unknown option '--bogus'; run with --help/);
    expect(problemsOf(['--port'])[0]).toMatch(/--port/);
    expect(problemsOf(['extra'])[0]).toMatch(/extra/);
  });

  test('every bad value is reported, each naming its flag, what was given and what it expects', () => {
    const problems = problemsOf(['--port', '70000', '--time-scale', 'fast', '--start', 'soon', '--accounts', ',']);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^--port: .*\(got "70000"\), expected a TCP port$/);
    expect(problems[1]).toMatch(/^--time-scale: expected a number \(got "fast"\), expected a factor above 0$/);
    expect(problems[2]).toMatch(/^--start: expected an ISO date-time .*\(got "soon"\)$/);
    expect(problems[3]).toMatch(/^--accounts: expected at least one name/);
  });
});
