/** Child processes of end-to-end tests: services started as `node --import tsx <script>` from the repo root. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Bus, NoRespondersError, RequestTimeoutError } from '@trading-system/bus';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface Proc {
  readonly child: ChildProcess;
  /** stdout and stderr chunks as they came. */
  readonly output: string[];
  /** Exit code, or null when killed by a signal. */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** Start from an empty environment plus `env` and PATH/HOME (default: the test's environment plus `env`). */
  readonly clean?: boolean;
}

export function spawnTs(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): Proc {
  const base = options.clean
    ? Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(PATH|HOME|TMPDIR|LANG|TZ)$/.test(k)))
    : process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

export function isRunning(p: Proc | undefined): boolean {
  return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
}

export async function stopProc(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p === undefined || !isRunning(p)) return;
  p.child.kill(signal);
  await p.exited;
}

/**
 * A readiness probe: undefined while nobody serves the subject or the server does not answer in time (a service
 * still starting: subscribed, but busy with its start-up reconciliation after a kill).
 */
export async function ask<T>(bus: Bus, subject: string, body: unknown, timeoutMs = 5_000): Promise<T | undefined> {
  try {
    return await bus.request<T>(subject, body, { timeoutMs });
  } catch (err) {
    if (err instanceof NoRespondersError || err instanceof RequestTimeoutError) return undefined;
    throw err;
  }
}
