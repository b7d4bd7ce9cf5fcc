/** A sweep worker: imports the strategy once, then runs one backtest per message on the shared bars. */
import { parentPort, workerData } from 'node:worker_threads';
import { importStrategy, instantiate } from '@trading-system/strategy';
import { runBacktest } from '../engine.js';
import { fromShared } from './columns.js';
import type { WorkerInit, WorkerReply } from './sweep.js';

const init = workerData as WorkerInit;
const exported = await importStrategy(init.strategyFile);
const data = init.series.map(fromShared);
const { spreadTicks, slippageTicks, ...base } = init.base;

parentPort?.on('message', (m: { index: number; params: Record<string, number | string | boolean> }) => {
  let reply: WorkerReply;
  try {
    const r = runBacktest({
      ...base,
      strategy: instantiate(exported),
      data,
      params: m.params,
      fills: { mode: 'bars', spreadTicks: spreadTicks ?? 0, slippageTicks: slippageTicks ?? 0 },
      log: 'silent',
    });
    reply = { kind: 'done', index: m.index, statistics: r.statistics };
  } catch (err) {
    reply = { kind: 'failed', index: m.index, message: (err as Error).message };
  }
  parentPort?.postMessage(reply);
});
