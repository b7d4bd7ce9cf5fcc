/**
 * Test wiring: alpaca-sim over real sockets behind a TCP proxy (REST and both streams go through it, so the link
 * can stay cut while the sim keeps filling), a private nats-server, gateway-alpaca started in-process on them. The
 * sim runs on a manual clock advanced at wall speed, so it behaves live, and `fillWhileCut` / `endSession` jump it
 * to the moment the market reaches an order or the session closes.
 */

import type { RunningAlpacaSim } from '@trading-system/alpaca-sim';
import { DEFAULT_CREDENTIALS, type ManualClock, manualClock, startAlpacaSim } from '@trading-system/alpaca-sim';
import { createNatsBus } from '@trading-system/bus';
import { AlpacaBrokerConnection, catalog } from '@trading-system/contracts';
import { createLogger } from '@trading-system/runtime';
import {
  type PrivateNats,
  silentBusLogger,
  startPrivateNats,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
} from '@trading-system/testkit';
import { BrokerClient, type ConformanceTarget } from '@trading-system/testkit/conformance';
import { start } from '../src/app.js';
import { instrumentIdOf } from '../src/mapping.js';

/** A Wednesday, 11:00 New York: the sim's stocks trade (outside a session nothing fills). */
const SESSION_START = Date.parse('2024-03-13T15:00:00Z');
export const ACCOUNT = 'PA3SIM000001';

const testLogger = createLogger({
  service: 'gateway-alpaca-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
} as never);

function runClock(clock: ManualClock): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, 10);
  return () => clearInterval(timer);
}

/** alpaca-sim, the proxy, NATS and gateway-alpaca with one broker on them, as a conformance target. */
export async function startHarness(
  options: { readonly rateLimitPerMinute?: number } = {},
): Promise<ConformanceTarget & { readonly sim: RunningAlpacaSim }> {
  const clock = manualClock(SESSION_START);
  const stopClock = runClock(clock);
  const sim = await startAlpacaSim({
    port: 0,
    clock,
    tickMs: 100,
    ...(options.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: options.rateLimitPerMinute }),
  });
  const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: sim.port });
  const nats: PrivateNats = await startPrivateNats();
  const bus = await createNatsBus({
    catalog,
    log: silentBusLogger,
    connection: { servers: nats.url, name: 'gateway-alpaca-conformance' },
  });
  const assetId = async (symbol: string): Promise<string> => {
    const r = await fetch(`${sim.baseUrl}/v2/assets/${symbol}`, {
      headers: {
        'APCA-API-KEY-ID': DEFAULT_CREDENTIALS.keyId,
        'APCA-API-SECRET-KEY': DEFAULT_CREDENTIALS.secretKey,
      },
    });
    return instrumentIdOf(((await r.json()) as { id: string }).id);
  };
  const broker = uniqueName('cf');
  const gatewayType = uniqueName('g');
  const url = `http://127.0.0.1:${proxy.port}`;
  const gateway = await start({
    bus,
    logger: testLogger,
    gatewayType,
    env: { TEST_ALPACA_KEY: DEFAULT_CREDENTIALS.keyId, TEST_ALPACA_SECRET: DEFAULT_CREDENTIALS.secretKey },
    brokers: [
      {
        name: broker,
        connection: AlpacaBrokerConnection.parse({
          type: 'alpaca',
          tradingUrl: url,
          dataUrl: url,
          keyIdEnv: 'TEST_ALPACA_KEY',
          secretKeyEnv: 'TEST_ALPACA_SECRET',
        }),
      },
    ],
    brokerOptions: { minBackoffMs: 50, maxBackoffMs: 300, statusEveryMs: 1_000 },
  });
  return {
    sim,
    broker,
    gatewayType,
    bus,
    account: ACCOUNT,
    orderInstrument: { id: await assetId('AAPL') },
    orderQuantity: '10',
    quoteInstrument: { id: await assetId('MSFT') },
    brokerNow: () => clock.now(),
    async cutLink() {
      proxy.cut();
    },
    async restoreLink() {
      proxy.restore();
    },
    async fillWhileCut(ids) {
      for (const id of ids) {
        // The market may have reached the order in the moments before the cut: then it is filled already.
        if (sim.control.broker.byClientOrderId(id)?.status === 'filled') continue;
        const at = sim.control.whenFillable(id);
        if (at === undefined) throw new Error(`the sim's market does not reach ${id} within 30 minutes`);
        clock.set(at);
        sim.control.step();
        if (sim.control.broker.byClientOrderId(id)?.status !== 'filled') throw new Error(`${id} did not fill`);
      }
    },
    async endSession() {
      clock.set(sim.control.sessionClose() + 1_000);
      sim.control.step();
    },
    async stop() {
      await gateway.stop();
      await bus.drain();
      await proxy.stop();
      await sim.stop();
      await nats.stop();
      stopClock();
    },
  };
}

/**
 * The harness and a client recording the broker's events from before its first connect's reconciliation snapshot
 * (so the broker is connected when it returns): what the gateway's own tests beside the conformance suite start from.
 */
export async function startRecordedHarness(
  options: { readonly rateLimitPerMinute?: number } = {},
): Promise<{ readonly h: Awaited<ReturnType<typeof startHarness>>; readonly c: BrokerClient }> {
  const h = await startHarness(options);
  const c = new BrokerClient(h.bus, h.broker);
  await c.record();
  await c.waitUntil(() => c.all('reconciliationSnapshot')[0], 'the snapshot after the first connect');
  return { h, c };
}
