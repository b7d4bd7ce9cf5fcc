/** Runs `trading-system` as a user does: the bin as a child process, judged by exit code, stdout and stderr. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/trading-system.mjs', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * `env` is added to this process's environment minus NATS_URL / DATABASE_URL / LOG_LEVEL: a test says
 * explicitly whether the CLI talks to NATS. `onStdout` sees output as it arrives (to act on a streaming command).
 */
export function runCli(
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
    onStdout?: (text: string) => void;
    onStderr?: (text: string, child: ChildProcess) => void;
    onSpawn?: (child: ChildProcess) => void;
    /**
     * Its own process group, so `process.kill(-child.pid, 'SIGINT')` is a terminal's Ctrl-C: the embedded CLI runs
     * in a child of the bin, which leaves SIGINT to the group.
     */
    processGroup?: boolean;
  } = {},
): Promise<CliResult> {
  // Without the test file's BUS_NAMESPACE too: the systems the CLI tests talk to are configured from scratch
  // (no namespace) on a NATS server of their own, or embedded.
  const { NATS_URL: _n, DATABASE_URL: _d, LOG_LEVEL: _l, BROKER_NAME: _b, BUS_NAMESPACE: _ns, ...rest } = process.env;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? root,
      env: { ...rest, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.processGroup ?? false,
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trading-system ${args.join(' ')} did not end in ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', reject);
    // 'close', not 'exit': the process can be gone while its last output still waits in the pipe (an `account`
    // that printed its table and exited 0 came back with an empty stdout in a full run beside three CPU hogs).
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}
