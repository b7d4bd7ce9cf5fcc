/**
 * The SDK against a deployed stack: real NATS and Postgres, every service started in this process on them
 * (services/embedded with NATS_URL and DATABASE_URL), and the SDK connected over NATS like any other process.
 * NATS is a private nats-server where installed (see private-nats.ts: a whole system must not share the fixed
 * request subjects with other tests' services); broker name, gateway type, schemas and durables are unique anyway.
 */

import { type Embedded, EmbeddedConfig, startEmbedded } from '@trading-system/embedded';
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
import { TradingSystem } from '../src/index.js';
import { sdkScenarios } from './scenarios.js';

const broker = uniqueName('sdk').replace(/[^A-Za-z0-9_-]/g, '_');
let testNats: PrivateNats;
let database: TestDatabase<unknown>;
let system: Embedded;
let ts: TradingSystem;

beforeAll(async () => {
  testNats = await startPrivateNats();
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
      schemas: { orders: database.newSchema('orders'), history: database.newSchema('hist') },
      durableSuffix: `-${broker}`,
      scopeHistoryToBroker: true,
    },
  });
  ts = await TradingSystem.open({
    natsUrl: nats,
    defaultBroker: broker,
    gatewayType: system.gatewayType,
    env: {},
    logLevel: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await ts?.shutdown();
  await system?.stop();
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
  );
});

test('a broker added over NATS takes orders at once: the OMS adopts it (ORDERS_ADOPT_BROKERS defaults to true)', async () => {
  const port = system.sim?.port ?? 0;
  const name = `${broker}_2`;
  const info = await ts.addBroker(name, system.gatewayType, { host: '127.0.0.1', port, clientId: 77 });
  try {
    expect(info).toMatchObject({ name, state: 'connected' });
    const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, '100', { broker: name });
    expect(r.order.broker).toBe(name);
    expect((await ts.cancelOrder(r.orderId)).broker).toBe(name);
  } finally {
    await ts.removeBroker(name, system.gatewayType);
  }
}, 60_000);
