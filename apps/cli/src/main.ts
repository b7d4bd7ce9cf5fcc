/**
 * Entry point of `trading-system` (bin/trading-system.mjs runs it on Node >= 22 through tsx). Picks the command,
 * gives it the streams and the system, turns whatever it throws into a message, a hint and an exit code, and shuts
 * the system down before exiting. Ctrl-C ends streaming commands cleanly (exit 130).
 */
import type { TradingSystem } from '@trading-system/sdk';
import { COMMANDS } from './commands/index.js';
import { type Env, type Io, natsUrlOf, openSystem } from './context.js';
import { describeFailure } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { topLevelHelp } from './help.js';
import { writeJson } from './output.js';

export async function main(argv: readonly string[], env: Env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(topLevelHelp(COMMANDS));
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const json = rest.includes('--json');
  if (command === undefined) {
    process.stderr.write(
      `trading-system: unknown command '${name}'\nhint: one of ${COMMANDS.map((c) => c.name).join(', ')}; see trading-system --help\n`,
    );
    return ExitCode.usage;
  }

  let onInterrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => {
    onInterrupt = resolve;
  });
  let interruptedOnce = false;
  process.on('SIGINT', () => {
    // A second Ctrl-C while shutting down: give up waiting.
    if (interruptedOnce) process.exit(ExitCode.interrupted);
    interruptedOnce = true;
    onInterrupt();
  });
  process.on('SIGTERM', () => onInterrupt());
  // `trading-system watch AAPL | head`: the reader went away; end like Ctrl-C, but that is a normal end (exit 0).
  let pipeClosed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && !pipeClosed) throw err;
    pipeClosed = true;
    onInterrupt();
  });

  let system: Promise<TradingSystem> | undefined;
  const io: Io = {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    interrupted,
    system: (options = {}) => {
      system ??= openSystem(env, process.stderr, options.broker);
      return system;
    },
  };

  let exitCode: number;
  try {
    exitCode = command.ownsInterrupt
      ? await command.run(rest, io)
      : await Promise.race([command.run(rest, io), interrupted.then(() => ExitCode.interrupted as number)]);
  } catch (err) {
    const f = describeFailure(err, natsUrlOf(env));
    if (json)
      writeJson(process.stdout, { ok: false, code: f.code, message: f.message, hint: f.hint, exitCode: f.exitCode });
    const codeNote = f.code === 'USAGE' || f.code === 'FAILED' || f.code === 'INTERNAL_ERROR' ? '' : ` (${f.code})`;
    process.stderr.write(
      `trading-system ${name}: ${f.message}${codeNote}\n${f.hint === undefined ? '' : `hint: ${f.hint}\n`}`,
    );
    exitCode = f.exitCode;
  }
  if (interruptedOnce) exitCode = ExitCode.interrupted;
  if (pipeClosed) exitCode = ExitCode.ok;
  if (system !== undefined) {
    try {
      await (await system).shutdown();
    } catch {
      // Opening failed (already reported above) or the system was already stopping: nothing left to shut down.
    }
  }
  return exitCode;
}

const code = await main(process.argv.slice(2), process.env);
// Exit explicitly: an embedded system or a NATS connection may leave handles that would keep the process alive.
process.exitCode = code;
process.exit(code);
