/**
 * `npm start` with METRICS_PORT: one endpoint for the whole in-process system, every service's series in it
 * (the deployed services each serve their own; infra/test/topology.test.ts scrapes those). A child process.
 */
import { scrape, sumOf } from '@trading-system/metrics';
import { spawnTs, stopProc } from '@trading-system/testkit';
import { expect, test } from 'vitest';

test('the embedded system serves /metrics with the gateway, OMS, market-data and bus series, and /readyz', async () => {
  const p = spawnTs(
    'services/embedded/src/main.ts',
    [],
    { PGLITE_DATA_DIR: 'memory://', SIM_PORT: '0', LOG_LEVEL: 'warn', DASHBOARD_ENABLED: 'false', METRICS_PORT: '0' },
    { clean: true },
  );
  try {
    await expect.poll(() => p.output.join(''), { timeout: 45_000 }).toMatch(/stop: Ctrl-C/);
    const out = p.output.join('');
    const url = /\n {2}metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const s = await scrape(url as string);
    expect(s.every((x) => x.labels.service === undefined || x.labels.service === 'trading-system')).toBe(true);
    expect(sumOf(s, 'trading_broker_connection_state', { broker: 'sim', state: 'connected' })).toBe(1);
    expect(sumOf(s, 'trading_market_data_lines_budget', { broker: 'sim' })).toBeGreaterThan(0);
    expect(sumOf(s, 'trading_governor_sent', { broker: 'sim' })).toBeGreaterThan(0);
    expect(s.some((x) => x.name === 'trading_oms_outbox_pending')).toBe(true);
    // The services talked over the in-process bus while starting (status, reconciliation).
    expect(sumOf(s, 'trading_bus_messages_total', { direction: 'out' })).toBeGreaterThan(0);
    // The database plugin timed the migrations' and services' statements.
    expect(sumOf(s, 'trading_db_query_seconds_count')).toBeGreaterThan(0);
  } finally {
    await stopProc(p);
  }
  expect(await p.exited).toBe(0);
}, 60_000);
