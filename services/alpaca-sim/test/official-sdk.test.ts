/**
 * Conformance against Alpaca's official JS SDK (`@alpacahq/alpaca-trade-api` 3.1.3), trading side: the sim is
 * driven only through the SDK's client over real sockets (https and wss, as the SDK insists on for streams) —
 * account, clock, calendar, assets, orders of every type and time in force, replace and cancel, positions and
 * closing them, activities, portfolio history, and `trade_updates` through the SDK's `trade_ws` client.
 * Market data: official-sdk-data.test.ts and official-sdk-stream.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventQueue, rejection, type SdkSim, startSdkSim } from './sdk-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: the SDK's replies are untyped JSON
type Json = any;

/** Options as the SDK's README passes them: its .d.ts marks every destructured option as required. */
const opts = (o: Record<string, unknown>) => o as never;

let h: SdkSim;
const updates = new EventQueue<Json>();

beforeAll(async () => {
  h = await startSdkSim(undefined, 1_000_000);
  const ws = h.alpaca.trade_ws;
  ws.onOrderUpdate(updates.push);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('trade_ws did not connect')), 5_000);
    ws.onConnect(() => {
      clearTimeout(timer);
      ws.subscribe(['trade_updates']);
      resolve();
    });
    ws.connect();
  });
});

afterAll(async () => {
  h.alpaca.trade_ws.disconnect();
  await h.stop();
});

const update = (orderId: string, event: string) => updates.take((u) => u.order.id === orderId && u.event === event);

describe('account, clock, calendar, assets', () => {
  it('reads the account', async () => {
    const account = await h.alpaca.getAccount();
    expect(account).toMatchObject({
      status: 'ACTIVE',
      currency: 'USD',
      cash: '1000000',
      account_number: 'PA3SIM000001',
    });
  });

  it('reads the clock: open on a Tuesday at 10:00 New York', async () => {
    const clock = await h.alpaca.getClock();
    expect(clock).toMatchObject({
      is_open: true,
      timestamp: '2024-03-05T10:00:00-05:00',
      next_close: '2024-03-05T16:00:00-05:00',
      next_open: '2024-03-06T09:30:00-05:00',
    });
  });

  it('reads the calendar: trading days with hours and T+2 settlement (March 2024)', async () => {
    const days = await h.alpaca.getCalendar({ start: new Date('2024-03-28'), end: new Date('2024-04-02') });
    // Good Friday 2024-03-29 is an NYSE holiday; the weekend has no session.
    expect(days.map((d: Json) => d.date)).toEqual(['2024-03-28', '2024-04-01', '2024-04-02']);
    expect(days[0]).toEqual({
      date: '2024-03-28',
      open: '09:30',
      close: '16:00',
      session_open: '0400',
      session_close: '2000',
      settlement_date: '2024-04-02',
    });
  });

  it('lists and reads assets', async () => {
    const assets = await h.alpaca.getAssets({ status: 'active' });
    expect(assets.map((a: Json) => a.symbol)).toContain('AAPL');
    const crypto = await h.alpaca.getAssets({ asset_class: 'crypto' });
    expect(crypto.map((a: Json) => a.symbol)).toEqual(expect.arrayContaining(['BTC/USD', 'ETH/USD']));
    const aapl = await h.alpaca.getAsset('AAPL');
    expect(aapl).toMatchObject({ symbol: 'AAPL', class: 'us_equity', tradable: true, fractionable: true });
    expect(await rejection(h.alpaca.getAsset('NOPE'))).toMatchObject({ status: 404, body: { code: 40410000 } });
  });
});

