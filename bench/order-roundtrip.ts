/**
 * Scenario 2, order round trip: `orders.submit` → OMS (ledger write in Postgres) → gateway-ib → ib-sim, until the
 * client has both the submit reply and the broker's acknowledgement (the first orderStatus fact for the order,
 * PreSubmitted/Submitted, on `broker.<b>.evt.orderStatus`). Baseline: a bare @stoqey/ib client, placeOrder →
 * first orderStatus callback, on the same sim. `tsx bench/order-roundtrip.ts`
 *
 * Orders are 1-share limit buys at 1.00 (they rest, never fill). Light load: an open loop at 10/s (an order
 * every 100 ms, each done long before the next), far under IB's 50 msg/s. It was one order after another, back
 * to back: at ~3 ms a round trip the bare client then sends ~300 orders a second, its own limiter (5 per 100 ms)
 * queues them, and both sides measured their pacing (the bare p50 swung 1.4-10.6 ms by how much backlog the
 * limiter held, the system's governor held it at ~20 ms an order), not the path. At 50/s: an open loop sending
 * one every 20 ms, each timed on its own. gateway-ib is given IB's 50 msg/s as its governor
 * rate. IB's limit is counted twice for each side: the breaches ib-sim counted on that side's connection (by
 * clientId, its control `GET /rate`: what TWS would hold against it) and the error 100s the client reported (the
 * gateway's log, the bare client's `info` events).
 */
