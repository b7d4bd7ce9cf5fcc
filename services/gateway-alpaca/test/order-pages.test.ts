/**
 * Reconciliation reads every page of Alpaca's orders, not only the newest 500 (Alpaca's page limit): on alpaca-sim
 * with 1,102 orders, the oldest (still open) is in openOrders and an early fill is in completedOrders with its
 * execution, the snapshot split into parts that fit a message. allOrders' paging on its own: orders sharing a millisecond across a page boundary are all read, and a
 * horizon stops it.
 */
import { DEFAULT_CREDENTIALS } from '@trading-system/alpaca-sim';
import type { BrokerClient } from '@trading-system/testkit/conformance';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { OrdersQuery } from '../src/alpaca-port.js';
import { allOrders, PAGE_LIMIT } from '../src/order-pages.js';
import type { AlpacaOrder } from '../src/wire.js';
import { type startHarness, startRecordedHarness } from './helpers.js';

let h: Awaited<ReturnType<typeof startHarness>>;
let c: BrokerClient;
beforeAll(async () => {
  // Six hundred orders straight to the sim in a few seconds: beyond Alpaca's 200 requests a minute.
  ({ h, c } = await startRecordedHarness({ rateLimitPerMinute: 1_000_000 }));
}, 30_000);
afterAll(async () => {
  await c?.stop();
  await h?.stop();
});

const N = 1_100;

async function post(body: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${h.sim.baseUrl}/v2/orders`, {
    method: 'POST',
    headers: {
      'APCA-API-KEY-ID': DEFAULT_CREDENTIALS.keyId,
      'APCA-API-SECRET-KEY': DEFAULT_CREDENTIALS.secretKey,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`POST /v2/orders: ${r.status} ${await r.text()}`);
}

test('reconcile finds the oldest open order and an early fill behind 1,100 newer orders, in parts', async () => {
  const away = (Math.floor(h.sim.control.quote('AAPL').ask * 50) / 100).toFixed(2);
  const limit = { symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', limit_price: away };
  await post({ ...limit, time_in_force: 'gtc', client_order_id: 'pages-old-open' });
  await post({
    symbol: 'AAPL',
    qty: '1',
    side: 'buy',
    type: 'market',
    time_in_force: 'day',
    client_order_id: 'pages-old-fill',
  });
  // IOC orders away from the market: each expires at once, a closed order newer than the two above.
  for (let i = 0; i < N; i += 1) await post({ ...limit, time_in_force: 'ioc', client_order_id: `pages-ioc-${i}` });
  await c.waitUntil(
    () => (h.sim.control.broker.byClientOrderId(`pages-ioc-${N - 1}`)?.status === 'expired' ? true : undefined),
    'the last IOC order expired',
  );
  const reconId = 'pages-recon-1';
  const reply = await c.command('reconcile', { v: 1, reconId });
  if (!reply.ok) throw new Error(`reconcile: ${reply.code}`);
  // Over 1,000 items do not go in one message: the snapshot comes in parts, each saying how many.
  expect(reply.parts).toBeGreaterThan(1);
  const parts = await c.waitUntil(() => {
    const got = c.all('reconciliationSnapshot', (s) => s.reconId === reconId);
    return got.length === reply.parts ? got : undefined;
  }, 'every part of the snapshot');
  expect(parts.map((p) => [p.part, p.parts]).sort()).toEqual(
    Array.from({ length: reply.parts }, (_, i) => [i + 1, reply.parts]),
  );
  expect(parts.flatMap((p) => p.openOrders).map((o) => o.clientOrderId)).toContain('pages-old-open');
  const completed = new Set(parts.flatMap((p) => p.completedOrders).map((o) => o.clientOrderId));
  expect(completed.has('pages-old-fill')).toBe(true);
  for (let i = 0; i < N; i += 1) expect(completed.has(`pages-ioc-${i}`), `pages-ioc-${i}`).toBe(true);
  const fills = parts.flatMap((p) => p.executions).filter((x) => x.clientOrderId === 'pages-old-fill');
  expect(fills.map((x) => x.cumQty)).toEqual(['1']);
}, 90_000);

/** A fake Alpaca order list, newest first, answering limit/until as Alpaca documents them. */
function pagedList(orders: AlpacaOrder[]) {
  const asked: OrdersQuery[] = [];
  const fetchPage = async (q: OrdersQuery): Promise<AlpacaOrder[]> => {
    asked.push(q);
    const until = q.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(q.until);
    return orders
      .filter((o) => Date.parse(o.created_at) < until)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
      .slice(0, q.limit ?? 50);
  };
  return { fetchPage, asked };
}

const order = (i: number, ms: number): AlpacaOrder =>
  ({ id: `o${i}`, created_at: new Date(ms).toISOString() }) as unknown as AlpacaOrder;

test('allOrders: 1,300 orders, three per millisecond, all read once across page boundaries', async () => {
  const t0 = Date.parse('2024-03-13T15:00:00Z');
  const orders = Array.from({ length: 1_300 }, (_, i) => order(i, t0 + Math.floor(i / 3)));
  const { fetchPage, asked } = pagedList(orders);
  const r = await allOrders(fetchPage, 'all');
  expect(r.complete).toBe(true);
  expect(r.orders.length).toBe(1_300);
  expect(new Set(r.orders.map((o) => o.id)).size).toBe(1_300);
  expect(asked.length).toBe(3);
  expect(asked.every((q) => q.limit === PAGE_LIMIT)).toBe(true);
});

test('allOrders: stops at the horizon; 500 orders in one millisecond end it as incomplete', async () => {
  const t0 = Date.parse('2024-03-13T15:00:00Z');
  const spread = Array.from({ length: 2_000 }, (_, i) => order(i, t0 + i * 1_000));
  const { fetchPage, asked } = pagedList(spread);
  const r = await allOrders(fetchPage, 'closed', { horizonMs: (newest) => newest - 100_000 });
  expect(r.complete).toBe(true);
  expect(asked.length).toBe(1);
  expect(r.orders.length).toBe(PAGE_LIMIT);
  const crowded = Array.from({ length: 700 }, (_, i) => order(i, t0));
  expect((await allOrders(pagedList(crowded).fetchPage, 'all')).complete).toBe(false);
});
