/**
 * The CLI against a deployed system: a private nats-server, Postgres, every service started in this process on
 * them (services/embedded with NATS_URL and DATABASE_URL), and the CLI as a child process with NATS_URL set, like
 * a user's shell next to a running stack. Broker name and schemas are unique to this file.
 * The built-in broker's ib-sim follows the wall clock: outside trading hours it sends no ticks and fills nothing.
 * What needs a live market (a fill, streaming ticks) runs on a broker added on `sim2`, an ib-sim whose clock is
 * inside a regular session, so this file passes at any hour CI runs it.
 */
import { type Embedded, EmbeddedConfig, startEmbedded } from '@trading-system/embedded';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { createLogger, loadConfig } from '@trading-system/runtime';
import { type Order, TradingSystem } from '@trading-system/sdk';
import {
  databaseUrl,
  openPgTestDatabase,
  type PrivateNats,
  startPrivateNats,
  type TestDatabase,
  uniqueName,
} from '@trading-system/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const broker = uniqueName('cli').replace(/[^A-Za-z0-9_-]/g, '_');
let testNats: PrivateNats;
let database: TestDatabase<unknown>;
let system: Embedded;
let ts: TradingSystem;
let env: Record<string, string>;
let sim2: RunningSim;

beforeAll(async () => {
  testNats = await startPrivateNats();
  database = await openPgTestDatabase<unknown>({ poolMax: 1 });
  const config = loadConfig(EmbeddedConfig, {
    NATS_URL: testNats.url,
    DATABASE_URL: await databaseUrl(),
    DATABASE_POOL_MAX: '4',
    SIM_PORT: '0',
    BROKER_NAME: broker,
    LOG_LEVEL: 'silent',
  });
  system = await startEmbedded({
    config,
    logger: createLogger({ service: 'cli-test', level: 'silent' }),
    naming: {
      gatewayType: uniqueName('g').replace(/[^A-Za-z0-9_-]/g, '_'),
      schemas: {
        orders: database.newSchema('orders'),
        history: database.newSchema('hist'),
        paper: database.newSchema('paper'),
      },
      durableSuffix: `-${broker}`,
      scopeHistoryToBroker: true,
    },
    // The NATS server is this file's own: a broker added here (sim2 below) takes orders, as on a deployed stack.
    adoptBrokers: testNats.private,
  });
  ts = await TradingSystem.open({
    natsUrl: testNats.url,
    defaultBroker: broker,
    gatewayType: system.gatewayType,
    env: {},
    logLevel: 'silent',
  });
  env = { NATS_URL: testNats.url, BROKER_NAME: broker, GATEWAY_TYPE: system.gatewayType };
  // A second ib-sim whose clock is inside a regular session, so an order fills and quotes stream at any real hour.
  // Tests add it as a broker and remove it again, so the others see only the built-in broker.
  sim2 = await startSim({ port: 0, clock: scaledClock(Date.parse('2024-03-13T15:00:00Z'), 1) });
}, 90_000);

afterAll(async () => {
  await ts?.shutdown();
  await sim2?.stop();
  await system?.stop();
  await database?.close();
  await testNats?.stop();
}, 30_000);

