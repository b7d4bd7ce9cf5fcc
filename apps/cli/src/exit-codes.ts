/**
 * What the CLI's exit status means, for scripts. Documented in `--help` and the README; tests hold the CLI to it.
 */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** The command ran and failed: order denied or rejected, unknown order, broker refused, partial history. */
  failed: 1,
  /** The command line is wrong (unknown command or flag, missing argument, bad value); nothing was sent. */
  usage: 2,
  /** The system cannot be reached: NATS down, no service answers, a deadline passed. */
  unreachable: 3,
  /** Interrupted by Ctrl-C (SIGINT), the shell convention 128 + 2. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0    ok
  1    the command failed (order denied or rejected, order not found, broker error, partial history)
  2    usage error: unknown command or flag, missing or bad argument (nothing was sent)
  3    system unreachable: NATS down or no service answers (start it: trading-system start)
  130  interrupted (Ctrl-C)`;
