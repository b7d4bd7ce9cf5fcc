/**
 * Scenario 1, tick fan-out: ib-sim (high-rate mode) → gateway-ib → NATS → a bus subscriber callback in this
 * process, against a bare @stoqey/ib client reading the same sim stream. `tsx bench/tick-fanout.ts`
 *
 * Every synthetic trade is LAST + RTVolume; RTVolume carries the sim's emit time (epoch ms) and a running volume
 * that grows by 1 per trade. gateway-ib conflates: one Tick per instrument per event-loop turn carries the latest
 * state, so trades/s is counted from the volume a Tick reports (trades covered), messages/s from Ticks received.
 * Latency = receive time − emit time of the newest trade in the message (both Date.now(): 1 ms resolution).
 */
import { EventName } from '@stoqey/ib';
import type { Bus } from '@trading-system/bus';
import { type BrokerMdSubscribeReply, Subjects, type Tick } from '@trading-system/contracts';
import { AAPL_CONID, aaplContract, connectBare } from './lib/ib-baseline.js';
import { progress, sleep } from './lib/infra.js';
import { cpuSeconds, selfCpuSeconds } from './lib/procs.js';
import { isMain, type Outcome, runStandalone, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { fmtInt, fmtMs, type Percentiles, Reservoir, round } from './lib/stats.js';
import { startGatewayProc, startSimProc } from './lib/system.js';

const WARMUP_MS = 1_500;
const WINDOW_MS = 5_000;
const HIGH_RATE = 120_000;
const LATENCY_RATE = 10_000;
const RT_VOLUME = 48;
const SUBSCRIBE_CONCURRENCY = 20;

export interface StreamStats {
  readonly tradesPerSec: number;
  /** Messages per second as published (counted at the first consumer). */
  readonly messagesPerSec: number;
  /** Messages per second delivered to all consumers together (= messagesPerSec with one consumer). */
  readonly deliveredPerSec?: number;
  readonly latencyMs: Percentiles;
  /**
   * Through the system only, the latency split at gateway-ib's stamp (Tick.tsInitMs): sim emit → gateway built the
   * message, and gateway built it → the callback (NATS, the consumer's queue).
   */
  readonly splitMs?: { readonly toGateway: Percentiles; readonly fromGateway: Percentiles };
  /** CPU seconds per second of wall time over the window, per process. */
  readonly cpu: Record<string, number>;
}

interface Window {
  measuring: boolean;
}

async function measureWindow(
  win: Window,
  cpuOf: Record<string, () => number>,
): Promise<{ seconds: number; cpu: Record<string, number> }> {
  await sleep(WARMUP_MS);
  const before = Object.fromEntries(Object.entries(cpuOf).map(([k, f]) => [k, f()]));
  const t0 = performance.now();
  win.measuring = true;
  await sleep(WINDOW_MS);
  win.measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = Object.fromEntries(
    Object.entries(cpuOf).map(([k, f]) => [k, round((f() - (before[k] ?? 0)) / seconds, 2)]),
  );
  return { seconds, cpu };
}

/**
 * The baseline: a bare @stoqey/ib client subscribed to `conIds` (default AAPL) on the sim, RTVolume trades counted
 * and timed as the system's are. Subscriptions go one per `paceMs` (under IB's 50 msg/s) before the window.
 */
export async function measureBare(
  simPort: number,
  simPid: number | undefined,
  clientId: number,
  options: { readonly conIds?: readonly number[]; readonly paceMs?: number } = {},
): Promise<StreamStats> {
  const conIds = options.conIds ?? [AAPL_CONID];
  const c = await connectBare(simPort, clientId);
  const win: Window = { measuring: false };
  const latency = new Reservoir();
  let trades = 0;
  c.ib.on(EventName.tickString, (_reqId: number, field: number, value: string) => {
    if (field !== RT_VOLUME || !win.measuring) return;
    trades++;
    latency.add(Date.now() - Number(value.split(';')[2]));
  });
  for (const [i, conId] of conIds.entries()) {
    if (i > 0) await sleep(options.paceMs ?? 25);
    c.ib.reqMktData(i + 1, conId === AAPL_CONID ? aaplContract : { conId, exchange: 'SMART' }, '233', false, false);
  }
  const { seconds, cpu } = await measureWindow(win, { bench: selfCpuSeconds, sim: () => cpuSeconds(simPid) });
  // Closing the connection ends its lines at the sim (as at TWS): no cancel per line.
  c.close();
  return { tradesPerSec: trades / seconds, messagesPerSec: trades / seconds, latencyMs: latency.summary(), cpu };
}

async function measureSystem(
  ctx: ScenarioContext,
  simPort: number,
  simPid: number | undefined,
  clientId: number,
): Promise<StreamStats> {
  const gw = await startGatewayProc(ctx.bus, { natsUrl: ctx.infra.natsUrl, simPort, clientId });
  try {
    return await measureThroughBus(ctx.bus, gw.broker, [String(AAPL_CONID)], {
      bench: selfCpuSeconds,
      gateway: gw.proc.cpuSeconds,
      sim: () => cpuSeconds(simPid),
    });
  } finally {
    await gw.proc.stop();
  }
}

/** Subscribes `instrumentIds` through the gateway, one bus subscriber per instrument, and measures one window. */
export interface ThroughBusOptions {
  /** Instruments to mdSubscribe first (default: all of `instrumentIds`; the rest are subscribed already). */
  readonly request?: readonly string[];
  /** Bus connections that each subscribe to every instrument (default: `bus` alone). */
  readonly consumers?: readonly Bus[];
  readonly subscribeTimeoutMs?: number;
}

/**
 * Listens to `instrumentIds` through the gateway (one subscriber per instrument per consumer connection), subscribes
 * `request` at the gateway, and measures one window. Latency covers every consumer; trades/s the first one.
 */
export async function measureThroughBus(
  bus: Bus,
  broker: string,
  instrumentIds: readonly string[],
  cpuOf: Record<string, () => number>,
  options: ThroughBusOptions = {},
): Promise<StreamStats & { subscribeMs: number }> {
  const consumers = options.consumers ?? [bus];
  const win: Window = { measuring: false };
  const latency = new Reservoir();
  const toGateway = new Reservoir();
  const fromGateway = new Reservoir();
  let messages = 0;
  let delivered = 0;
  let trades = 0;
  const subs = [];
  for (const instrumentId of instrumentIds) {
    const subject = Subjects.mdTick.build({ broker, instrument: instrumentId });
    let lastVolume = Number.NaN;
    for (const [k, consumer] of consumers.entries()) {
      const first = k === 0;
      subs.push(
        consumer.subscribe<Tick>(subject, (m) => {
          const t = m.data;
          if (!win.measuring) {
            if (first) lastVolume = Number(t.volume);
            return;
          }
          delivered++;
          const now = Date.now();
          latency.add(now - t.tsEventMs);
          toGateway.add(t.tsInitMs - t.tsEventMs);
          fromGateway.add(now - t.tsInitMs);
          if (!first) return;
          messages++;
          const v = Number(t.volume);
          if (Number.isFinite(lastVolume) && v > lastVolume) trades += v - lastVolume;
          lastVolume = v;
        }),
      );
    }
  }
  const t0 = performance.now();
  const subject = Subjects.brokerCommand.build({ broker, verb: 'mdSubscribe' });
  // At most SUBSCRIBE_CONCURRENCY in flight: gateway-ib's contract lookup times out (10 s) when hundreds of
  // reqContractDetails wait behind its 40 msg/s governor at once.
  const queue = [...(options.request ?? instrumentIds)];
  const worker = async (): Promise<void> => {
    for (let instrumentId = queue.shift(); instrumentId !== undefined; instrumentId = queue.shift()) {
      const r = await bus.request<BrokerMdSubscribeReply>(
        subject,
        { v: 1, instrument: { id: instrumentId }, streams: ['ticks'] },
        { timeoutMs: options.subscribeTimeoutMs ?? 60_000 },
      );
      if (!r.ok) throw new Error(`mdSubscribe ${instrumentId}: ${r.code} ${r.message}`);
    }
  };
  await Promise.all(Array.from({ length: SUBSCRIBE_CONCURRENCY }, worker));
  const subscribeMs = performance.now() - t0;
  const { seconds, cpu } = await measureWindow(win, cpuOf);
  for (const s of subs) s.unsubscribe();
  return {
    tradesPerSec: trades / seconds,
    messagesPerSec: messages / seconds,
    deliveredPerSec: delivered / seconds,
    latencyMs: latency.summary(),
    splitMs: { toGateway: toGateway.summary(), fromGateway: fromGateway.summary() },
    cpu,
    subscribeMs,
  };
}

const pct = (a: number, b: number): string => `${round((100 * a) / b, 1)}%`;

export const tickFanout: Scenario = {
  name: 'tick-fanout',
  title: 'Tick fan-out: ib-sim → gateway-ib → NATS → subscriber',
  async run(ctx): Promise<Outcome> {
    progress(`tick-fanout: sim at ${fmtInt(HIGH_RATE)} trades/s`);
    let sim = await startSimProc({ highRateTicksPerSec: HIGH_RATE });
    let bareHigh: StreamStats;
    let sysHigh: StreamStats;
    try {
      bareHigh = await measureBare(sim.port, sim.proc.child.pid, 901);
      progress(`tick-fanout: bare ${fmtInt(bareHigh.tradesPerSec)} trades/s; now through the system`);
      sysHigh = await measureSystem(ctx, sim.port, sim.proc.child.pid, 902);
      progress(`tick-fanout: system ${fmtInt(sysHigh.tradesPerSec)} trades/s`);
    } finally {
      await sim.proc.stop();
    }
    progress(`tick-fanout: sim at ${fmtInt(LATENCY_RATE)} trades/s (latency)`);
    sim = await startSimProc({ highRateTicksPerSec: LATENCY_RATE });
    let bareLow: StreamStats;
    let sysLow: StreamStats;
    try {
      bareLow = await measureBare(sim.port, sim.proc.child.pid, 903);
      sysLow = await measureSystem(ctx, sim.port, sim.proc.child.pid, 904);
    } finally {
      await sim.proc.stop();
    }
    return {
      metrics: {
        simRate: { high: HIGH_RATE, latency: LATENCY_RATE },
        windowMs: WINDOW_MS,
        warmupMs: WARMUP_MS,
        high: { baseline: bareHigh, system: sysHigh },
        at10k: { baseline: bareLow, system: sysLow },
      },
      checks: [
        {
          target: `throughput ≥ 100,000 trades/s (sim offers ${fmtInt(HIGH_RATE)}/s)`,
          measured: `${fmtInt(sysHigh.tradesPerSec)}/s (${fmtInt(sysHigh.messagesPerSec)} msgs/s)`,
          baseline: `${fmtInt(bareHigh.tradesPerSec)}/s`,
          pass: sysHigh.tradesPerSec >= 100_000,
        },
        {
          target: 'throughput ≥ 80% of baseline',
          measured: pct(sysHigh.tradesPerSec, bareHigh.tradesPerSec),
          baseline: '100%',
          pass: sysHigh.tradesPerSec >= 0.8 * bareHigh.tradesPerSec,
        },
        {
          target: 'p99 latency ≤ 2 ms at 10k trades/s (emit → callback)',
          measured: `p50 ${fmtMs(sysLow.latencyMs.p50)} p99 ${fmtMs(sysLow.latencyMs.p99)} p99.9 ${fmtMs(sysLow.latencyMs.p999)}`,
          baseline: `p50 ${fmtMs(bareLow.latencyMs.p50)} p99 ${fmtMs(bareLow.latencyMs.p99)} p99.9 ${fmtMs(bareLow.latencyMs.p999)}`,
          pass: sysLow.latencyMs.p99 <= 2,
        },
        {
          target: `latency at ${fmtInt(HIGH_RATE)}/s offered (info)`,
          measured: `p50 ${fmtMs(sysHigh.latencyMs.p50)} p99 ${fmtMs(sysHigh.latencyMs.p99)} p99.9 ${fmtMs(sysHigh.latencyMs.p999)}`,
          baseline: `p50 ${fmtMs(bareHigh.latencyMs.p50)} p99 ${fmtMs(bareHigh.latencyMs.p99)} p99.9 ${fmtMs(bareHigh.latencyMs.p999)}`,
          pass: undefined,
        },
      ],
      notes: [
        'trades/s = trades covered by the Ticks received (volume delta; gateway-ib conflates per event-loop turn)',
        'latency has 1 ms resolution (the sim stamps epoch ms)',
      ],
    };
  },
};

if (isMain(import.meta.url)) await runStandalone(tickFanout);