import { randomUUID } from 'node:crypto';
import { EventName, type Order, OrderAction, OrderType, TimeInForce } from '@stoqey/ib';
import type { Bus } from '@trading-system/bus';
import { type BrokerOrderStatus, type OrderCommandReply, Subjects } from '@trading-system/contracts';
import { createDatabase, sql } from '@trading-system/storage';
import { createTestSchemaName } from '@trading-system/testkit';
import { AAPL_CONID, aaplContract, type BareClient, connectBare } from './lib/ib-baseline.js';
import { progress, sleep, waitFor } from './lib/infra.js';
import { spawnTs } from './lib/procs.js';
import { isMain, type Outcome, runStandalone, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { fmtMs, type Percentiles, percentiles } from './lib/stats.js';
import { type RateCounts, startGatewayProc, startSimProc } from './lib/system.js';

const WARMUP_ORDERS = 10;
const LIGHT_ORDERS = 150;
const LIGHT_PER_SEC = 10;
const RATE_PER_SEC = 50;
const RATE_SECONDS = 5;
const ACK_TIMEOUT_MS = 15_000;
const BARE_CLIENT_ID = 911;
const GATEWAY_CLIENT_ID = 912;

export interface LoadResult {
  readonly latencyMs: Percentiles;
  readonly failures: number;
}

/** Awaits per-key events with a deadline; events may arrive before anyone waits for them. */
class Arrivals<K> {
  private readonly seen = new Map<K, number>();
  private readonly waiting = new Map<K, (t: number) => void>();

  arrive(key: K, t: number): void {
    if (this.seen.has(key)) return;
    this.seen.set(key, t);
    this.waiting.get(key)?.(t);
  }

  wait(key: K, timeoutMs: number): Promise<number> {
    const t = this.seen.get(key);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`no acknowledgement for ${String(key)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, (at) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(at);
      });
    });
  }
}

async function openLoop(count: number, perSec: number, one: () => Promise<number>): Promise<LoadResult> {
  const samples: number[] = [];
  let failures = 0;
  const runs: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / perSec;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    runs.push(
      one().then(
        (ms) => void samples.push(ms),
        () => void failures++,
      ),
    );
  }
  await Promise.all(runs);
  return { latencyMs: percentiles(samples), failures };
}

async function sequential(count: number, one: () => Promise<number>): Promise<LoadResult> {
  const samples: number[] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    try {
      samples.push(await one());
    } catch {
      failures++;
    }
  }
  return { latencyMs: percentiles(samples), failures };
}

const restingBuy = (account: string | undefined): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 1,
  orderType: OrderType.LMT,
  lmtPrice: 1,
  tif: TimeInForce.DAY,
  transmit: true,
  ...(account === undefined ? {} : { account }),
});

function bareRoundTrip(c: BareClient): () => Promise<number> {
  const acks = new Arrivals<number>();
  c.ib.on(EventName.orderStatus, (orderId: number) => acks.arrive(orderId, performance.now()));
  let nextId = c.nextOrderId;
  return async () => {
    const id = nextId++;
    const t0 = performance.now();
    c.ib.placeOrder(id, aaplContract, restingBuy(undefined));
    return (await acks.wait(id, ACK_TIMEOUT_MS)) - t0;
  };
}

function systemRoundTrip(bus: Bus, broker: string, failuresSeen: string[]): () => Promise<number> {
  const acks = new Arrivals<string>();
  bus.subscribe<BrokerOrderStatus>(Subjects.brokerEvent.build({ broker, kind: 'orderStatus' }), (m) => {
    if (m.data.clientOrderId !== undefined) acks.arrive(m.data.clientOrderId, performance.now());
  });
  return async () => {
    const clientOrderId = `bench-${randomUUID()}`;
    const t0 = performance.now();
    const ack = acks.wait(clientOrderId, ACK_TIMEOUT_MS);
    ack.catch(() => undefined);
    const reply = await bus.request<OrderCommandReply>(
      Subjects.ordersSubmit.build(),
      {
        v: 1,
        clientOrderId,
        broker,
        instrument: { id: String(AAPL_CONID) },
        side: 'BUY',
        quantity: '1',
        orderType: 'LMT',
        limitPrice: '1.00',
        tif: 'DAY',
      },
      { timeoutMs: ACK_TIMEOUT_MS },
    );
    if (!reply.ok) {
      if (failuresSeen.length < 5) failuresSeen.push(`${reply.code}: ${reply.message}`);
      throw new Error(`submit refused: ${reply.code}`);
    }
    const replied = performance.now();
    return Math.max(replied, await ack) - t0;
  };
}

/** An added latency with its sign (noise can make the system's percentile the lower one). */
const signed = (ms: number): string => `${ms >= 0 ? '+' : '−'}${fmtMs(Math.abs(ms))}`;

/** Breaches as ib-sim counted them on the connection, then the error 100s the client itself reported. */
const breaches = (sim: RateCounts, reported: number): string =>
  `${sim.breaches} breach(es) at ib-sim (peak ${sim.peakPerSecond}/s, ${sim.exceeded} over), ${reported} × error 100 seen`;

const code100 = (output: readonly string[]): number =>
  output
    .join('')
    .split('\n')
    .filter((l) => /"code":100[,}]/.test(l)).length;

export const orderRoundTrip: Scenario = {
  name: 'order-roundtrip',
  title: 'Order round trip: orders.submit → OMS → gateway-ib → ib-sim → acknowledged',
  async run(ctx: ScenarioContext): Promise<Outcome> {
    const sim = await startSimProc({ maxMessagesPerSecond: 50 });
    const schema = createTestSchemaName('bench_orders');
    const database = await createDatabase<unknown>({ kind: 'pg', url: ctx.infra.databaseUrl, poolMax: 1 });
    const stops: Array<() => Promise<void>> = [() => sim.proc.stop()];
    try {
      progress('order-roundtrip: baseline (bare @stoqey/ib)');
      const bare = await connectBare(sim.port, BARE_CLIENT_ID);
      const bareOne = bareRoundTrip(bare);
      await sequential(WARMUP_ORDERS, bareOne);
      const bareLight = await openLoop(LIGHT_ORDERS, LIGHT_PER_SEC, bareOne);
      const bareRate = await openLoop(RATE_PER_SEC * RATE_SECONDS, RATE_PER_SEC, bareOne);
      const bare100 = bare.errors.get(100) ?? 0;
      bare.close();
      const bareSimRate = await sim.rateOf(BARE_CLIENT_ID);

      progress('order-roundtrip: starting gateway-ib and orders');
      const gw = await startGatewayProc(ctx.bus, {
        natsUrl: ctx.infra.natsUrl,
        simPort: sim.port,
        clientId: GATEWAY_CLIENT_ID,
        maxMessagesPerSecond: 50,
      });
      stops.unshift(() => gw.proc.stop());
      const orders = spawnTs('orders', 'services/orders/src/main.ts', {
        env: {
          NATS_URL: ctx.infra.natsUrl,
          DATABASE_URL: ctx.infra.databaseUrl,
          ORDERS_BROKERS: gw.broker,
          ORDERS_DB_SCHEMA: schema,
          LOG_LEVEL: 'warn',
        },
      });
      stops.unshift(() => orders.stop());
      await waitFor(
        async () =>
          (await ctx.bus.request<{ ok: boolean }>(Subjects.ordersTradingState.build(), { v: 1 }, { timeoutMs: 1_000 }))
            .ok,
        60_000,
        'the orders service',
      );
      const refusals: string[] = [];
      const sysOne = systemRoundTrip(ctx.bus, gw.broker, refusals);
      progress(`order-roundtrip: system, light load (${LIGHT_PER_SEC}/s)`);
      await sequential(WARMUP_ORDERS, sysOne);
      const sysLight = await openLoop(LIGHT_ORDERS, LIGHT_PER_SEC, sysOne);
      progress(`order-roundtrip: system, ${RATE_PER_SEC}/s`);
      const sysRate = await openLoop(RATE_PER_SEC * RATE_SECONDS, RATE_PER_SEC, sysOne);
      const sys100 = code100(gw.proc.output);
      const sysSimRate = await sim.rateOf(GATEWAY_CLIENT_ID);
      const added = (s: LoadResult, b: LoadResult, k: 'p50' | 'p99') => s.latencyMs[k] - b.latencyMs[k];
      const lightP50 = added(sysLight, bareLight, 'p50');
      const lightP99 = added(sysLight, bareLight, 'p99');
      const rateP50 = added(sysRate, bareRate, 'p50');
      const rateP99 = added(sysRate, bareRate, 'p99');
      return {
        metrics: {
          orders: { warmup: WARMUP_ORDERS, light: LIGHT_ORDERS, atRate: RATE_PER_SEC * RATE_SECONDS },
          light: { baseline: bareLight, system: sysLight },
          atRate: { perSec: RATE_PER_SEC, baseline: bareRate, system: sysRate },
          error100: { baseline: bare100, system: sys100 },
          simBreaches: { baseline: bareSimRate, system: sysSimRate },
          refusals,
        },
        checks: [
          {
            target: `light load (${LIGHT_PER_SEC}/s): added p50 ≤ 1.5 ms`,
            measured: `${signed(lightP50)} (p50 ${fmtMs(sysLight.latencyMs.p50)})`,
            baseline: `p50 ${fmtMs(bareLight.latencyMs.p50)}`,
            pass: lightP50 <= 1.5 && sysLight.failures === 0,
          },
          {
            target: `light load (${LIGHT_PER_SEC}/s): added p99 ≤ 5 ms`,
            measured: `${signed(lightP99)} (p99 ${fmtMs(sysLight.latencyMs.p99)})`,
            baseline: `p99 ${fmtMs(bareLight.latencyMs.p99)}`,
            pass: lightP99 <= 5 && sysLight.failures === 0,
          },
          {
            target: `${RATE_PER_SEC}/s: added p50 ≤ 1.5 ms`,
            measured: `${signed(rateP50)} (p50 ${fmtMs(sysRate.latencyMs.p50)})`,
            baseline: `p50 ${fmtMs(bareRate.latencyMs.p50)}`,
            pass: rateP50 <= 1.5 && sysRate.failures === 0,
          },
          {
            target: `${RATE_PER_SEC}/s: added p99 ≤ 5 ms`,
            measured: `${signed(rateP99)} (p99 ${fmtMs(sysRate.latencyMs.p99)})`,
            baseline: `p99 ${fmtMs(bareRate.latencyMs.p99)}`,
            pass: rateP99 <= 5 && sysRate.failures === 0,
          },
          {
            target: `no IB error 100 at ${RATE_PER_SEC}/s; no failed submit`,
            measured: `${breaches(sysSimRate, sys100)}, ${sysLight.failures + sysRate.failures} failed`,
            baseline: `${breaches(bareSimRate, bare100)}, ${bareLight.failures + bareRate.failures} failed`,
            pass: sysSimRate.breaches === 0 && sys100 === 0 && sysLight.failures + sysRate.failures === 0,
          },
        ],
        notes: ['round trip = submit → max(reply, first broker orderStatus fact) in the client'],
      };
    } finally {
      for (const stop of stops) await stop();
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    }
  },
};

if (isMain(import.meta.url)) await runStandalone(orderRoundTrip);
