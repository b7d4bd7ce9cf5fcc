/**
 * `npm run bench`: every scenario once, on one NATS (see lib/infra.ts) and Postgres, each with its baseline in
 * the same run. Progress on stderr, the targets table on stdout, all results in bench/results/bench-<time>.json
 * and docs/benchmarks.md. Bounded: history adapts its optional 5-year back-fill to the deadline, and a watchdog
 * ends the run (children included) if it ever passes HARD_LIMIT_MS.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backtest } from './backtest.js';
import { history } from './history.js';
import { ingest } from './ingest.js';
import { ledgerReads } from './ledger-reads.js';
import { progress } from './lib/infra.js';
import { benchmarksMarkdown } from './lib/markdown.js';
import { ROOT } from './lib/procs.js';
import {
  checksTable,
  runScenario,
  type Scenario,
  type ScenarioResult,
  withContext,
  writeJson,
} from './lib/scenario.js';
import { orderRoundTrip } from './order-roundtrip.js';
import { scaling } from './scaling.js';
import { startup } from './startup.js';
import { tickFanout } from './tick-fanout.js';

const SOFT_LIMIT_MS = 8.5 * 60_000;
const HARD_LIMIT_MS = 9.75 * 60_000;
// History last: it spends whatever time is left on its longest back-fill.
const SCENARIOS: readonly Scenario[] = [
  tickFanout,
  orderRoundTrip,
  ledgerReads,
  ingest,
  scaling,
  backtest,
  startup,
  history,
];

const only = process.argv.slice(2);
const selected = only.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.name));
if (selected.length === 0) {
  process.stderr.write(`unknown scenario(s) ${only.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}

const started = Date.now();
setTimeout(() => {
  progress(`watchdog: the run passed ${HARD_LIMIT_MS / 60_000} min; stopping (children are killed on exit)`);
  process.exit(3);
}, HARD_LIMIT_MS).unref();

const { results, machine } = await withContext(async (ctx, machine) => {
  const results: ScenarioResult[] = [];
  for (const [i, s] of selected.entries()) {
    progress(`scenario ${i + 1}/${selected.length}: ${s.name}`);
    results.push(await runScenario(s, { ...ctx, deadlineMs: started + SOFT_LIMIT_MS }, machine));
  }
  return { results, machine };
});
const totalMs = Date.now() - started;
const file = writeJson('bench', { totalMs, machine, results });
if (selected.length === SCENARIOS.length) {
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), benchmarksMarkdown(results, machine, totalMs));
  progress('wrote docs/benchmarks.md');
}
process.stdout.write(`\n${checksTable(results)}\n\nwhole run ${(totalMs / 1000).toFixed(0)} s; JSON: ${file}\n`);
process.exit(results.some((r) => r.error !== undefined) ? 1 : 0);
