import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type GetOrderReply,
  type ListBrokersReply,
  type OrderCommandReply,
  type OrderEvent,
  Subjects,
  unwrapReply,
} from '@trading-system/contracts';
import { createLogger, loadConfig } from '@trading-system/runtime';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Embedded, EmbeddedConfig, startEmbedded } from '../src/index.js';

let system: Embedded;

beforeAll(async () => {
  const config = loadConfig(EmbeddedConfig, { SIM_PORT: '0', LOG_LEVEL: 'silent', PGLITE_DATA_DIR: 'memory://' });
  system = await startEmbedded({ config, logger: createLogger({ service: 'test', level: 'silent' }) });
}, 60_000);
afterAll(() => system?.stop(), 30_000);

test('with no NATS_URL and no DATABASE_URL: in-process bus validating against the catalog, PGlite', async () => {
  expect(system.busKind).toBe('memory');
  expect(system.databaseKind).toBe('pglite');
  const subject = Subjects.ordersSubmit.build();
  await expect(system.bus.request(subject, { nonsense: true }, { timeoutMs: 1000 })).rejects.toMatchObject({
    name: 'InvalidMessageError',
  });
});

test('ib-sim listens on the port it reports, and gateway-ib is connected to it as broker sim', async () => {
  const sim = system.sim;
  if (sim === undefined) throw new Error('sim should be enabled by default');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: sim.host, port: sim.port }, () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
  expect(system.describe().join('\n')).toContain(`${sim.host}:${sim.port}`);
  expect(system.brokerReady).toBe(true);
  const list = unwrapReply(
    await system.bus.request<ListBrokersReply>(
      Subjects.gatewayCommand.build({ type: 'ib', verb: 'listBrokers' }),
      { v: 1 },
      { timeoutMs: 5_000 },
    ),
  );
  expect(list.brokers.map((b) => [b.name, b.state, b.endpoint])).toEqual([
    ['sim', 'connected', `${sim.host}:${sim.port}`],
  ]);
});

test('an order travels orders → gateway-ib → ib-sim and its status comes back as events', async () => {
  const events: OrderEvent[] = [];
  let onEvent: () => void = () => undefined;
  const sub = system.bus.subscribe<OrderEvent>('orders.evt.sim.>', (m) => {
    events.push(m.data);
    onEvent();
  });
  try {
    const reply = unwrapReply(
      await system.bus.request<OrderCommandReply>(
        Subjects.ordersSubmit.build(),
        {
          v: 1,
          broker: 'sim',
          instrument: { secType: 'STK', symbol: 'AAPL', exchange: 'SMART', currency: 'USD' },
          side: 'BUY',
          quantity: '5',
          orderType: 'LMT',
          limitPrice: '1.00',
          tif: 'GTC',
        },
        { timeoutMs: 10_000 },
      ),
    );
    const id = reply.order.clientOrderId;
    expect(reply.order.instrument.id).toBe('265598'); // gateway-ib's id of AAPL: its conId as a decimal string
    const submitted = (): boolean =>
      events.some((e) => e.clientOrderId === id && e.kind === 'statusChanged' && e.to === 'submitted');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no submitted event; saw ${JSON.stringify(events)}`)), 10_000);
      onEvent = () => {
        if (submitted()) {
          clearTimeout(timer);
          resolve();
        }
      };
      onEvent();
    });
    const got = unwrapReply(
      await system.bus.request<GetOrderReply>(
        Subjects.ordersGet.build(),
        { v: 1, clientOrderId: id },
        { timeoutMs: 5_000 },
      ),
    );
    expect(got.order.state).toBe('submitted');
    expect(got.order.brokerOrderId).toMatch(/^[1-9][0-9]*$/); // IB's order id, as the contract's opaque string
  } finally {
    sub.unsubscribe();
  }
}, 30_000);

test('PGlite on disk: a fresh nested data directory is created, and the ledger survives a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'embedded-'));
  const env = { SIM_PORT: '0', LOG_LEVEL: 'silent', PGLITE_DATA_DIR: join(dir, 'nested', 'pglite') };
  const logger = createLogger({ service: 'test', level: 'silent' });
  try {
    const first = await startEmbedded({ config: loadConfig(EmbeddedConfig, env), logger });
    let id: string;
    try {
      const reply = unwrapReply(
        await first.bus.request<OrderCommandReply>(
          Subjects.ordersSubmit.build(),
          {
            v: 1,
            broker: 'sim',
            instrument: { secType: 'STK', symbol: 'AAPL', exchange: 'SMART', currency: 'USD' },
            side: 'BUY',
            quantity: '1',
            orderType: 'LMT',
            limitPrice: '1.00',
            tif: 'GTC',
          },
          { timeoutMs: 10_000 },
        ),
      );
      id = reply.order.clientOrderId;
    } finally {
      await first.stop();
    }
    const second = await startEmbedded({ config: loadConfig(EmbeddedConfig, env), logger });
    try {
      const got = unwrapReply(
        await second.bus.request<GetOrderReply>(
          Subjects.ordersGet.build(),
          { v: 1, clientOrderId: id },
          { timeoutMs: 5_000 },
        ),
      );
      expect(got.order.clientOrderId).toBe(id);
      expect(got.order.limitPrice).toBe('1.00');
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 90_000);

test('the all-in-one runtime is for paper trading: a real TWS on a live port is refused at start', () => {
  const env = { SIM_ENABLED: 'false', IB_PORT: '7496', LOG_LEVEL: 'silent' };
  expect(() => loadConfig(EmbeddedConfig, env)).toThrow(/IB_PORT: 7496 is a live-trading port/);
  expect(loadConfig(EmbeddedConfig, { ...env, IB_PORT: '7497' }).IB_PORT).toBe(7497);
  // ib-sim on any port is the default broker: never judged.
  expect(loadConfig(EmbeddedConfig, { SIM_PORT: '7496', LOG_LEVEL: 'silent' }).SIM_PORT).toBe(7496);
});
