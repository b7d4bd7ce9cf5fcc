/**
 * Backtest reports: the listing of a reports directory (real result.json and report.html written by the backtest
 * library), and over HTTP the report served in its sandbox while every way out of the directory is refused: dot
 * segments plain and encoded, encoded separators, hidden entries, NUL, and a symbolic link leading outside.
 */
import { mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeResult } from '@trading-system/backtest';
import { createLogger } from '@trading-system/runtime';
import { TradingSystem } from '@trading-system/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probeDashboard } from '../src/healthcheck.js';
import { type Dashboard, DashboardConfig, startDashboard } from '../src/index.js';
import { ReportLibrary, ReportPathError, reportSegments } from '../src/reports.js';
import { smallRun } from './fixtures.js';

const T0 = Date.parse('2024-01-02T14:30:00Z');

let root: string;
let outside: string;

beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'dashboard-reports-'));
  root = join(base, 'out');
  outside = join(base, 'secret');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'report.html'), '<html>not yours</html>');
  writeResult(join(root, 'ma-cross'), smallRun('ma-cross'));
  writeResult(join(root, 'sweeps', 'best'), smallRun('best-of-sweep'));
  mkdirSync(join(root, 'broken'));
  writeFileSync(join(root, 'broken', 'result.json'), '{ "not": "a result" }');
  mkdirSync(join(root, 'empty'));
  // A link under the root to a directory outside it: neither listed nor served.
  symlinkSync(outside, join(root, 'link'));
  // Oldest first, so the order of the listing is known.
  utimesSync(join(root, 'ma-cross', 'result.json'), new Date(T0), new Date(T0));
});

describe('the listing', () => {
  test('every run under the root with its summary, newest first; links and empty directories left out', async () => {
    const { reports, leftOut } = await new ReportLibrary(root).list();
    expect(reports.map((r) => r.id)).toEqual(['broken', 'sweeps/best', 'ma-cross']);
    expect(leftOut).toBe(0);
    const run = reports.find((r) => r.id === 'ma-cross');
    expect(run?.hasReport).toBe(true);
    expect(run?.summary).toMatchObject({
      strategy: 'ma-cross',
      symbols: ['AAPL'],
      timeframe: '1m',
      bars: 5,
      trades: 1,
    });
    expect(run?.summary?.totalReturn).toBeGreaterThan(0);
    expect(reports.find((r) => r.id === 'broken')).toMatchObject({ hasReport: false });
    expect(reports.find((r) => r.id === 'broken')?.problem).toMatch(/not a backtest result/);
  });

  test('a missing root is an empty list, not an error', async () => {
    expect((await new ReportLibrary(join(root, 'nope')).list()).reports).toEqual([]);
  });

  test('report names: plain directory names only', () => {
    expect(reportSegments('sweeps/best')).toEqual(['sweeps', 'best']);
    for (const bad of ['..', '../secret', 'a/../..', '.hidden', 'a//b', '/etc', 'a\\b', 'a\0b', 'C:', 'a/b/c/d', ''])
      expect(() => reportSegments(bad), bad).toThrow(ReportPathError);
  });

  test('a link leading outside the root is refused even when named directly', async () => {
    await expect(new ReportLibrary(root).reportFile('link')).rejects.toThrow(/outside the reports directory/);
  });
});

