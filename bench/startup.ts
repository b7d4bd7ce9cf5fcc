/**
 * Start-up cost of the embedded default (issue 21.5, issue 14.8: one embedded process held ~1.27 GB RSS and each
 * CLI command without NATS_URL took 9-11 s). Measures, with no NATS_URL / DATABASE_URL (in-process bus, PGlite,
 * ib-sim on a free port):
 * - `npm start`'s process (services/embedded/src/main.ts): time until "trading-system is running", RSS then and
 *   after an idle settle, peak RSS (VmHWM);
 * - one CLI command (`trading-system status`): wall time and peak RSS of the whole command;
 * - baseline, same run: Node with tsx loading nothing (the floor every TypeScript entry point pays).
 * The PGlite template (one initdb) is made before measuring, as any second start finds it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './lib/infra.js';
import { killOnExit, ROOT } from './lib/procs.js';
import { isMain, runStandalone, type Scenario } from './lib/scenario.js';

const IDLE_SETTLE_MS = 15_000;
const TARGET_RSS_MB = 1270 / 2;
const TARGET_CLI_S = 9 / 2;

interface Run {
  readonly ms: number;
  readonly peakMb: number;
  readonly output: string;
  /** The process, still running when `done` held before it exited. */
  readonly pid: number | undefined;
  /** SIGTERM (SIGKILL after 15 s) unless it has exited; resolves once it has. */
  stop(): Promise<void>;
}

/** VmRSS and VmHWM of a process in MB (Linux /proc); NaN once it is gone. */
function memory(pid: number | undefined): { rss: number; peak: number } {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    // The process has exited (its /proc entry is gone): nothing more to sample.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rss: Number.NaN, peak: Number.NaN };
    throw err;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The environment of a newcomer's machine: no NATS_URL or DATABASE_URL, a fresh PGlite directory. */
function embeddedEnv(dataDir: string): NodeJS.ProcessEnv {
  const { NATS_URL: _n, DATABASE_URL: _d, ...rest } = process.env;
  return { ...rest, SIM_PORT: '0', PGLITE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
}

/**
 * Runs `node --import tsx <args>` until `done(output)` holds (or the process exits), sampling its peak RSS; the
 * process is stopped with SIGTERM if still running.
 */
function measure(args: readonly string[], env: NodeJS.ProcessEnv, done: (output: string) => boolean): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let output = '';
  let peak = 0;
  const sample = setInterval(() => {
    const m = memory(child.pid);
    if (m.peak > peak) peak = m.peak;
  }, 25);
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (why: 'ready' | 'exit', code: number | null) => {
      if (finished) return;
      finished = true;
      const ms = performance.now() - t0;
      const m = memory(child.pid);
      if (m.peak > peak) peak = m.peak;
      clearInterval(sample);
      if (why === 'exit' && code !== 0) {
        reject(new Error(`node ${args.join(' ')} exited ${code}:\n${output.slice(-3_000)}`));
        return;
      }
      resolve({ ms, peakMb: peak, output, pid: child.pid, stop: () => stopChild(child) });
    };
    const onData = (d: Buffer) => {
      output += d.toString();
      if (done(output)) finish('ready', null);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => finish('exit', code));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

const mb = (v: number) => `${Math.round(v)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const startup: Scenario = {
  name: 'startup',
  title: 'Embedded start-up and a CLI command without NATS_URL: time and memory',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
    try {
      const floor = await measure(['-e', 'process.stdout.write("up\\n")'], process.env, (o) => o.includes('up'));

      // The first start ever makes the PGlite template (one initdb): not what a user pays on any later start.
      progress('startup: warming the PGlite template');
      await (await startEmbedded(join(dir, 'warm'))).stop();

      progress('startup: embedded process');
      const embedded = await startEmbedded(join(dir, 'measured'));
      const atReady = memory(embedded.pid).rss;
      await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
      const settled = memory(embedded.pid);
      await embedded.stop();

      progress('startup: trading-system status (embedded)');
      const cli = await measure(['apps/cli/src/main.ts', 'status'], embeddedEnv(join(dir, 'cli')), () => false);

      return {
        metrics: {
          floor: { ms: Math.round(floor.ms), peakMb: Math.round(floor.peakMb) },
          embedded: {
            readyMs: Math.round(embedded.ms),
            rssAtReadyMb: Math.round(atReady),
            rssSettledMb: Math.round(settled.rss),
            peakMb: Math.round(settled.peak),
            idleSettleMs: IDLE_SETTLE_MS,
          },
          cliStatus: { ms: Math.round(cli.ms), peakMb: Math.round(cli.peakMb) },
        },
        checks: [
          {
            target: `embedded process ≤ ${mb(TARGET_RSS_MB)} RSS (half of 1.27 GB)`,
            measured: `${mb(settled.rss)} after ${IDLE_SETTLE_MS / 1000} s idle (peak ${mb(settled.peak)})`,
            baseline: `node + tsx alone ${mb(floor.peakMb)}`,
            pass: settled.rss <= TARGET_RSS_MB,
          },
          {
            target: 'embedded start-up (npm start until running)',
            measured: secs(embedded.ms),
            baseline: `node + tsx alone ${secs(floor.ms)}`,
            pass: undefined,
          },
          {
            target: `CLI command without NATS_URL ≤ ${TARGET_CLI_S} s (half of 9 s)`,
            measured: `${secs(cli.ms)}, peak ${mb(cli.peakMb)}`,
            baseline: `node + tsx alone ${secs(floor.ms)}`,
            pass: cli.ms <= TARGET_CLI_S * 1000,
          },
        ],
        notes: [
          'PGlite template made before measuring (a first-ever start adds one initdb, about 10 s)',
          'the peak is PGlite opening its cluster (its WASM heap: a bare PGlite.create reaches ~850 MB RSS here); ' +
            'the process then settles; the target is what the process holds, the peak is reported beside it',
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** `npm start`'s entry point on a newcomer's machine, until it says it is running (the process keeps running). */
function startEmbedded(dataDir: string): Promise<Run> {
  return measure(['services/embedded/src/main.ts'], embeddedEnv(dataDir), (o) =>
    o.includes('trading-system is running'),
  );
}

if (isMain(import.meta.url)) await runStandalone(startup);
