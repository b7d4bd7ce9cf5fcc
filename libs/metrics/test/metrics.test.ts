/**
 * The metrics endpoint over real HTTP: bus traffic on the in-process bus and statements on Postgres show up as the
 * series the Grafana dashboard reads; /healthz and /readyz follow the service's life; a failing sampled source
 * leaves the scrape answering.
 */
import { createMemoryBus } from '@trading-system/bus';
import { catalog } from '@trading-system/contracts';
import { sql } from '@trading-system/storage';
import { openPgTestDatabase } from '@trading-system/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { sampledGauge, scrape, startServiceMetrics, sumOf } from '../src/index.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function serviceMetrics(service = 'test') {
  const m = await startServiceMetrics({
    service,
    config: { METRICS_PORT: 0, METRICS_HOST: '127.0.0.1' },
    logger: silent,
  });
  stops.push(() => m.stop());
  if (m.server === undefined) throw new Error('no endpoint');
  return { m, url: m.server.url };
}

describe('metrics endpoint', () => {
  test('/healthz answers at once; /readyz is 503 until ready() and again once stopping()', async () => {
    const { m, url } = await serviceMetrics();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const before = await fetch(`${url}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'not ready', reason: 'starting' });
    m.ready();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    m.stopping();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  test('bus traffic: messages in and out by catalog family, handler latency, requests and refusals', async () => {
    const { m, url } = await serviceMetrics('bus-test');
    const bus = createMemoryBus({ catalog, log: silent, observer: m.bus });
    stops.push(() => bus.drain());
    let got = 0;
    bus.subscribe('broker.*.status', () => {
      got += 1;
    });
    bus.serve('orders.tradingState', () => ({ v: 1, ok: true, state: 'active', sinceMs: 1, reason: 'test' }));
    const status = {
      v: 1,
      broker: 'sim',
      gatewayType: 'ib',
      state: 'connected',
      feeds: [],
      accounts: [],
      paper: true,
      tsMs: 1,
    };
    for (let i = 0; i < 3; i++) bus.publish('broker.sim.status', status);
    await bus.request('orders.tradingState', { v: 1 }, { timeoutMs: 2_000 });
    const garbage = await bus.requestRaw('orders.tradingState', new TextEncoder().encode('{'), { timeoutMs: 2_000 });
    expect(JSON.parse(new TextDecoder().decode(garbage))).toMatchObject({ ok: false, code: 'INVALID_MESSAGE' });
    await expect.poll(() => got).toBe(3);

    const s = await scrape(url);
    const status3 = { family: 'broker.*.status' };
    expect(sumOf(s, 'trading_bus_messages_total', { ...status3, direction: 'out', kind: 'publish' })).toBe(3);
    expect(sumOf(s, 'trading_bus_messages_total', { ...status3, direction: 'in', kind: 'subscription' })).toBe(3);
    expect(sumOf(s, 'trading_bus_handler_seconds_count', { ...status3, kind: 'subscription' })).toBe(3);
    const ts = { family: 'orders.tradingState' };
    expect(sumOf(s, 'trading_bus_messages_total', { ...ts, direction: 'in', kind: 'request' })).toBe(1);
    // The good request's reply and the refusal's reply both go out under the request's family.
    expect(sumOf(s, 'trading_bus_messages_total', { ...ts, direction: 'out', kind: 'reply' })).toBe(2);
    expect(sumOf(s, 'trading_bus_request_seconds_count', { ...ts, outcome: 'ok' })).toBe(1);
    expect(sumOf(s, 'trading_bus_rejected_total', { ...ts, reason: 'bad_json' })).toBe(1);
    // Every series carries the service label; process metrics come along.
    expect(s.filter((x) => x.name === 'trading_bus_messages_total').every((x) => x.labels.service === 'bus-test')).toBe(
      true,
    );
    // Present, not necessarily > 0: prom-client counts the CPU used since the registry was made, and the kernel
    // accounts CPU time per tick, so a quick test process can read 0 (it did once in CI).
    const cpu = s.filter((x) => x.name === 'process_cpu_user_seconds_total');
    expect(cpu).toHaveLength(1);
    expect(cpu[0]?.labels.service).toBe('bus-test');
    expect(sumOf(s, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
  });

  test('database statements: latency by schema-qualified table and operation (Postgres)', async () => {
    const { m, url } = await serviceMetrics();
    const database = await openPgTestDatabase<{ entries: { id: number; note: string } }>();
    stops.push(() => database.close());
    const db = m.database(database.db);
    await sql`create table ${sql.id(database.schema, 'entries')} (id int primary key, note text)`.execute(db);
    const scoped = db.withSchema(database.schema);
    await scoped.insertInto('entries').values({ id: 1, note: 'a' }).execute();
    await scoped.insertInto('entries').values({ id: 2, note: 'b' }).execute();
    await scoped.updateTable('entries').set({ note: 'c' }).execute();
    await db.transaction().execute(async (trx) => {
      await trx.withSchema(database.schema).selectFrom('entries').selectAll().execute();
    });
    const s = await scrape(url);
    const table = `${database.schema}.entries`;
    expect(sumOf(s, 'trading_db_query_seconds_count', { table, op: 'insert' })).toBe(2);
    expect(sumOf(s, 'trading_db_query_seconds_count', { table, op: 'update' })).toBe(1);
    expect(sumOf(s, 'trading_db_query_seconds_count', { table, op: 'select' })).toBe(1);
    expect(sumOf(s, 'trading_db_query_seconds_count', { op: 'raw' })).toBe(1);
  });

  test('a sampled gauge reads its sources at scrape time; a failing source leaves the others answering', async () => {
    const { m, url } = await serviceMetrics();
    let depth = 4;
    const spec = { name: 'trading_test_queue', help: 'test queue depth', labelNames: ['queue'] as const };
    sampledGauge(m.registry, spec, (g) => g.set({ queue: 'a' }, depth));
    const dropB = sampledGauge(m.registry, spec, (g) => g.set({ queue: 'b' }, 1));
    sampledGauge(m.registry, spec, () => {
      throw new Error('source down');
    });
    expect(sumOf(await scrape(url), 'trading_test_queue', { queue: 'a' })).toBe(4);
    depth = 9;
    dropB();
    const s = await scrape(url);
    expect(sumOf(s, 'trading_test_queue', { queue: 'a' })).toBe(9);
    expect(s.some((x) => x.name === 'trading_test_queue' && x.labels.queue === 'b')).toBe(false);
  });
});