describe('over HTTP', () => {
  let ts: TradingSystem;
  let d: Dashboard;

  beforeAll(async () => {
    ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
    const config = DashboardConfig.parse({ DASHBOARD_PORT: '0', DASHBOARD_WATCHLIST: '', DASHBOARD_REPORTS_DIR: root });
    d = await startDashboard({ system: ts, config, logger: createLogger({ service: 'test', level: 'silent' }) });
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
    await ts?.shutdown();
  });

  test('chart queries: a malformed one is a 400 naming the field; cache only answers from the cache alone', async () => {
    const get = async (q: string) => {
      const res = await fetch(`${d.url}${q}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const bad = await get('/api/bars?broker=sim&symbol=AAPL&timeframe=soon');
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(String(bad.body.message)).toMatch(/timeframe/);
    expect((await get('/api/bars?broker=sim&symbol=AAPL&timeframe=1m&duration=forever')).status).toBe(400);
    expect((await get('/api/bars/live?broker=sim&instrumentId=a.b&timeframe=1m')).status).toBe(400);
    expect((await get('/api/bars/live?broker=sim&instrumentId=265598&timeframe=60s')).status).toBe(400); // not canonical
    const cached = await get('/api/bars?broker=sim&symbol=AAPL&timeframe=1d&duration=5%20D&cachedOnly=true');
    expect(cached.status, JSON.stringify(cached.body)).toBe(200);
    expect(cached.body).toMatchObject({ broker: 'sim', symbol: 'AAPL', timeframe: '1d', partial: true });
    expect(cached.body.bars).toEqual([]);
  });

  test("the container's healthcheck: its page answers with the token read as the dashboard reads it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-token-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'a-healthcheck-test-token-0123\n');
    const guarded = await startDashboard({
      system: ts,
      config: DashboardConfig.parse({ DASHBOARD_PORT: '0', DASHBOARD_WATCHLIST: '', DASHBOARD_TOKEN_FILE: tokenFile }),
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    try {
      const env = { DASHBOARD_PORT: String(guarded.port), DASHBOARD_TOKEN_FILE: tokenFile };
      expect(await probeDashboard(env)).toBe(0);
      expect((await fetch(`${guarded.url}/api/config`)).status).toBe(401);
      writeFileSync(join(dir, 'wrong'), 'not-the-token-of-this-dashboard\n');
      expect(await probeDashboard({ ...env, DASHBOARD_TOKEN_FILE: join(dir, 'wrong') })).toBe(1);
    } finally {
      await guarded.stop();
    }
    expect(await probeDashboard({ DASHBOARD_PORT: String(guarded.port) })).toBe(1); // nothing listens now
  });

  /** A GET with the path exactly as written (fetch would normalise dot segments before sending). */
  const raw = (path: string): Promise<{ status: number; body: string; csp: string | undefined }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: d.port, path, method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, csp: res.headers['content-security-policy'] as string }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  test('the list and a report, served in a sandbox', async () => {
    const list = (await (await fetch(`${d.url}/api/reports`)).json()) as { root: string; reports: { id: string }[] };
    expect(list.root).toBe(root);
    expect(list.reports.map((r) => r.id)).toContain('sweeps/best');
    const r = await raw('/reports/sweeps/best/report.html');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/<title>best-of-sweep on AAPL<\/title>/);
    expect(r.csp).toMatch(/^sandbox allow-scripts; default-src 'none'/);
  });

  test('every way out of the reports directory is refused, and nothing outside is ever served', async () => {
    const attempts = [
      '/reports/../secret/report.html',
      '/reports/%2e%2e/secret/report.html',
      '/reports/..%2fsecret/report.html',
      '/reports/..%2Fsecret/report.html',
      '/reports/ma-cross/..%2F..%2Fsecret/report.html',
      '/reports/%2Fetc/report.html',
      '/reports/link/report.html',
      '/reports/.hidden/report.html',
      '/reports/a%00b/report.html',
      '/reports/a%5c..%5csecret/report.html',
      '/reports/%E0%A4%A/report.html',
      '/reports/ma-cross/result.json',
      '/reports/ma-cross/trades.csv',
      '/reports/empty/report.html',
    ];
    for (const path of attempts) {
      const r = await raw(path);
      expect([400, 404], `${path} → ${r.status}`).toContain(r.status);
      expect(r.body, path).not.toMatch(/not yours/);
    }
    expect((await raw('/reports/link/report.html')).status).toBe(400);
    expect((await raw('/reports/..%2fsecret/report.html')).status).toBe(400);
  });
});
