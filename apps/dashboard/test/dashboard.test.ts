/**
 * The dashboard in a real browser (headless Chromium through playwright-core) on the embedded default: the system
 * in this process (in-process bus, PGlite, ib-sim as broker `sim`), plus broker `live`, an ib-sim whose clock is
 * inside a regular US session, because the wall-clock sim sends no quote changes and fills nothing outside trading
 * hours and CI runs at any hour. Screenshots go to the test's temp directory (printed).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeResult } from '@trading-system/backtest';
import { type RunningSim, scaledClock, startSim } from '@trading-system/ib-sim';
import { createLogger } from '@trading-system/runtime';
import { TradingSystem } from '@trading-system/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Dashboard, DashboardConfig, startDashboard } from '../src/index.js';
import { smallRun } from './fixtures.js';

const LIVE = 'live';
const logger = createLogger({ service: 'dashboard-test', level: 'silent' });
let ts: TradingSystem;
let liveSim: RunningSim;
// Wednesday 2024-03-13 11:00 New York, at wall speed: quotes tick and marketable orders fill.
const liveClock = scaledClock(Date.parse('2024-03-13T15:00:00Z'), 1);
let browser: Browser;
let shots: string;
const dashboards: Dashboard[] = [];

const settings = (over: Partial<DashboardConfig> = {}): DashboardConfig => ({
  ...DashboardConfig.parse({ DASHBOARD_PORT: '0', DASHBOARD_WATCHLIST: 'AAPL' }),
  ...over,
});

async function dashboard(over: Partial<DashboardConfig> = {}): Promise<Dashboard> {
  const d = await startDashboard({ system: ts, config: settings(over), logger });
  dashboards.push(d);
  return d;
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

beforeAll(async () => {
  shots = await mkdtemp(join(tmpdir(), 'dashboard-test-'));
  process.stdout.write(`dashboard screenshots: ${shots}\n`);
  ts = await TradingSystem.open({ env: {}, logLevel: 'silent', embedded: { simPort: 0 } });
  liveSim = await startSim({ port: 0, clock: liveClock });
  await ts.addBroker(LIVE, 'ib', { host: '127.0.0.1', port: liveSim.port, clientId: 21 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  for (const d of dashboards) await d.stop();
  await ts?.shutdown();
  await liveSim?.stop();
}, 30_000);

test('trading on: quotes change, a limit order works and is cancelled, a fill and the position, a denial with its reason', async () => {
  const d = await dashboard({ DASHBOARD_TRADING: true });
  expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(d.url);
  await page.locator('#link', { hasText: 'live' }).waitFor();
  await page.locator(`#brokers tr[data-broker="${LIVE}"] td.state-connected`).waitFor();

  // A quote, then a different one: pushed by the server, drawn as it arrives.
  const last = page.locator(`#quotes tr[data-quote="${LIVE}:AAPL"] td.last`);
  await expect
    .poll(async () => (await last.count()) > 0 && (await last.textContent()) !== '', { timeout: 20_000 })
    .toBe(true);
  const first = await last.textContent();
  await expect.poll(async () => last.textContent(), { timeout: 20_000 }).not.toBe(first);
  await screenshot(page, '1-quotes');

  const quoteCell = async (cls: string): Promise<number> =>
    Number(await page.locator(`#quotes tr[data-quote="${LIVE}:AAPL"] td.${cls}`).textContent());
  const ticket = async (side: string, quantity: string, limit: string): Promise<string> => {
    await page.selectOption('#ticket-broker', LIVE);
    await page.fill('#ticket input[name=symbol]', 'AAPL');
    await page.selectOption('#ticket select[name=side]', side);
    await page.fill('#ticket input[name=quantity]', quantity);
    await page.selectOption('#ticket select[name=orderType]', 'LMT');
    await page.fill('#ticket input[name=limitPrice]', limit);
    const result = page.locator('#ticket-result');
    const previous = await result.textContent();
    await page.click('#ticket-submit');
    // Every answer names a new order id or a new denial, so a changed text is this order's answer.
    await expect
      .poll(async () => result.textContent(), { timeout: 15_000 })
      .toSatisfy((t: string | null) => t !== previous && t !== null && t !== 'sending…');
    return (await result.textContent()) ?? '';
  };

  // A limit order below the market: working in the blotter, then cancelled from its button.
  const resting = (Math.floor((await quoteCell('bid')) * 0.99 * 100) / 100).toFixed(2);
  const placed = await ticket('BUY', '1', resting);
  const restingId = placed.split(':')[0] ?? '';
  expect(placed).toMatch(/: (accepted|pendingSubmit|submitted)$/);
  await page
    .locator(`#blotter-working tr[data-order-id="${restingId}"] td.status`, { hasText: 'submitted' })
    .waitFor({ timeout: 15_000 });
  await screenshot(page, '2-working');
  await page.click(`#blotter-working tr[data-order-id="${restingId}"] button.cancel`);
  await page.locator(`#blotter-cancelled tr[data-order-id="${restingId}"]`).waitFor({ timeout: 15_000 });

  // A marketable one: filled, its fill listed, the position shown (per broker and across brokers).
  const before = (await ts.getPositions({ broker: LIVE, value: false })).find((p) => p.symbol === 'AAPL');
  const crossing = (Math.ceil((await quoteCell('ask')) * 1.005 * 100) / 100).toFixed(2);
  const filledId = (await ticket('BUY', '2', crossing)).split(':')[0] ?? '';
  await page.locator(`#blotter-filled tr[data-order-id="${filledId}"]`).waitFor({ timeout: 20_000 });
  await page.locator(`#fills tr td`, { hasText: filledId }).first().waitFor({ timeout: 10_000 });
  const expected = String(Number(before?.quantity ?? '0') + 2);
  await expect
    .poll(async () => page.locator(`#positions tr[data-position="${LIVE}:AAPL"] td.qty`).textContent(), {
      timeout: 15_000,
    })
    .toBe(expected);
  await page.locator('#positions-all tr[data-position="AAPL"]').waitFor();
  await screenshot(page, '3-filled');

  // A denial: the OMS's answer with its code and reason, and the order in the denied section with it.
  await ts.setRiskLimits({ maxOrderQuantity: 50 });
  try {
    const denied = await ticket('BUY', '500', resting);
    expect(denied).toMatch(/^RISK_MAX_QUANTITY: /);
    await expect(page.locator('#ticket-result')).toBeDefined();
    expect(await page.locator('#ticket-result').getAttribute('class')).toBe('denied');
    const deniedRow = page.locator('#blotter-denied tr', { hasText: 'RISK_MAX_QUANTITY' });
    await deniedRow.first().waitFor({ timeout: 10_000 });
    expect(await deniedRow.first().locator('td.status').textContent()).toBe('denied');
  } finally {
    await ts.setRiskLimits({ maxOrderQuantity: 10_000 });
  }
  await screenshot(page, '4-denied');
  for (const name of ['1-quotes', '2-working', '3-filled', '4-denied'])
    expect(existsSync(join(shots, `${name}.png`))).toBe(true);
  await page.close();
}, 120_000);

test('trading off (the default): no order ticket, no cancel buttons, and the order endpoint refuses', async () => {
  const d = await dashboard();
  const page = await browser.newPage();
  await page.goto(d.url);
  await page.locator('#mode', { hasText: 'view only' }).waitFor();
  await page.locator('#blotter-working').waitFor();
  expect(await page.locator('#ticket-panel').isVisible()).toBe(false);
  expect(await page.locator('button.cancel').count()).toBe(0);
  await screenshot(page, '5-view-only');
  await page.close();
  const ordersBefore = (await ts.getAllOrders({ status: 'all' })).length;
  const res = await fetch(`${d.url}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ broker: LIVE, symbol: 'AAPL', side: 'BUY', quantity: '1', orderType: 'MKT' }),
  });
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ ok: false, code: 'TRADING_DISABLED' });
  const cancel = await fetch(`${d.url}/api/orders/x/cancel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(cancel.status).toBe(403);
  expect((await ts.getAllOrders({ status: 'all' })).length).toBe(ordersBefore);
}, 60_000);

test('a token: requests without it are refused 401; the address with ?token= opens the page and its live stream', async () => {
  const token = 'a-long-enough-test-token-0123';
  const d = await dashboard({ DASHBOARD_TOKEN: token, DASHBOARD_TRADING: true });
  for (const path of ['/', '/app.js', '/api/config', '/api/events', '/api/orders'])
    expect((await fetch(`${d.url}${path}`)).status, path).toBe(401);
  expect(
    (await fetch(`${d.url}/api/config`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status,
  ).toBe(401);
  expect((await fetch(`${d.url}/api/config`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  // A command from another site's page is refused even with the operator's cookie.
  const foreign = await fetch(`${d.url}/api/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'http://evil.example' },
    body: '{}',
  });
  expect(foreign.status).toBe(403);
  const simple = await fetch(`${d.url}/api/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: '{}',
  });
  expect(simple.status).toBe(415);

  const page = await browser.newPage();
  await page.goto(`${d.url}/?token=${token}`);
  await page.locator('#link', { hasText: 'live' }).waitFor();
  await page.locator(`#brokers tr[data-broker="${LIVE}"]`).waitFor();
  await page.close();

  // Bound beyond loopback, the configuration itself refuses to start without a token.
  const open = DashboardConfig.safeParse({ DASHBOARD_HOST: '0.0.0.0' });
  expect(open.success).toBe(false);
  expect(open.error?.issues[0]?.path).toEqual(['DASHBOARD_TOKEN']);
  expect(DashboardConfig.safeParse({ DASHBOARD_HOST: '0.0.0.0', DASHBOARD_TOKEN: token }).success).toBe(true);
}, 60_000);

test('a port in use: the dashboard says so and serves on another port', async () => {
  const first = await dashboard();
  const second = await dashboard({ DASHBOARD_PORT: first.port });
  expect(second.portTaken).toBe(first.port);
  expect(second.port).not.toBe(first.port);
  expect((await fetch(`${second.url}/api/config`)).status).toBe(200);
});

test('the chart: candles of a cached series, a live bar, a fill marked; broker load; a backtest report opens', async () => {
  const reports = await mkdtemp(join(tmpdir(), 'dashboard-reports-'));
  writeResult(join(reports, 'ma-cross'), smallRun('ma-cross'));
  const d = await dashboard({ DASHBOARD_REPORTS_DIR: reports });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  await page.goto(d.url);
  await page.locator('#link', { hasText: 'live' }).waitFor();
  await page.locator(`#chart-broker option[value="${LIVE}"], #chart-broker option:text-is("${LIVE}")`).first().waitFor({
    state: 'attached',
  });

  // The last half hour of 5-second bars up to the sim's now: back-filled into the history cache by this request,
  // then the same series from the cache alone.
  const status = page.locator('#chart-status');
  const show = async (cachedOnly: boolean): Promise<number> => {
    await page.selectOption('#chart-broker', LIVE);
    await page.fill('#chart-form input[name=symbol]', 'AAPL');
    await page.fill('#chart-form input[name=timeframe]', '5s');
    await page.fill('#chart-form input[name=duration]', '1800 S');
    await page.fill('#chart-form input[name=end]', new Date(liveClock.now()).toISOString());
    await page.setChecked('#chart-form input[name=cachedOnly]', cachedOnly);
    const before = await status.textContent();
    await page.click('#chart-show');
    await expect.poll(async () => status.textContent(), { timeout: 60_000 }).not.toBe(before);
    await expect.poll(async () => status.textContent(), { timeout: 60_000 }).not.toBe('loading…');
    return Number(await status.getAttribute('data-candles'));
  };
  expect(await show(false), (await status.textContent()) ?? '').toBeGreaterThan(100);
  const cached = await show(true);
  expect(cached, (await status.textContent()) ?? '').toBeGreaterThan(100);
  expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
  await page.locator('#chart-live', { hasText: 'live 5s' }).waitFor({ timeout: 20_000 });

  // A completed 5-second bar from market-data arrives on the chart's stream and is drawn after the cached ones.
  const lastBefore = Number(await status.getAttribute('data-last-time'));
  await expect
    .poll(async () => Number(await status.getAttribute('data-live-bars')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  expect(Number(await status.getAttribute('data-last-time'))).toBeGreaterThanOrEqual(lastBefore);
  await screenshot(page, '6-chart');

  // A fill of this series (an order from any client: the page sees every order event) is marked on its candle.
  const fills = page.locator('#chart-fills');
  const markersBefore = Number((await fills.getAttribute('data-markers')) ?? '0');
  const ask = Number(await page.locator(`#quotes tr[data-quote="${LIVE}:AAPL"] td.ask`).textContent());
  await ts.submitLimitOrder('AAPL', 'SMART', 'BUY', 1, (Math.ceil(ask * 1.005 * 100) / 100).toFixed(2), {
    broker: LIVE,
  });
  await expect
    .poll(async () => Number((await fills.getAttribute('data-markers')) ?? '0'), { timeout: 20_000 })
    .toBeGreaterThan(markersBefore);
  await screenshot(page, '7-chart-fill');

  // Broker load: market-data lines held of the announced budget, and the historical pacing queue.
  const broker = page.locator(`#brokers tr[data-broker="${LIVE}"]`);
  // At least the line of AAPL (the watchlist's and the chart's leases share it), of the sim's 100-line budget.
  await expect
    .poll(async () => /^(\d+) \/ 100$/.exec((await broker.locator('td.lines').textContent()) ?? '')?.[1], {
      timeout: 30_000,
    })
    .toSatisfy((used: string | undefined) => used !== undefined && Number(used) >= 1);
  await expect.poll(async () => broker.locator('td.pacing').textContent(), { timeout: 15_000 }).toMatch(/^\d+ \/ \d+$/);

  // The backtest report: listed with its summary, and its link opens the report with its charts drawn.
  const link = page.locator('#reports tr[data-report="ma-cross"] a.report-link');
  await link.waitFor();
  const [report] = await Promise.all([page.waitForEvent('popup'), link.click()]);
  await report.waitForFunction('window.__reportReady === true');
  expect(await report.title()).toBe('ma-cross on AAPL');
  await screenshot(report, '8-report');
  await report.close();
  await page.close();
}, 180_000);