describe('orders', () => {
  it('market DAY buy: accepted, then new and fill on trade_updates at the quoted ask', async () => {
    const quote = await h.alpaca.getLatestQuote('AAPL');
    const order = await h.alpaca.createOrder({
      symbol: 'AAPL',
      qty: 10,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'sdk-mkt-1',
    });
    expect(order).toMatchObject({ status: 'accepted', client_order_id: 'sdk-mkt-1', qty: '10', filled_qty: '0' });
    expect((await update(order.id, 'new')).order.status).toBe('new');
    const fill = await update(order.id, 'fill');
    expect(fill).toMatchObject({ price: String(quote.AskPrice), qty: '10', position_qty: '10' });
    expect(fill.order).toMatchObject({ status: 'filled', filled_avg_price: String(quote.AskPrice) });
    expect(await h.alpaca.getOrder(order.id)).toMatchObject({ status: 'filled', filled_qty: '10' });
    expect((await h.alpaca.getOrderByClientId('sdk-mkt-1')).id).toBe(order.id);
    expect(await h.alpaca.getPosition('AAPL')).toMatchObject({ qty: '10', side: 'long' });
  });

  it('limit GTC rests; lists by status and symbol; replace makes a new order; cancel ends it', async () => {
    const q = h.sim.control.quote('MSFT');
    const limit = Math.round(q.bid * 0.9 * 100) / 100;
    const order = await h.alpaca.createOrder({
      symbol: 'MSFT',
      qty: 5,
      side: 'buy',
      type: 'limit',
      limit_price: limit,
      time_in_force: 'gtc',
    });
    await update(order.id, 'new');
    const open = await h.alpaca.getOrders(opts({ status: 'open', symbols: 'MSFT', direction: 'asc' }));
    expect(open.map((o: Json) => o.id)).toEqual([order.id]);
    expect(await h.alpaca.getOrders(opts({ status: 'open', symbols: 'TSLA' }))).toEqual([]);
    const lower = Math.round((limit - 1) * 100) / 100;
    const replacement = await h.alpaca.replaceOrder(order.id, { qty: 7, limit_price: lower });
    expect(replacement).toMatchObject({ replaces: order.id, qty: '7', limit_price: String(lower) });
    const replaced = await update(order.id, 'replaced');
    expect(replaced.order).toMatchObject({ status: 'replaced', replaced_by: replacement.id });
    await update(replacement.id, 'new');
    await h.alpaca.cancelOrder(replacement.id);
    expect((await update(replacement.id, 'canceled')).order.status).toBe('canceled');
    expect(await rejection(h.alpaca.cancelOrder('00000000-0000-0000-0000-000000000000'))).toMatchObject({
      status: 404,
      body: { code: 40410000, message: 'order not found' },
    });
  });

  it('stop and stop-limit DAY orders rest until triggered; cancel all answers 207 per order', async () => {
    const q = h.sim.control.quote('SPY');
    const stop = await h.alpaca.createOrder({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'stop',
      stop_price: Math.round(q.ask * 1.2 * 100) / 100,
      time_in_force: 'day',
    });
    const stopLimit = await h.alpaca.createOrder({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'stop_limit',
      stop_price: Math.round(q.ask * 1.2 * 100) / 100,
      limit_price: Math.round(q.ask * 1.21 * 100) / 100,
      time_in_force: 'gtc',
    });
    await update(stop.id, 'new');
    await update(stopLimit.id, 'new');
    const canceled = await h.alpaca.cancelAllOrders();
    expect(canceled.map((c: Json) => [c.id, c.status]).sort()).toEqual(
      [
        [stop.id, 200],
        [stopLimit.id, 200],
      ].sort(),
    );
    await update(stop.id, 'canceled');
    await update(stopLimit.id, 'canceled');
  });

  it('IOC and FOK: a marketable IOC fills, an unmarketable one expires; FOK fills whole', async () => {
    const q = h.sim.control.quote('IBM');
    const ioc = await h.alpaca.createOrder({
      symbol: 'IBM',
      qty: 2,
      side: 'buy',
      type: 'limit',
      limit_price: Math.round(q.bid * 0.95 * 100) / 100,
      time_in_force: 'ioc',
    });
    expect((await update(ioc.id, 'expired')).order).toMatchObject({ status: 'expired', filled_qty: '0' });
    const fok = await h.alpaca.createOrder({
      symbol: 'IBM',
      qty: 3,
      side: 'buy',
      type: 'limit',
      limit_price: Math.round(q.ask * 1.05 * 100) / 100,
      time_in_force: 'fok',
    });
    expect(await update(fok.id, 'fill')).toMatchObject({ qty: '3', price: String(q.ask) });
    const rejected = await rejection(
      h.alpaca.createOrder({ symbol: 'IBM', qty: 1, side: 'buy', type: 'limit', time_in_force: 'day' }),
    );
    expect(rejected).toMatchObject({ status: 422, body: { message: 'limit_price is required' } });
  });
});

