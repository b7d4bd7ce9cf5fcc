/**
 * Scenario 3, history: one year of 1-minute AAPL bars (RTH, ≈ 98k) through the history service → NATS →
 * `fetchBars` in this process. Cold: empty cache, back-filled through gateway-ib from ib-sim (historical pacing
 * off in the sim; gateway-ib keeps its own governor of 40 msg/s, and IB does not pace 1-minute bars). Warm: the
 * same request again, served from Postgres. Then the cache is extended to 5 years (less when bench/run.ts's
 * deadline is near) and warm reads of 1 day → 5 years give the cost per bar (the history part of the scaling
 * curves). Baseline: the same stored bytes (the bar blocks of the range) read by a bare Postgres query from this
 * process, in the same run. `tsx bench/history.ts`
 */

import { fetchBarColumns, fetchBars } from '@trading-system/clients';
import type { HistBarsQuery } from '@trading-system/contracts';
import { createDatabase, sql } from '@trading-system/storage';
import { createTestSchemaName } from '@trading-system/testkit';
import { AAPL_CONID } from './lib/ib-baseline.js';
import { progress } from './lib/infra.js';
import { spawnTs } from './lib/procs.js';
import { isMain, type Outcome, runStandalone, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { fmtInt, fmtMs, percentiles, round } from './lib/stats.js';
import { SIM_START_MS, startGatewayProc, startSimProc } from './lib/system.js';

const WARM_RUNS = 5;
const CURVE: ReadonlyArray<readonly [string, number]> = [
  ['1 D', 3],
  ['1 W', 3],
  ['1 M', 3],
  ['1 Y', 3],
];
const LONGEST_YEARS = [5, 3, 2];
/**
 * BENCH_HISTORY_YEARS=N caps the extension of the cache (0: none, 1 Y only; for profiling runs, which then take
 * about a minute instead of several). Unset: the longest of LONGEST_YEARS that fits the run's deadline.
 */
const YEARS_CAP = process.env.BENCH_HISTORY_YEARS === undefined ? 5 : Number(process.env.BENCH_HISTORY_YEARS);

export const history: Scenario = {
  name: 'history',
  title: 'History: 1 year of 1-minute bars, warm from the cache vs cold back-fill',
  async run(ctx: ScenarioContext): Promise<Outcome> {
    const sim = await startSimProc();
    const schema = createTestSchemaName('bench_hist');
    const database = await createDatabase<unknown>({ kind: 'pg', url: ctx.infra.databaseUrl, poolMax: 1 });
    const stops: Array<() => Promise<void>> = [() => sim.proc.stop()];
    try {
      const gw = await startGatewayProc(ctx.bus, { natsUrl: ctx.infra.natsUrl, simPort: sim.port, clientId: 921 });
      stops.unshift(() => gw.proc.stop());
      const hist = spawnTs('history', 'bench/proc/history.ts', {
        args: [
          JSON.stringify({
            natsUrl: ctx.infra.natsUrl,
            databaseUrl: ctx.infra.databaseUrl,
            schema,
            broker: gw.broker,
            clockStartMs: sim.simNow(),
          }),
        ],
      });
      stops.unshift(() => hist.stop());
      await hist.ready;
      const query = (duration: string): HistBarsQuery => ({
        broker: gw.broker,
        instrument: { id: String(AAPL_CONID) },
        barSize: '1 min',
        whatToShow: 'TRADES',
        useRth: true,
        cachedOnly: false,
        duration,
        // A fixed end (a completed bar in the past of the sim clock): every request names the same bars, so a
        // warm read is all cache and never a back-fill of the minutes completed since the last one.
        endMs: SIM_START_MS,
      });
      // Two client forms of the same answer: columns (typed arrays decoded chunk by chunk as they arrive; what the
      // targets measure) and objects (one BarData of exact decimal strings per bar; the SDK's array form).
      const timed = async (duration: string, form: 'columns' | 'objects' = 'columns') => {
        const t0 = performance.now();
        const opts = { idleTimeoutMs: 60_000 };
        if (form === 'objects') {
          const r = await fetchBars(ctx.bus, query(duration), opts);
          if (r.partial) throw new Error(`partial answer for ${duration}: ${JSON.stringify(r.missing.slice(0, 3))}`);
          const ms = performance.now() - t0;
          const first = r.bars[0]?.tsStartMs ?? 0;
          return {
            ms,
            bars: r.bars.length,
            serverMs: r.elapsedMs,
            firstMs: first,
            lastMs: r.bars.at(-1)?.tsStartMs ?? 0,
          };
        }
        const r = await fetchBarColumns(ctx.bus, query(duration), opts);
        if (r.partial) throw new Error(`partial answer for ${duration}: ${JSON.stringify(r.missing.slice(0, 3))}`);
        const ms = performance.now() - t0;
        const n = r.columns.length;
        return {
          ms,
          bars: n,
          serverMs: r.elapsedMs,
          firstMs: n > 0 ? (r.columns.tsStartMs[0] as number) : 0,
          lastMs: n > 0 ? (r.columns.tsStartMs[n - 1] as number) : 0,
        };
      };
      // The bare baseline: the rows the service reads for the same bars (its bar blocks: one per UTC day of
      // 1-minute bars), by one query on one pooled connection; bytes counted so both sides are seen to read them.
      const bare = async (w: { firstMs: number; lastMs: number }) => {
        const t0 = performance.now();
        const r = await sql<{ rows: string }>`
          select rows from ${sql.table(`${schema}.bar_blocks`)}
           where broker = ${gw.broker} and instrument_id = ${AAPL_CONID} and bar_size = '1m' and what_to_show = 'TRADES'
             and use_rth and block_ms > ${w.firstMs - 86_400_000} and block_ms <= ${w.lastMs}
           order by block_ms`.execute(database.db);
        const ms = performance.now() - t0;
        return { ms, bytes: r.rows.reduce((n, x) => n + x.rows.length, 0) };
      };

      progress('history: cold 1 Y (back-fill through gateway-ib ← ib-sim)');
      const cold = await timed('1 Y');
      progress(`history: cold ${fmtInt(cold.bars)} bars in ${fmtMs(cold.ms)}; warm ×${WARM_RUNS}`);
      const warmRuns = [];
      const objectRuns = [];
      for (let i = 0; i < WARM_RUNS; i++) {
        warmRuns.push(await timed('1 Y'));
        objectRuns.push(await timed('1 Y', 'objects'));
      }
      const warm = percentiles(warmRuns.map((w) => w.ms));
      const warmObjects = percentiles(objectRuns.map((w) => w.ms));
      if ([...warmRuns, ...objectRuns].some((w) => w.bars !== cold.bars))
        throw new Error('warm and cold answers differ in size');
      const bareRuns = [];
      for (let i = 0; i < WARM_RUNS; i++) bareRuns.push(await bare(cold));
      const bareYear = percentiles(bareRuns.map((b) => b.ms));
      progress(`history: warm 1 Y p50 ${fmtMs(warm.p50)}; bare query of its blocks p50 ${fmtMs(bareYear.p50)}`);

      // Back-filling N more years costs about N × the cold year; within a run's deadline, take the longest that fits.
      const remainingS = ctx.deadlineMs === undefined ? Number.POSITIVE_INFINITY : (ctx.deadlineMs - Date.now()) / 1000;
      const years = LONGEST_YEARS.find((y) => y <= YEARS_CAP && ((y - 1) * cold.ms) / 1000 + 30 < remainingS);
      let coldLong: { ms: number; bars: number } | undefined;
      const points = [...CURVE];
      if (years !== undefined) {
        progress(`history: extending the cache to ${years} Y (cold)`);
        coldLong = await timed(`${years} Y`);
        points.push([`${years} Y`, 2]);
      } else progress('history: no time left in this run to extend the cache beyond 1 Y');
      const curve = [];
      for (const [duration, runs] of points) {
        const samples = [];
        for (let i = 0; i < runs; i++) samples.push(await timed(duration));
        const best = Math.min(...samples.map((s) => s.ms));
        const bars = samples[0]?.bars ?? 0;
        const bareSamples = [];
        for (let i = 0; i < runs; i++) bareSamples.push(await bare(samples[0] ?? cold));
        const bareBest = Math.min(...bareSamples.map((s) => s.ms));
        curve.push({
          duration,
          bars,
          bestMs: round(best),
          usPerBar: round((best * 1000) / Math.max(1, bars), 3),
          bareBestMs: round(bareBest),
          bareBytes: bareSamples[0]?.bytes ?? 0,
        });
        progress(`history: warm ${duration}: ${fmtInt(bars)} bars, best ${fmtMs(best)} (bare ${fmtMs(bareBest)})`);
      }
      const longest = years === undefined ? undefined : curve.at(-1);
      const speedup = cold.ms / warm.p50;
      return {
        metrics: {
          bars: cold.bars,
          coldMs: round(cold.ms),
          warmMs: warm,
          bareMs: bareYear,
          bareBytes: bareRuns[0]?.bytes ?? 0,
          warmRuns: warmRuns.map((w) => ({ ms: round(w.ms), serverMs: w.serverMs })),
          warmObjectsMs: warmObjects,
          warmObjectRuns: objectRuns.map((w) => ({ ms: round(w.ms), serverMs: w.serverMs })),
          speedup: round(speedup, 1),
          coldLongest: coldLong === undefined ? null : { years, bars: coldLong.bars, ms: round(coldLong.ms) },
          warmCurve: curve,
        },
        checks: [
          {
            target: `warm 1 Y of 1-min bars (${fmtInt(cold.bars)}) ≤ 200 ms`,
            measured: `p50 ${fmtMs(warm.p50)} (max ${fmtMs(warm.max)})`,
            baseline: `cold ${fmtMs(cold.ms)}`,
            pass: warm.p50 <= 200,
          },
          {
            target: 'warm 1 Y as objects (fetchBars: exact decimal strings, one object per bar) (info)',
            measured: `p50 ${fmtMs(warmObjects.p50)} (max ${fmtMs(warmObjects.max)})`,
            baseline: `columns p50 ${fmtMs(warm.p50)}`,
            pass: undefined,
          },
          {
            target: 'warm 1 Y within 2× of a bare Postgres read of the same stored bytes',
            measured: `p50 ${fmtMs(warm.p50)} = ${round(warm.p50 / bareYear.p50, 1)}× bare`,
            baseline: `bare query p50 ${fmtMs(bareYear.p50)} (${fmtInt(bareRuns[0]?.bytes ?? 0)} B of blocks)`,
            pass: warm.p50 <= 2 * bareYear.p50,
          },
          ...(longest === undefined
            ? []
            : [
                {
                  target: `warm ${longest.duration} of 1-min bars (${fmtInt(longest.bars)}) ≤ ${(years ?? 5) * 200} ms (5 Y ≤ 1 s)`,
                  measured: `best of 2 ${fmtMs(longest.bestMs)}`,
                  baseline: `bare query ${fmtMs(longest.bareBestMs)}`,
                  pass: longest.bestMs <= ((years ?? 5) / 5) * 1000,
                },
              ]),
          {
            target: 'warm ≥ 50× faster than cold',
            measured: `${round(speedup, 1)}×`,
            baseline: '1× (cold, sim pacing off)',
            pass: speedup >= 50,
          },
          ...curve.map((c) => ({
            target: `scaling: warm ${c.duration} cached (info)`,
            measured: `${fmtInt(c.bars)} bars in ${fmtMs(c.bestMs)} = ${c.usPerBar} µs/bar`,
            baseline: `bare query ${fmtMs(c.bareBestMs)}`,
            pass: undefined,
          })),
        ],
        notes: [
          'warm = median of 5 runs, client-side end to end (request → last chunk decoded) with fetchBarColumns: typed arrays filled chunk by chunk as they arrive; the object form (fetchBars, the SDK array) alternates with it and has its own row',
          'bare = the same bar blocks read by one query on one connection from the bench process (no decode)',
        ],
      };
    } finally {
      for (const stop of stops) await stop();
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    }
  },
};

if (isMain(import.meta.url)) await runStandalone(history);
