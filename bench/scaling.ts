/**
 * Scenario 5, scaling curves (the history curve, 1 day → 5 years cached, is part of bench/history.ts):
 * - instruments: 1 → 795 subscribed through gateway-ib (795 = every instrument in ib-sim's catalog; the sim has
 *   no 1,000), each trading SCALING_RATE trades/s in the sim; points are cumulative.
 * - consumers: 1 → 100 NATS connections each subscribed to one instrument's ticks.
 * At each point, a short window: trades/s and messages/s delivered, latency, and CPU µs per delivered message of
 * gateway-ib and of the consuming process (the cost per unit). `tsx bench/scaling.ts`
 */
import type { Bus } from '@trading-system/bus';
import { buildCatalog } from '@trading-system/ib-sim';
import { AAPL_CONID } from './lib/ib-baseline.js';
import { openBus, progress } from './lib/infra.js';
import { cpuSeconds, selfCpuSeconds } from './lib/procs.js';
import { isMain, type Outcome, runStandalone, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { fmtInt, fmtMs, round } from './lib/stats.js';
import { SIM_START_MS, startGatewayProc, startSimProc } from './lib/system.js';
import { measureBare, measureThroughBus, type StreamStats } from './tick-fanout.js';

const SCALING_RATE = 25;
/** BENCH_SCALING=widest: the 1 and 795-instrument points only (for profiling and A/B runs: ~1.5 min, not 2). */
const WIDEST_ONLY = process.env.BENCH_SCALING === 'widest';
const INSTRUMENT_POINTS = WIDEST_ONLY ? [1, 1_000] : [1, 10, 100, 1_000];
const CONSUMER_POINTS = WIDEST_ONLY ? [1] : [1, 10, 100];

interface Point {
  readonly n: number;
  readonly tradesPerSec: number;
  readonly messagesPerSec: number;
  readonly deliveredPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** p99 of sim emit → gateway-ib built the message, and of gateway-ib built it → the callback. */
  readonly p99ToGatewayMs?: number;
  readonly p99FromGatewayMs?: number;
  readonly gatewayUsPerMsg: number;
  readonly consumerUsPerMsg: number;
  readonly subscribeMsPerInstrument?: number;
}

/** Gateway cost per published message; consumer cost per delivered message (all consumers together). */
function point(n: number, s: StreamStats, gatewayCpu: number, consumerCpu: number, extra: object = {}): Point {
  const delivered = s.deliveredPerSec ?? s.messagesPerSec;
  const per = (cpu: number, msgs: number) => round((cpu * 1e6) / Math.max(1, msgs), 1);
  return {
    n,
    tradesPerSec: Math.round(s.tradesPerSec),
    messagesPerSec: Math.round(s.messagesPerSec),
    deliveredPerSec: Math.round(delivered),
    p50Ms: s.latencyMs.p50,
    p99Ms: s.latencyMs.p99,
    ...(s.splitMs === undefined
      ? {}
      : { p99ToGatewayMs: s.splitMs.toGateway.p99, p99FromGatewayMs: s.splitMs.fromGateway.p99 }),
    gatewayUsPerMsg: per(gatewayCpu, s.messagesPerSec),
    consumerUsPerMsg: per(consumerCpu, delivered),
    ...extra,
  };
}

export const scaling: Scenario = {
  name: 'scaling',
  title: 'Scaling: instruments subscribed, consumers of one instrument',
  async run(ctx: ScenarioContext): Promise<Outcome> {
    const instrumentIds = buildCatalog(SIM_START_MS).instruments.map((i) => String(i.conId));
    const aapl = String(AAPL_CONID);
    const ordered = [aapl, ...instrumentIds.filter((c) => c !== aapl)];
    const sim = await startSimProc({ highRateTicksPerSec: SCALING_RATE, maxMarketDataLines: 2_000 });
    const extraBuses: Bus[] = [];
    try {
      // The same-run baseline of the widest point: a bare @stoqey/ib client on the same sim, every instrument.
      const widest = ordered.slice(0, Math.min(INSTRUMENT_POINTS.at(-1) ?? 1, ordered.length));
      progress(`scaling: bare client, ${widest.length} instruments (subscribing at 40/s)`);
      const bare = await measureBare(sim.port, sim.proc.child.pid, 932, { conIds: widest.map(Number) });
      progress(`scaling: bare ${fmtInt(bare.tradesPerSec)} trades/s, p99 ${fmtMs(bare.latencyMs.p99)}`);
      const gw = await startGatewayProc(ctx.bus, {
        natsUrl: ctx.infra.natsUrl,
        simPort: sim.port,
        clientId: 931,
        marketDataLines: 2_000,
      });
      try {
        const cpuOf = {
          gateway: gw.proc.cpuSeconds,
          consumer: selfCpuSeconds,
          sim: () => cpuSeconds(sim.proc.child.pid),
        };
        const consumers: Point[] = [];
        for (const n of CONSUMER_POINTS) {
          while (extraBuses.length < n - 1)
            extraBuses.push(await openBus(ctx.infra.natsUrl, `bench-consumer-${extraBuses.length}`));
          const s = await measureThroughBus(ctx.bus, gw.broker, [String(AAPL_CONID)], cpuOf, {
            request: n === 1 ? [String(AAPL_CONID)] : [],
            consumers: [ctx.bus, ...extraBuses.slice(0, n - 1)],
          });
          consumers.push(point(n, s, s.cpu.gateway ?? Number.NaN, s.cpu.consumer ?? Number.NaN));
          progress(`scaling: ${n} consumer(s): ${fmtInt(s.messagesPerSec)} msgs/s, p99 ${fmtMs(s.latencyMs.p99)}`);
        }
        const instruments: Point[] = [];
        let subscribed = 1;
        for (const wanted of INSTRUMENT_POINTS) {
          const n = Math.min(wanted, ordered.length);
          const s = await measureThroughBus(ctx.bus, gw.broker, ordered.slice(0, n), cpuOf, {
            request: ordered.slice(subscribed, n),
            subscribeTimeoutMs: 120_000,
          });
          const added = n - subscribed;
          instruments.push(
            point(n, s, s.cpu.gateway ?? Number.NaN, s.cpu.consumer ?? Number.NaN, {
              subscribeMsPerInstrument: added > 0 ? round(s.subscribeMs / added, 1) : undefined,
            }),
          );
          subscribed = n;
          progress(`scaling: ${n} instrument(s): ${fmtInt(s.tradesPerSec)} trades/s, p99 ${fmtMs(s.latencyMs.p99)}`);
          if (n < wanted) break;
        }
        const row = (label: string, p: Point) => ({
          target: `${label} (info)`,
          measured: `${fmtInt(p.messagesPerSec)} msgs/s published, ${fmtInt(p.deliveredPerSec)} delivered, p99 ${fmtMs(p.p99Ms)}${p.p99ToGatewayMs === undefined ? '' : ` (sim → gateway-ib ${fmtMs(p.p99ToGatewayMs)}, gateway-ib → callback ${fmtMs(p.p99FromGatewayMs ?? Number.NaN)})`}, gateway ${p.gatewayUsPerMsg} µs/msg, consumer ${p.consumerUsPerMsg} µs/msg`,
          baseline: !label.includes('instrument')
            ? '-'
            : p.n === widest.length
              ? `offered ${fmtInt(p.n * SCALING_RATE)} trades/s; bare @stoqey/ib on the same sim, ${p.n} instruments: ${fmtInt(bare.tradesPerSec)} trades/s, p50 ${fmtMs(bare.latencyMs.p50)} p99 ${fmtMs(bare.latencyMs.p99)}`
              : `offered ${fmtInt(p.n * SCALING_RATE)} trades/s`,
          pass: undefined,
        });
        return {
          metrics: { ratePerInstrument: SCALING_RATE, catalogSize: ordered.length, consumers, instruments, bare },
          checks: [
            ...consumers.map((p) => row(`${p.n} consumer(s) of one instrument`, p)),
            ...instruments.map((p) => row(`${p.n} instrument(s) subscribed`, p)),
          ],
          notes: [
            `ib-sim's catalog has ${ordered.length} instruments: the 1,000 point is capped there`,
            'gateway µs/msg = its CPU over the window ÷ messages published; consumer µs/msg = bench CPU ÷ messages delivered',
            'at small N the fixed cost of an idle process (timers, heartbeats) dominates the per-message figure',
          ],
        };
      } finally {
        await gw.proc.stop();
      }
    } finally {
      for (const b of extraBuses) await b.drain();
      await sim.proc.stop();
    }
  },
};

if (isMain(import.meta.url)) await runStandalone(scaling);