describe('positions, activities, portfolio history', () => {
  it('closes part of a position, then all positions (207 per symbol), each by a market order', async () => {
    const q = h.sim.control.quote('NVDA');
    const buy = await h.alpaca.createOrder({
      symbol: 'NVDA',
      qty: 4,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    await update(buy.id, 'fill');
    const positions = await h.alpaca.getPositions();
    expect(positions.map((p: Json) => p.symbol).sort()).toEqual(['AAPL', 'IBM', 'NVDA']);
    const partial = await h.alpaca.sendRequest('/positions/NVDA', { qty: 1 }, null, 'DELETE');
    expect(partial).toMatchObject({ symbol: 'NVDA', side: 'sell', type: 'market', qty: '1', time_in_force: 'day' });
    expect(await update(partial.id, 'fill')).toMatchObject({ price: String(q.bid), position_qty: '3' });
    const one = await h.alpaca.closePosition('NVDA');
    expect(one).toMatchObject({ symbol: 'NVDA', side: 'sell', qty: '3' });
    expect(await update(one.id, 'fill')).toMatchObject({ position_qty: '0' });
    expect(await rejection(h.alpaca.closePosition('NVDA'))).toMatchObject({
      status: 404,
      body: { code: 40410000, message: 'position not found: NVDA' },
    });
    const all = await h.alpaca.closeAllPositions();
    expect(all.map((r: Json) => [r.symbol, r.status, r.body.side, r.body.qty]).sort()).toEqual([
      ['AAPL', 200, 'sell', '10'],
      ['IBM', 200, 'sell', '3'],
    ]);
    for (const r of all) await update(r.body.id, 'fill');
    expect(await h.alpaca.getPositions()).toEqual([]);
  });

  it('lists FILL activities newest first, paged by page_token', async () => {
    const fills = await h.alpaca.getAccountActivities(opts({ activityTypes: ['FILL'] }));
    // AAPL, IBM (FOK), NVDA buy, NVDA 1 + 3 sold, AAPL and IBM closed.
    expect(fills).toHaveLength(7);
    expect(fills[0]).toMatchObject({ activity_type: 'FILL', type: 'fill', leaves_qty: '0' });
    expect(fills.at(-1)).toMatchObject({ symbol: 'AAPL', side: 'buy', qty: '10', cum_qty: '10' });
    const first = await h.alpaca.getAccountActivities(opts({ activityTypes: 'FILL', pageSize: 4 }));
    const rest = await h.alpaca.getAccountActivities(
      opts({ activityTypes: 'FILL', pageSize: 4, pageToken: first[3].id }),
    );
    expect([...first, ...rest].map((f: Json) => f.id)).toEqual(fills.map((f: Json) => f.id));
    expect(await h.alpaca.getAccountActivities(opts({ activityTypes: 'DIV' }))).toEqual([]);
  });

  it('reports portfolio history: daily points and the equity the account shows now', async () => {
    const history = await h.alpaca.getPortfolioHistory(opts({ period: '1W', timeframe: '1D' }));
    // 2024-02-28 .. 2024-03-05: five sessions, stamped at New York midnight.
    expect(history.timestamp.map((t: number) => new Date(t * 1000).toISOString())).toEqual([
      '2024-02-28T05:00:00.000Z',
      '2024-02-29T05:00:00.000Z',
      '2024-03-01T05:00:00.000Z',
      '2024-03-04T05:00:00.000Z',
      '2024-03-05T05:00:00.000Z',
    ]);
    expect(history).toMatchObject({ timeframe: '1D', base_value: 1_000_000, base_value_asof: '2024-02-27' });
    const account = await h.alpaca.getAccount();
    expect(history.equity.at(-1)).toBeCloseTo(Number(account.equity), 2);
    expect(history.profit_loss.at(-1)).toBeCloseTo(Number(account.equity) - 1_000_000, 2);
    const intraday = await h.alpaca.getPortfolioHistory(opts({ period: '1D', timeframe: '15Min' }));
    expect(new Date(intraday.timestamp[0] * 1000).toISOString()).toBe('2024-03-05T14:30:00.000Z');
  });
});
