/**
 * Child processes of a scenario (ib-sim, gateway-ib, orders, history): spawned with `node --import tsx`, their
 * output kept for diagnosis, their CPU time read from /proc (what a process costs per unit of work), and
 * stopped with SIGTERM (SIGKILL after a grace period) so a run always ends by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BenchSetupError } from './infra.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
  /** Resolves with the JSON of the first `READY {...}` line on stdout (bench/proc/* hosts print one). */
  readonly ready: Promise<Record<string, unknown>>;
  /** User + system CPU seconds so far (Linux /proc), NaN elsewhere. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/**
 * BENCH_CPU_PROF_DIR=<dir>: every child writes a V8 CPU profile there when it exits (node refuses --cpu-prof in
 * NODE_OPTIONS, so the flag is passed to each child instead; profile the bench itself with `node --cpu-prof`).
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Every child still running; killed when the bench process exits, whatever the reason. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
// Ctrl-C / kill: exit through the hook above, so no child (nats-server included) outlives the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** Kills `child` when the bench process exits, unless it has exited by then. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export function spawnTs(name: string, script: string, options: SpawnOptions = {}): Proc {
  const child = spawn(
    process.execPath,
    [...profileArgs(), ...(options.nodeArgs ?? []), '--import', 'tsx', script, ...(options.args ?? [])],
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const output: string[] = [];
  let resolveReady: (v: Record<string, unknown>) => void = () => undefined;
  let rejectReady: (e: Error) => void = () => undefined;
  const ready = new Promise<Record<string, unknown>>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  // Only awaited for bench hosts that print READY; an exit rejects it, which must not count as unhandled.
  ready.catch(() => undefined);
  let pending = '';
  child.stdout?.on('data', (d: Buffer) => {
    const text = d.toString();
    if (output.length < 2_000) output.push(text);
    pending += text;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith('READY ')) resolveReady(JSON.parse(line.slice(6)) as Record<string, unknown>);
      nl = pending.indexOf('\n');
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (output.length < 2_000) output.push(d.toString());
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      rejectReady(new BenchSetupError(`${name} exited (${code}) before it was ready:\n${tail(output)}`));
      resolve(code);
    }),
  );
  return {
    name,
    child,
    output,
    exited,
    ready,
    cpuSeconds: () => cpuSeconds(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tail(output: readonly string[], chars = 3_000): string {
  return output.join('').slice(-chars);
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat (fields 14 and 15). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Number.NaN;
    throw err;
  }
}

/** CPU seconds of this process (user + system). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
