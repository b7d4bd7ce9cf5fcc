/**
 * The SDK against a deployed stack: real NATS and Postgres, every service started in this process on them
 * (services/embedded with NATS_URL and DATABASE_URL), and the SDK connected over NATS like any other process.
 * NATS is a private nats-server, required (see private-nats.ts: a whole system must not share the fixed request
 * subjects with other tests' services). On it history is unscoped, as deployed by default, so it serves the broker
 * added at run time (`live`, see scenarios.ts) too: a history scoped to one broker, the only safe way on a shared
 * server, reads no other broker's order events. Broker name, gateway type, schemas and durables are unique anyway.
 */

import { type Embedded, EmbeddedConfig, startEmbedded } from '@trading-system/embedded';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { createLogger, loadConfig } from '@trading-system/runtime';
import {
  databaseUrl,
  openPgTestDatabase,
  type PrivateNats,
  startPrivateNats,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BrokerError, type Quote, TradingSystem } from '../src/index.js';
import { sdkScenarios, startSessionSim } from './scenarios.js';

const broker = uniqueName('sdk').replace(/[^A-Za-z0-9_-]/g, '_');
/** A broker whose sim is inside a regular session: quotes and fills at any hour (see startSessionSim). */
const live = `${broker}_live`;
let testNats: PrivateNats;
let database: TestDatabase<unknown>;
let system: Embedded;
let ts: TradingSystem;
let liveSim: RunningSim;
let liveAdded = false;

beforeAll(async () => {
  testNats = await startPrivateNats();
  if (!testNats.private)
    throw new Error('nats-server is not installed: this file runs a whole system on a NATS server of its own');
  const nats = testNats.url;
  const pg = await databaseUrl();
  database = await openPgTestDatabase<unknown>({ poolMax: 1 });
  const config = loadConfig(EmbeddedConfig, {
    NATS_URL: nats,
    DATABASE_URL: pg,
    DATABASE_POOL_MAX: '4',
    SIM_PORT: '0',
    BROKER_NAME: broker,
    LOG_LEVEL: 'silent',
  });
  system = await startEmbedded({
    config,
    logger: createLogger({ service: 'sdk-test', level: 'silent' }),
    naming: {
      gatewayType: uniqueName('g').replace(/[^A-Za-z0-9_-]/g, '_'),
      schemas: {
        orders: database.newSchema('orders'),
        history: database.newSchema('hist'),
        paper: database.newSchema('paper'),
      },
      durableSuffix: `-${broker}`,
    },
  });
  ts = await TradingSystem.open({
    natsUrl: nats,
    defaultBroker: broker,
    gatewayType: system.gatewayType,
    env: {},
    logLevel: 'silent',
  });
  liveSim = await startSessionSim();
  await ts.addBroker(live, 'ib', { host: '127.0.0.1', port: liveSim.port, clientId: 11 });
  liveAdded = true;
}, 60_000);

afterAll(async () => {
  // Only when added: a failed start must still reach the stops below.
  if (liveAdded) await ts.removeBroker(live, system.gatewayType);
  await ts?.shutdown();
  await system?.stop();
  await liveSim?.stop();
  await database?.close();
  await testNats?.stop();
}, 30_000);

describe('NATS + Postgres, services started in-process, SDK over NATS', () => {
  test('open({ natsUrl }) connects instead of starting a system', () => {
    expect(ts.mode).toBe('nats');
    expect(system.busKind).toBe('nats');
    expect(system.databaseKind).toBe('pg');
    expect(ts.defaultBroker).toBe(broker);
  });
  sdkScenarios(
    () => ts,
    () => broker,
    () => live,
  );
});

test('a broker added over NATS takes orders at once: the OMS adopts it (ORDERS_ADOPT_BROKERS defaults to true)', async () => {
  const port = system.sim?.port ?? 0;
  const name = `${broker}_2`;
  const info = await ts.addBroker(name, 'ib', { host: '127.0.0.1', port, clientId: 77 });
  try {
    expect(info).toMatchObject({ name, state: 'connected' });
    // At once: the OMS asks the gateway about a broker it has not heard of yet instead of refusing BROKER_UNKNOWN
    // (its first broker.status can reach the OMS after addBroker's reply reached us).
    const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '100', { broker: name });
    expect(r.order.broker).toBe(name);
    expect((await ts.cancelOrder(r.orderId)).broker).toBe(name);
  } finally {
    await ts.removeBroker(name, system.gatewayType);
  }
});

