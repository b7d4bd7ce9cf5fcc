/** The shape every command under src/commands/ has. */
import type { Io } from './context.js';

export interface Command {
  readonly name: string;
  /** Synopsis line, e.g. `cancel <orderId> [--json]`. */
  readonly usage: string;
  readonly summary: string;
  /** Details shown by `trading-system <command> --help` (flags, examples). */
  readonly help: string;
  /** True when the command itself ends on Ctrl-C (streams, child processes); otherwise main abandons it at once. */
  readonly ownsInterrupt?: boolean;
  /** Runs the command on `argv` (the arguments after the command name); resolves to the exit code. */
  run(argv: readonly string[], io: Io): Promise<number>;
}
