/**
 * A scenario: a bounded measurement of the system next to its baseline, both in the same run. Each one returns
 * metrics (raw numbers, into the JSON) and checks (one row per target: measured, baseline, pass/fail).
 * `runStandalone` is what `tsx bench/<scenario>.ts` does; bench/run.ts runs them all on one infrastructure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bus } from '@trading-system/bus';
import { retainedHeap } from './gc.js';
import { type Infra, openBus, openInfra, progress } from './infra.js';
import { type LoadAverage, loadAverage, type MachineInfo, machineInfo } from './machine.js';
import { ROOT } from './procs.js';

export interface Check {
  readonly target: string;
  readonly measured: string;
  readonly baseline: string;
  /** undefined: informational, no pass/fail. */
  readonly pass: boolean | undefined;
}

export interface Outcome {
  readonly metrics: Record<string, unknown>;
  readonly checks: readonly Check[];
  readonly notes?: readonly string[];
}

export interface ScenarioContext {
  readonly infra: Infra;
  /** The bench's own NATS connection (the client side of every measurement). */
  readonly bus: Bus;
  /** Epoch ms by which the whole run should be over (bench/run.ts); scenarios with optional work check it. */
  readonly deadlineMs?: number;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(ctx: ScenarioContext): Promise<Outcome>;
}

export interface ScenarioResult extends Outcome {
  readonly scenario: string;
  readonly title: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly loadAverage: { readonly start: LoadAverage; readonly end: LoadAverage };
  readonly machine: MachineInfo;
  readonly nats: { readonly url: string; readonly source: string };
  readonly error?: string;
}

export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export async function runScenario(s: Scenario, ctx: ScenarioContext, machine: MachineInfo): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const start = loadAverage();
  // What the bench process itself left from the scenario before (ingest renders ~160 MB of rows it then drops)
  // is collected now, not in the middle of this scenario's measuring window: in a full run the 795-instrument
  // point's gateway → callback p99 was 15-16 ms with that garbage still in the heap and 6 ms without it.
  const heapMb = retainedHeap() / 1e6;
  const t0 = performance.now();
  progress(`${s.name}: start (load ${start.join(' ')}; bench heap ${heapMb.toFixed(0)} MB after a full GC)`);
  let outcome: Outcome;
  let error: string | undefined;
  try {
    outcome = await s.run(ctx);
  } catch (err) {
    error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    progress(`${s.name}: FAILED ${error}`);
    outcome = { metrics: {}, checks: [{ target: 'scenario ran', measured: 'error', baseline: '-', pass: false }] };
  }
  const durationMs = Math.round(performance.now() - t0);
  progress(`${s.name}: done in ${(durationMs / 1000).toFixed(1)} s`);
  return {
    scenario: s.name,
    title: s.title,
    startedAt,
    durationMs,
    loadAverage: { start, end: loadAverage() },
    machine,
    nats: { url: ctx.infra.natsUrl, source: ctx.infra.natsSource },
    ...outcome,
    ...(error === undefined ? {} : { error }),
  };
}

export function checksTable(results: readonly ScenarioResult[]): string {
  const rows = [['scenario', 'target', 'measured', 'baseline (same run)', 'result']];
  for (const r of results)
    for (const c of r.checks)
      rows.push([
        r.scenario,
        c.target,
        c.measured,
        c.baseline,
        c.pass === undefined ? 'info' : c.pass ? 'PASS' : 'FAIL',
      ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export function writeJson(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** Opens the infrastructure and the bench's bus, runs `fn`, and closes both whatever happens. */
export async function withContext<T>(fn: (ctx: ScenarioContext, machine: MachineInfo) => Promise<T>): Promise<T> {
  const infra = await openInfra();
  try {
    progress(`NATS ${infra.natsUrl} (${infra.natsSource}), Postgres ${infra.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    const machine = await machineInfo(infra.natsUrl, infra.databaseUrl);
    const bus = await openBus(infra.natsUrl, 'bench-client');
    try {
      return await fn({ infra, bus }, machine);
    } finally {
      await bus.drain();
    }
  } finally {
    await infra.close();
  }
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const argv1 = process.argv[1];
  return argv1 !== undefined && resolve(argv1) === fileURLToPath(url);
}

/** `tsx bench/<scenario>.ts`: one scenario, its table on stdout, its JSON in bench/results/. */
export async function runStandalone(s: Scenario): Promise<void> {
  const result = await withContext((ctx, machine) => runScenario(s, ctx, machine));
  const file = writeJson(s.name, result);
  process.stdout.write(
    `\n${checksTable([result])}\n\nload average ${result.loadAverage.start.join(' ')} → ${result.loadAverage.end.join(' ')}; JSON: ${file}\n`,
  );
  process.exit(result.error === undefined ? 0 : 1);
}