test("a client's own gateway token (GATEWAY_TYPE) names no broker type: paper brokers go to gateway-paper, ib ones to gateway-ib", async () => {
  // Before: the token was taken to host `ib`, so an ib broker went to the paper gateway (refused there).
  const client = await TradingSystem.open({
    natsUrl: testNats.url,
    defaultBroker: broker,
    env: { GATEWAY_TYPE: system.paperGatewayType },
    gateways: { ib: system.gatewayType },
    logLevel: 'silent',
  });
  const paper = `${broker}_paper`;
  const ib = `${broker}_ib3`;
  const added: Array<() => Promise<void>> = [];
  try {
    const p = await client.addBroker(paper, 'paper', { quotesFrom: live });
    added.push(() => client.removeBroker(paper));
    expect(p).toMatchObject({
      state: 'connected',
      endpoint: `quotes from ${live}`,
      details: { type: 'paper', quotesFrom: live },
    });
    expect((await client.listBrokers()).map((b) => b.name)).toEqual([paper]);
    const i = await client.addBroker(ib, 'ib', { host: '127.0.0.1', port: system.sim?.port ?? 0, clientId: 79 });
    added.push(() => client.removeBroker(ib, 'ib'));
    expect(i).toMatchObject({ state: 'connected', details: { type: 'ib', clientId: 79 } });
    expect((await client.listBrokers('ib')).map((b) => b.name)).toContain(ib);
  } finally {
    for (const remove of added) await remove();
    await client.shutdown();
  }
}, 60_000);

test('a broker type nobody knows: BROKER_TYPE_UNKNOWN naming it and the known types, at once, nothing asked', async () => {
  // Before: the request went to gateway.<type>.cmd.addBroker and came back NO_RESPONDERS, naming only a subject.
  const asked: string[] = [];
  const spy = ts.bus.subscribe('gateway.*.cmd.addBroker', (m) => {
    asked.push(m.subject);
  });
  try {
    const started = Date.now();
    const err = await ts.addBroker(`${broker}_x`, 'nosuch', { host: '127.0.0.1', port: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({
      code: 'BROKER_TYPE_UNKNOWN',
      details: { type: 'nosuch', known: ['ib', 'paper', 'alpaca'] },
    });
    expect(String(err)).toContain("unknown broker type 'nosuch'; known types: ib, paper, alpaca");
    expect(Date.now() - started).toBeLessThan(1_000);
    await ts.listBrokers(); // a round trip after: a request sent before it would have arrived by now
    expect(asked).toEqual([]);
  } finally {
    spy.unsubscribe();
  }
});

test('outside trading hours every subscriber gets a first quote at once, each quote once — joining an open line too', async () => {
  // A Saturday: the sim sends one batch of ticks when a line opens and nothing after it. A subscriber that joins a
  // line already open (or whose SUB reaches the server after the batch went by) would otherwise wait for a tick
  // that never comes: its first quote is the line's cached state.
  const closed = await startSim({ port: 0, clock: scaledClock(Date.parse('2024-03-16T15:00:00Z'), 1) });
  const name = `${broker}_closed`;
  await ts.addBroker(name, 'ib', { host: '127.0.0.1', port: closed.port, clientId: 12 });
  const open: Array<{ unsubscribe(): Promise<void> }> = [];
  const firstQuote = async (who: string): Promise<Quote[]> => {
    const quotes: Quote[] = [];
    let arrived: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const sub = await ts.subscribeMarketData(
      'AAPL',
      'SMART',
      (q) => {
        quotes.push(q);
        arrived();
      },
      { broker: name },
    );
    open.push(sub);
    await Promise.race([
      first,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${who} subscriber: no quote in 10 s`)), 10_000)),
    ]);
    expect(quotes[0]?.symbol, who).toBe('AAPL');
    expect(quotes[0]?.last ?? quotes[0]?.bid, who).toBeGreaterThan(0);
    return quotes;
  };
  try {
    const opener = await firstQuote('the line opener');
    const joiner = await firstQuote('a subscriber joining the open line');
    // A round trip: anything the joiner would get twice has arrived by now.
    await ts.listBrokers();
    for (const [who, quotes] of [
      ['opener', opener],
      ['joiner', joiner],
    ] as const)
      expect(new Set(quotes.map((q) => JSON.stringify(q))).size, who).toBe(quotes.length);
    for (const s of open.splice(0)) await s.unsubscribe();
    // The line closed with its last lease: a new subscriber opens it again and gets that line's batch.
    await firstQuote('a subscriber reopening the line');
  } finally {
    for (const s of open) await s.unsubscribe();
    await ts.removeBroker(name, system.gatewayType);
    await closed.stop();
  }
});
