/**
 * The services run with their NATS users (infra/nats/auth.conf, fresh keys) and their Postgres roles, as separate
 * processes; a client uses the SDK with the `client` user's seed: quotes, history bars, an order filled end to end,
 * positions and its audit trail. What the client may not do is refused by the server, and no service hit a single
 * permission violation doing its job.
 */
import { TradingSystem } from '@trading-system/sdk';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type AuthSecrets, makeSecrets } from './support/auth.js';
import { SERVICES, type System, startSystem, waitFor } from './support/system.js';

let secrets: AuthSecrets;
let system: System;
let client: TradingSystem;

beforeAll(async () => {
  secrets = makeSecrets();
  system = await startSystem({ auth: secrets, logLevel: 'info' });
  client = await TradingSystem.open({
    natsUrl: system.nats.url,
    defaultBroker: system.broker,
    env: secrets.natsEnv('client'),
    logLevel: 'error',
    requestTimeoutMs: 30_000,
  });
}, 180_000);

afterAll(async () => {
  await client?.shutdown();
  const codes = await system?.stop();
  if (codes !== undefined) expect(codes).toEqual(Object.fromEntries(Object.keys(codes).map((k) => [k, 0])));
}, 60_000);

test('a client with the client user: quotes, history, an order filled end to end, positions and audit trail', async () => {
  const quote = await new Promise<{ bid?: number; ask?: number; last?: number }>((resolve, reject) => {
    client.subscribeMarketData('AAPL', 'SMART', (q) => resolve(q)).catch(reject);
  });
  expect(Number(quote.last ?? quote.bid ?? quote.ask)).toBeGreaterThan(0);

  const bars = await client.getHistoricalData('AAPL', 'SMART', '5 D', '1 hour', {
    end: new Date('2024-03-12T15:00:00Z'),
  });
  expect(bars.length).toBeGreaterThanOrEqual(14);

  const { orderId } = await client.submitMarketOrder('AAPL', 'SMART', 'BUY', 10);
  const filled = await waitFor('order filled', 30_000, async () => {
    const o = await client.getOrderStatus(orderId);
    return o.status === 'filled' ? o : undefined;
  });
  expect(filled).toMatchObject({ orderId, status: 'filled' });
  const positions = await client.getPositions({ broker: system.broker });
  expect(positions.some((p) => p.symbol === 'AAPL')).toBe(true);
  const trail = await waitFor('order in history', 20_000, async () => {
    const orders = await client.getOrderHistory({ status: 'all' });
    return orders.find((o) => o.orderId === orderId && o.status === 'filled');
  });
  expect(trail?.orderId).toBe(orderId);
}, 120_000);

test('what only an operator may do is refused to a client, and nothing reaches the broker', async () => {
  await expect(client.addBroker('intruder', 'ib', { host: '10.0.0.1', port: 4001, clientId: 7 })).rejects.toThrow(
    /PERMISSION_DENIED|may not publish to gateway.ib.cmd.addBroker/,
  );
  const operator = await system.connect('operator-check', 'operator');
  try {
    const state = await operator.request<{ ok: boolean }>('orders.tradingState', { v: 1 }, { timeoutMs: 5_000 });
    expect(state.ok).toBe(true);
  } finally {
    await operator.drain();
  }
  const brokers = await client.listBrokers();
  expect(brokers.map((b) => b.name)).toEqual([system.broker]);
});

test('no service met a permission violation or died while doing its job', () => {
  for (const name of SERVICES) {
    expect(system.output(name), name).not.toMatch(/Permissions Violation|Authorization Violation/);
  }
  expect(system.crashes).toEqual([]);
});
