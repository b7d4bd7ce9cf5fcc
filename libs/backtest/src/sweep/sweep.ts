/**
 * A parameter sweep: every combination of a grid, spread over worker threads (each imports the strategy file and
 * reads the bars from shared memory), ranked by a statistic. Results are in grid order before ranking, so the
 * same sweep gives the same table however the work was spread.
 */
import { Worker } from 'node:worker_threads';
import type { BacktestOptions, BarSeriesInput } from '../engine.js';
import type { Statistics } from '../stats.js';
import { type SharedSeries, toShared } from './columns.js';

/** Options every run of the sweep shares (only serialisable ones: they cross threads). */
export type SweepBase = Pick<
  BacktestOptions,
  | 'timeframe'
  | 'from'
  | 'to'
  | 'cash'
  | 'currency'
  | 'latencyMs'
  | 'commissions'
  | 'marginCheck'
  | 'returnPeriod'
  | 'periodsPerYear'
  | 'riskFreeRate'
  | 'strategyId'
> & { readonly spreadTicks?: number; readonly slippageTicks?: number };

export interface SweepOptions {
  readonly strategyFile: string;
  readonly data: readonly BarSeriesInput[];
  readonly base: SweepBase;
  /** Parameters set for every run (`--param`). */
  readonly fixed: Readonly<Record<string, number | string | boolean>>;
  readonly combos: ReadonlyArray<Readonly<Record<string, number | string>>>;
  readonly workers: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SweepRow {
  readonly index: number;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly statistics: Statistics;
}

export interface WorkerInit {
  readonly strategyFile: string;
  readonly series: readonly SharedSeries[];
  readonly base: SweepBase;
}

export type WorkerReply =
  | { readonly kind: 'done'; readonly index: number; readonly statistics: Statistics }
  | { readonly kind: 'failed'; readonly index: number; readonly message: string };

export class SweepFailedError extends Error {
  override readonly name = 'SweepFailedError';
}

export async function runSweep(o: SweepOptions): Promise<SweepRow[]> {
  const series = o.data.map(toShared);
  const total = o.combos.length;
  const rows: Array<SweepRow | undefined> = new Array(total).fill(undefined);
  let next = 0;
  let done = 0;
  const init: WorkerInit = { strategyFile: o.strategyFile, series, base: o.base };
  const count = Math.max(1, Math.min(o.workers, total));
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: init }),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= total) {
                resolve();
                return;
              }
              const index = next++;
              w.postMessage({ index, params: { ...o.fixed, ...o.combos[index] } });
            };
            w.on('message', (m: WorkerReply) => {
              if (m.kind === 'failed') {
                reject(new SweepFailedError(`run ${m.index + 1} (${JSON.stringify(o.combos[m.index])}): ${m.message}`));
                return;
              }
              rows[m.index] = {
                index: m.index,
                params: { ...o.fixed, ...o.combos[m.index] },
                statistics: m.statistics,
              };
              done++;
              o.onProgress?.(done, total);
              send();
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (next < total || code !== 0) reject(new SweepFailedError(`a sweep worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return rows.filter((r): r is SweepRow => r !== undefined);
}

export type RankKey = 'sharpe' | 'sortino' | 'totalReturn' | 'cagr' | 'profitFactor' | 'winRate' | 'maxDrawdown';

/** Best first; null statistics last; ties keep grid order. Lower is better for maxDrawdown. */
export function rankRows(rows: readonly SweepRow[], key: RankKey): SweepRow[] {
  const sign = key === 'maxDrawdown' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a.statistics[key];
    const y = b.statistics[key];
    if (x === null && y === null) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    return sign * (x - y) || a.index - b.index;
  });
}