describe('with NATS_URL: the CLI talks to the running services', () => {
  test('status, quote, account, positions and history answer (in parallel)', async () => {
    const [status, statusJson, quote, account, positions, history] = await Promise.all([
      runCli(['status'], { env }),
      runCli(['status', '--json'], { env }),
      runCli(['quote', 'AAPL', 'MSFT'], { env }),
      runCli(['account'], { env }),
      runCli(['positions', '--json'], { env }),
      runCli(['history', 'AAPL', '--duration', '2 D', '--bar', '5 mins', '--json'], { env }), // 2 D: yesterday's session even before today's opens
    ]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stderr).not.toMatch(/starting the system/);
    expect(status.stdout).toMatch(
      new RegExp(
        `broker ${broker} \\(gateway\\)\\s+ok\\s+\\d+\\s+connected, accounts DU1234567, paper, ib clientId=\\d+`,
      ),
    );
    for (const c of ['orders', 'market-data', 'history'])
      expect(status.stdout).toMatch(new RegExp(`^${c}\\s+ok\\s+\\d+`, 'm'));
    const sj = JSON.parse(statusJson.stdout) as { mode: string; components: { state: string }[] };
    expect(sj.mode).toBe('nats');
    expect(sj.components.map((c) => c.state)).toEqual(['ok', 'ok', 'ok', 'ok']);

    expect(quote.code, quote.stderr).toBe(0);
    expect(quote.stdout).toMatch(/^symbol\s+instrument\s+bid\s+ask\s+last/);
    expect(quote.stdout).toMatch(/^AAPL\s+265598\s+\d+(\.\d+)?\s+\d+(\.\d+)?\s+\d+(\.\d+)?\s/m);
    expect(quote.stdout).toMatch(/^MSFT\s+\d/m);

    expect(account.code, account.stderr).toBe(0);
    expect(account.stdout).toMatch(new RegExp(`^account\\s+DU1234567 \\(${broker}\\)$`, 'm'));
    expect(account.stdout).toMatch(/^net liquidation\s+-?\d+(\.\d+)?$/m);

    expect(positions.code, positions.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(positions.stdout))).toBe(true);

    expect(history.code, history.stderr).toBe(0);
    const h = JSON.parse(history.stdout) as {
      timeframe: string;
      partial: boolean;
      bars: { tsStartMs: number; close: string }[];
    };
    expect(h.timeframe).toBe('5m');
    expect(h.bars.length).toBeGreaterThan(0);
    expect(h.bars[0]?.close).toMatch(/^\d+(\.\d+)?$/);
  }, 60_000);

  test('order buy lmt → submitted; orders --json lists it; cancel → cancelled; cancel again / unknown → exit 1', async () => {
    const placed = await runCli(['order', 'buy', '10', 'AAPL', '--type', 'lmt', '--limit', '100.50', '--tif', 'GTC'], {
      env,
    });
    expect(placed.code, placed.stderr).toBe(0);
    const id = /order (cli-[0-9a-f-]+): BUY 10 AAPL LMT 100.50 GTC/.exec(placed.stdout)?.[1];
    expect(id, placed.stdout).toBeDefined();
    expect(placed.stdout).toMatch(/status: submitted \(filled 0 of 10, broker order id \d+\)/);

    const [listed, open] = await Promise.all([
      runCli(['orders', '--json'], { env }),
      runCli(['orders', '--open'], { env }),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const orders = JSON.parse(listed.stdout) as Order[];
    expect(orders.find((o) => o.orderId === id)).toMatchObject({
      status: 'submitted',
      quantity: '10',
      limitPrice: '100.50',
      tif: 'GTC',
    });
    expect(open.stdout).toMatch(
      new RegExp(`^${id}\\s+BUY\\s+10\\s+AAPL\\s+265598\\s+LMT\\s+100.50\\s+GTC\\s+submitted`, 'm'),
    );

    const cancelled = await runCli(['cancel', id ?? '', '--json'], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect((JSON.parse(cancelled.stdout) as Order).status).toMatch(/^(pendingCancel|cancelled)$/);
    await expect.poll(async () => (await ts.getOrderStatus(id ?? '')).status, { timeout: 10_000 }).toBe('cancelled');

    const unknown = await runCli(['cancel', 'no-such-order'], { env });
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr).toMatch(/ORDER_NOT_FOUND|not found/i);
    expect(unknown.stderr).toMatch(/^hint: /m);
  }, 60_000);

  test('order --wait follows the order until it is final (cancelled from another shell)', async () => {
    let cancelling: Promise<unknown> | undefined;
    const waited = await runCli(['order', 'buy', '3', 'AAPL', '--limit', '100', '--wait'], {
      env,
      onStdout: (text) => {
        const id = /order (cli-[0-9a-f-]+):/.exec(text)?.[1];
        if (id !== undefined && cancelling === undefined && /status: submitted/.test(text))
          cancelling = runCli(['cancel', id], { env });
      },
    });
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(
      /status: submitted .*\n(status: pendingCancel .*\n)?status: cancelled \(filled 0 of 3/,
    );
    expect(await cancelling).toMatchObject({ code: 0 });
  }, 60_000);

  test('order --wait on a resting stop-limit: reported as still working when --timeout passes, exit 0', async () => {
    const r = await runCli(
      [
        'order',
        'sell',
        '5',
        'AAPL',
        '--type',
        'stp-lmt',
        '--stop',
        '140',
        '--limit',
        '139.50',
        '--wait',
        '--timeout',
        '3',
      ],
      { env, timeoutMs: 30_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/order (cli-[0-9a-f-]+): SELL 5 AAPL STP LMT/);
    expect(r.stderr).toMatch(/order cli-[0-9a-f-]+ is still submitted after 3 s: it works at the broker until/);
    expect(r.stderr).toMatch(/cancel it with: trading-system cancel cli-/);
    const working = await runCli(['order', 'buy', '1', 'AAPL', '--limit', '100', '--wait', '--until', 'working'], {
      env,
      timeoutMs: 30_000,
    });
    expect(working.code, working.stderr).toBe(0);
    expect(working.stdout).toMatch(/status: submitted/);
    expect(working.stderr).not.toMatch(/still/);
    expect(await ts.cancelAll({ broker })).toHaveLength(2);
  }, 60_000);

  test('trading halted / active, risk --set, cancel --all: the operator commands', async () => {
    const halted = await runCli(['trading', 'halted', '--reason', 'drill'], { env });
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/^trading: halted \(drill\), set by sdk:\S+ at \d{4}-/);
    const refused = await runCli(['order', 'buy', '1', 'AAPL', '--limit', '100'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/TRADING_HALTED/);
    const active = await runCli(['trading', 'active'], { env });
    expect(active.stdout).toMatch(/^trading: active/);
    expect((await runCli(['trading', '--json'], { env })).stdout).toMatch(/"mode": ?"active"/);

    const strategy = `cli-capped-${Date.now()}`;
    const risk = await runCli(
      ['risk', '--set', 'maxOrderQuantity=5', '--set', 'maxOpenOrders=2', '--strategy', strategy],
      {
        env,
      },
    );
    expect(risk.code, risk.stderr).toBe(0);
    expect(risk.stdout).toMatch(new RegExp(`^limits of ${strategy}$`, 'm'));
    expect(risk.stdout).toMatch(/^maxOrderQuantity\s+5$/m);
    expect(risk.stdout).toMatch(/^maxOpenOrders\s+2$/m);
    const bad = await runCli(['risk', '--set', 'maxOrderQuantity=lots'], { env });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/bad value 'lots' for maxOrderQuantity/);
    const capped = await runCli(['order', 'buy', '6', 'AAPL', '--limit', '100', '--strategy', strategy], { env });
    expect(capped.stderr).toMatch(/RISK_MAX_QUANTITY/);

    await runCli(['order', 'buy', '1', 'AAPL', '--limit', '100', '--tif', 'GTC'], { env });
    await runCli(['order', 'buy', '2', 'AAPL', '--limit', '101', '--tif', 'GTC'], { env });
    const all = await runCli(['cancel', '--all', '--broker', broker], { env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^cancel requested for 2 orders:\n {2}cli-/);
    expect((await runCli(['cancel', '--all'], { env })).stdout).toMatch(/^no open orders to cancel/);
  }, 90_000);

  test('positions: every broker, with market price, value and PnL filled', async () => {
    await ts.addBroker('sim2', 'ib', { host: '127.0.0.1', port: sim2.port, clientId: 6 });
    try {
      const quote = await new Promise<number>((resolve, reject) => {
        void ts
          .subscribeMarketData('AAPL', 'SMART', (q) => q.ask !== undefined && resolve(q.ask), { broker: 'sim2' })
          .then((s) => setTimeout(() => void s.unsubscribe(), 5_000), reject);
      });
      const r = await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 4, (Math.ceil(quote * 101) / 100).toFixed(2), {
        broker: 'sim2',
      });
      await expect.poll(async () => (await ts.getOrderStatus(r.orderId)).status, { timeout: 20_000 }).toBe('filled');
      await expect
        .poll(async () => (await ts.getPositions({ broker: 'sim2' })).map((p) => p.quantity), { timeout: 10_000 })
        .toContain('4');
      const table = await runCli(['positions'], { env });
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(
        /^broker\s+account\s+symbol\s+instrument\s+type\s+qty\s+avg cost\s+mkt price\s+mkt value\s+unreal\. PnL/,
      );
      // broker, account, AAPL, STK, 4, avg cost, then price, value and PnL all present.
      expect(table.stdout).toMatch(
        /^sim2\s+DU1234567\s+AAPL\s+265598\s+STK\s+4\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+-?[\d.]+\s/m,
      );
      const accounts = await runCli(['account', '--json'], { env });
      expect((JSON.parse(accounts.stdout) as { broker: string }[]).map((a) => a.broker).sort()).toEqual(
        [broker, 'sim2'].sort(),
      );
    } finally {
      await ts.cancelAll({ broker: 'sim2' });
      await ts.removeBroker('sim2');
    }
  }, 90_000);

  test('tail and watch stream NDJSON; --count ends them with 0, Ctrl-C with 130', async () => {
    // Ticks stream only while a market is open: from sim2, whose clock is in a session at every real hour. Added
    // again under the positions test's name: that test's quote subscription on `sim2` may outlive the removed
    // broker by a few seconds, and market-data then asks the new gateway instance for that line again
    // (services/market-data/test/broker-readded.test.ts pins that down; here it depends on timing).
    await ts.addBroker('sim2', 'ib', { host: '127.0.0.1', port: sim2.port, clientId: 7 });
    const sub = await ts.subscribeMarketData('AAPL', 'SMART', () => undefined, { broker: 'sim2' });
    try {
      // Shorter than the test's timeout, so a stream that never ends fails with its command line and stderr.
      const [tail, watch, interrupted] = await Promise.all([
        runCli(['tail', 'md.tick.sim2.>', '--count', '2', '--json'], { env, timeoutMs: 20_000 }),
        runCli(['watch', 'AAPL', '--broker', 'sim2', '--count', '2', '--json'], { env, timeoutMs: 20_000 }),
        runCli(['tail', `md.tick.${broker}.>`], {
          env,
          onStderr: (text, child) => {
            if (/listening on/.test(text)) child.kill('SIGINT');
          },
        }),
      ]);
      expect(tail.code, tail.stderr).toBe(0);
      const messages = tail.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { subject: string; data: { broker: string } });
      expect(messages).toHaveLength(2);
      expect(messages[0]?.subject).toMatch(/^md\.tick\.sim2\.\d+$/);
      expect(messages[0]?.data.broker).toBe('sim2');

      expect(watch.code, watch.stderr).toBe(0);
      const quotes = watch.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { symbol: string });
      expect(quotes.map((q) => q.symbol)).toEqual(['AAPL', 'AAPL']);

      expect(interrupted.code, interrupted.stderr).toBe(130);
    } finally {
      await sub.unsubscribe();
      await ts.removeBroker('sim2');
    }
  }, 60_000);

  test('NATS not reachable: exit 3 and what to do', async () => {
    const r = await runCli(['orders'], { env: { NATS_URL: 'nats://127.0.0.1:1' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
    expect(r.stderr).toMatch(/^hint: .*trading-system start/m);
  }, 30_000);
});
