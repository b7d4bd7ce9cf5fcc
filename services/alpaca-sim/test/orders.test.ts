/**
 * The order lifecycle over REST and trade_updates: new, fill, partial_fill, canceled, expired (DAY at the close,
 * IOC and FOK remainders), replaced on PATCH, rejected; and Alpaca's REST answers for bad or unaffordable orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, nextUpdate, type StreamClient, startTestSim, type TestSim, tradeUpdates } from './helpers.js';

let sim: TestSim;
let updates: StreamClient;

beforeAll(async () => {
  sim = await startTestSim({ startingCash: 100_000_000 });
  updates = await tradeUpdates(sim);
});

afterAll(async () => {
  updates.close();
  await sim.stop();
});

async function latestQuote(symbol: string): Promise<{ ap: number; bp: number; as: number }> {
  const r = await api(sim, 'GET', `/v2/stocks/${symbol}/quotes/latest`);
  return r.body.quote;
}

describe('market order', () => {
  it('is new, then filled at the ask; the position and cash follow', async () => {
    const quote = await latestQuote('AAPL');
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '10',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'mkt-1',
    });
    expect(r.status).toBe(200);
    // The reply is the order as accepted: everything after acceptance comes on the stream, as with Alpaca.
    expect(r.body).toMatchObject({ status: 'accepted', filled_qty: '0', client_order_id: 'mkt-1' });
    const created = await nextUpdate(updates, r.body.id, 'new');
    expect(created.data.order.status).toBe('new');
    const fill = await nextUpdate(updates, r.body.id, 'fill');
    expect(fill.data).toMatchObject({ qty: '10', position_qty: '10', price: String(quote.ap) });
    expect(fill.data.order).toMatchObject({ filled_qty: '10', filled_avg_price: String(quote.ap), status: 'filled' });
    expect(typeof fill.data.execution_id).toBe('string');
    const position = await api(sim, 'GET', '/v2/positions/AAPL');
    expect(position.body).toMatchObject({ symbol: 'AAPL', qty: '10', side: 'long', avg_entry_price: String(quote.ap) });
    const byClient = await api(sim, 'GET', '/v2/orders:by_client_order_id?client_order_id=mkt-1');
    expect(byClient.body.id).toBe(r.body.id);
  });

  it('fills a large order in parts: partial_fill, then fill', async () => {
    const quote = await latestQuote('MSFT');
    const qty = quote.as * 100 + 500; // more than the displayed ask size
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'MSFT',
      qty: String(qty),
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    await nextUpdate(updates, r.body.id, 'new');
    const partial = await nextUpdate(updates, r.body.id, 'partial_fill');
    expect(partial.data.order.status).toBe('partially_filled');
    expect(Number(partial.data.qty)).toBeLessThan(qty);
    expect(partial.data.position_qty).toBe(partial.data.qty);
    let filled = Number(partial.data.qty);
    while (filled < qty) {
      sim.clock.advance(1_000);
      sim.control.step();
      const next = await nextUpdate(updates, r.body.id);
      expect(['partial_fill', 'fill']).toContain(next.data.event);
      filled += Number(next.data.qty);
    }
    const final = await api(sim, 'GET', `/v2/orders/${r.body.id}`);
    expect(final.body).toMatchObject({ status: 'filled', filled_qty: String(qty) });
  });

  it('buys a fractional quantity', async () => {
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'SPY',
      qty: '0.5',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    const fill = await nextUpdate(updates, r.body.id, 'fill');
    expect(fill.data.order).toMatchObject({ status: 'filled', filled_qty: '0.5' });
  });
});

describe('limit order', () => {
  it('rests as new, then is canceled by DELETE', async () => {
    const quote = await latestQuote('IBM');
    const limit = (Math.floor(quote.bp * 0.9 * 100) / 100).toFixed(2);
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'IBM',
      qty: 5,
      side: 'buy',
      type: 'limit',
      limit_price: limit,
      time_in_force: 'gtc',
    });
    expect(r.body).toMatchObject({ status: 'accepted', limit_price: String(Number(limit)), filled_avg_price: null });
    await nextUpdate(updates, r.body.id, 'new');
    const open = await api(sim, 'GET', '/v2/orders?status=open');
    expect(open.body.map((o: { id: string }) => o.id)).toContain(r.body.id);
    const del = await api(sim, 'DELETE', `/v2/orders/${r.body.id}`);
    expect(del.status).toBe(204);
    const canceled = await nextUpdate(updates, r.body.id, 'canceled');
    expect(canceled.data.order.status).toBe('canceled');
    expect(canceled.data.order.canceled_at).not.toBeNull();
    const again = await api(sim, 'DELETE', `/v2/orders/${r.body.id}`);
    expect(again.status).toBe(422);
    const missing = await api(sim, 'DELETE', '/v2/orders/00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ status: 404, body: { code: 40410000, message: 'order not found' } });
  });

  it('is replaced on PATCH: replaced for the old order, new for its replacement, which then fills', async () => {
    const quote = await latestQuote('QQQ');
    const low = (Math.floor(quote.bp * 0.9 * 100) / 100).toFixed(2);
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'QQQ',
      qty: '3',
      side: 'buy',
      type: 'limit',
      limit_price: low,
      time_in_force: 'day',
    });
    await nextUpdate(updates, r.body.id, 'new');
    const high = (Math.ceil(quote.ap * 1.1 * 100) / 100).toFixed(2);
    const p = await api(sim, 'PATCH', `/v2/orders/${r.body.id}`, { limit_price: high, qty: '4' });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ replaces: r.body.id, qty: '4', limit_price: String(Number(high)) });
    const replaced = await nextUpdate(updates, r.body.id, 'replaced');
    expect(replaced.data.order).toMatchObject({ status: 'replaced', replaced_by: p.body.id });
    await nextUpdate(updates, p.body.id, 'new');
    const fill = await nextUpdate(updates, p.body.id, 'fill');
    expect(fill.data.order.filled_qty).toBe('4');
    const old = await api(sim, 'GET', `/v2/orders/${r.body.id}`);
    expect(old.body.status).toBe('replaced');
    const late = await api(sim, 'PATCH', `/v2/orders/${r.body.id}`, { qty: '1' });
    expect(late.status).toBe(422);
  });

  it('IOC that cannot fill expires at once', async () => {
    const quote = await latestQuote('NVDA');
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'NVDA',
      qty: '1',
      side: 'buy',
      type: 'limit',
      limit_price: (Math.floor(quote.bp * 0.5 * 100) / 100).toFixed(2),
      time_in_force: 'ioc',
    });
    expect(r.body.status).toBe('accepted');
    const expired = await nextUpdate(updates, r.body.id, 'expired');
    expect(expired.data.order.expired_at).not.toBeNull();
  });

  it('FOK larger than the displayed size expires without a fill', async () => {
    const quote = await latestQuote('AMZN');
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AMZN',
      qty: String(quote.as * 100 + 1),
      side: 'buy',
      type: 'market',
      time_in_force: 'fok',
    });
    const expired = await nextUpdate(updates, r.body.id, 'expired');
    expect(expired.data.order).toMatchObject({ status: 'expired', filled_qty: '0' });
  });

  it('DAY order expires at the close', async () => {
    const quote = await latestQuote('TSLA');
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'TSLA',
      qty: '2',
      side: 'buy',
      type: 'limit',
      limit_price: (Math.floor(quote.bp * 0.8 * 100) / 100).toFixed(2),
      time_in_force: 'day',
    });
    await nextUpdate(updates, r.body.id, 'new');
    const start = sim.clock.now();
    sim.clock.set(Date.parse('2024-03-05T21:00:01Z')); // 16:00:01 New York
    sim.control.step();
    const expired = await nextUpdate(updates, r.body.id, 'expired');
    expect(expired.data.order.status).toBe('expired');
    sim.clock.set(start);
  });
});

describe('stop orders', () => {
  it('a buy stop below the last trade triggers at once and fills; a stop_limit above the ask fills too', async () => {
    const last = (await api(sim, 'GET', '/v2/stocks/NVDA/trades/latest')).body.trade.p as number;
    const { ask } = sim.control.quote('NVDA');
    const stop = await api(sim, 'POST', '/v2/orders', {
      symbol: 'NVDA',
      qty: '1',
      side: 'buy',
      type: 'stop',
      stop_price: (last - 1).toFixed(2),
      time_in_force: 'day',
    });
    expect(stop.body).toMatchObject({
      type: 'stop',
      stop_price: String(Number((last - 1).toFixed(2))),
      limit_price: null,
    });
    expect((await nextUpdate(updates, stop.body.id, 'fill')).data.order.filled_avg_price).toBe(String(ask));
    const stopLimit = await api(sim, 'POST', '/v2/orders', {
      symbol: 'NVDA',
      qty: '1',
      side: 'buy',
      type: 'stop_limit',
      stop_price: (last - 1).toFixed(2),
      limit_price: (ask + 1).toFixed(2),
      time_in_force: 'gtc',
    });
    await nextUpdate(updates, stopLimit.body.id, 'fill');
  });

  it('a buy stop above the market rests as new until the price gets there', async () => {
    const last = (await api(sim, 'GET', '/v2/stocks/IBM/trades/latest')).body.trade.p as number;
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'IBM',
      qty: '1',
      side: 'buy',
      type: 'stop',
      stop_price: (last * 1.5).toFixed(2),
      time_in_force: 'gtc',
    });
    await nextUpdate(updates, r.body.id, 'new');
    sim.control.step();
    expect((await api(sim, 'GET', `/v2/orders/${r.body.id}`)).body).toMatchObject({ status: 'new', filled_qty: '0' });
    expect((await api(sim, 'DELETE', `/v2/orders/${r.body.id}`)).status).toBe(204);
    await nextUpdate(updates, r.body.id, 'canceled');
  });
});

describe('moving the market to an order', () => {
  it('whenFillable finds when the market reaches a resting limit; stepping there fills it', async () => {
    const start = sim.clock.now();
    const { bid } = sim.control.quote('MSFT');
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'MSFT',
      qty: '1',
      side: 'buy',
      type: 'limit',
      limit_price: bid.toFixed(2),
      time_in_force: 'gtc',
      client_order_id: 'reach-1',
    });
    await nextUpdate(updates, r.body.id, 'new');
    const at = sim.control.whenFillable('reach-1');
    expect(at).toBeGreaterThan(start);
    expect(sim.control.quote('MSFT', at).ask).toBeLessThanOrEqual(bid);
    sim.clock.set(at as number);
    sim.control.step();
    const fill = await nextUpdate(updates, r.body.id, 'fill');
    expect(Number(fill.data.price)).toBeLessThanOrEqual(bid);
    expect(sim.control.whenFillable('reach-1')).toBeUndefined(); // filled: nothing left to reach
    expect(sim.control.sessionClose(start)).toBe(Date.parse('2024-03-05T21:00:00Z'));
    sim.clock.set(start);
  });
});

describe('outside the session', () => {
  it('a stock order sent before the open is accepted, becomes new at the open, then fills', async () => {
    const start = sim.clock.now();
    sim.clock.set(Date.parse('2024-03-06T13:00:00Z')); // 08:00 New York
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'IBM',
      qty: '1',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    expect(r.body.status).toBe('accepted');
    sim.control.step();
    expect((await api(sim, 'GET', `/v2/orders/${r.body.id}`)).body.status).toBe('accepted');
    sim.clock.set(Date.parse('2024-03-06T14:30:00Z')); // 09:30
    sim.control.step();
    await nextUpdate(updates, r.body.id, 'new');
    await nextUpdate(updates, r.body.id, 'fill');
    sim.clock.set(start);
  });
});

describe('short sale', () => {
  it('sells a shortable stock short, then buys to cover', async () => {
    const sell = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AMZN',
      qty: '7',
      side: 'sell',
      type: 'market',
      time_in_force: 'day',
    });
    await nextUpdate(updates, sell.body.id, 'fill');
    expect((await api(sim, 'GET', '/v2/positions/AMZN')).body).toMatchObject({ qty: '-7', side: 'short' });
    const cover = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AMZN',
      qty: '7',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    await nextUpdate(updates, cover.body.id, 'fill');
    expect((await api(sim, 'GET', '/v2/positions/AMZN')).status).toBe(404);
  });
});

describe('rejections', () => {
  it('an order the exchange rejects gets a rejected event', async () => {
    sim.control.rejectNext('simulated venue reject');
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '1',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    const rejected = await nextUpdate(updates, r.body.id, 'rejected');
    expect(rejected.data.order.failed_at).not.toBeNull();
  });

  it('answers bad and unaffordable orders with Alpaca error bodies', async () => {
    const post = (body: unknown) => api(sim, 'POST', '/v2/orders', body);
    expect(await post({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', time_in_force: 'day' })).toMatchObject({
      status: 422,
      body: { code: 42210000, message: 'limit_price is required' },
    });
    expect(
      await post({
        symbol: 'AAPL',
        qty: '1',
        side: 'buy',
        type: 'limit',
        limit_price: '100.001',
        time_in_force: 'day',
      }),
    ).toMatchObject({
      status: 422,
      body: { message: 'sub-penny increment does not fulfill minimum pricing criteria' },
    });
    expect(await post({ symbol: 'NOPE', qty: '1', side: 'buy', type: 'market', time_in_force: 'day' })).toMatchObject({
      status: 422,
    });
    expect(await post({ symbol: 'AAPL', qty: '1', side: 'up', type: 'market', time_in_force: 'day' })).toMatchObject({
      status: 422,
      body: { code: 40010001, message: 'invalid side' },
    });
    expect(
      await post({
        symbol: 'AAPL',
        qty: '1',
        side: 'buy',
        type: 'market',
        time_in_force: 'day',
        client_order_id: 'mkt-1',
      }),
    ).toMatchObject({ status: 422, body: { message: 'client_order_id must be unique' } });
    expect(
      await post({ symbol: 'AAPL', qty: '10000000', side: 'buy', type: 'market', time_in_force: 'day' }),
    ).toMatchObject({
      status: 403,
      body: { code: 40310000, message: 'insufficient buying power' },
    });
    expect(
      await post({ symbol: 'ETH/USD', qty: '1', side: 'sell', type: 'market', time_in_force: 'gtc' }),
    ).toMatchObject({
      status: 403,
      body: { code: 40310000, message: 'insufficient balance for ETH (requested: 1, available: 0)' },
    });
  });
});

describe('crypto and cancel all', () => {
  it('trades crypto fractionally, around the clock', async () => {
    sim.clock.set(Date.parse('2024-03-09T12:00:00Z')); // a Saturday
    const r = await api(sim, 'POST', '/v2/orders', {
      symbol: 'BTC/USD',
      qty: '0.0125',
      side: 'buy',
      type: 'market',
      time_in_force: 'gtc',
    });
    const fill = await nextUpdate(updates, r.body.id, 'fill');
    expect(fill.data.order).toMatchObject({ filled_qty: '0.0125', asset_class: 'crypto', symbol: 'BTC/USD' });
    const position = await api(sim, 'GET', '/v2/positions/BTCUSD');
    expect(position.body).toMatchObject({ symbol: 'BTCUSD', qty: '0.0125', asset_class: 'crypto' });
    expect((await api(sim, 'GET', `/v2/positions/${encodeURIComponent('BTC/USD')}`)).body.qty).toBe('0.0125');
    sim.clock.set(Date.parse('2024-03-05T15:30:00Z'));
  });

  it('DELETE /v2/orders cancels every open order with a 207 list', async () => {
    const quote = await latestQuote('SPY');
    const limit = (Math.floor(quote.bp * 0.9 * 100) / 100).toFixed(2);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await api(sim, 'POST', '/v2/orders', {
        symbol: 'SPY',
        qty: '1',
        side: 'buy',
        type: 'limit',
        limit_price: limit,
        time_in_force: 'gtc',
      });
      ids.push(r.body.id);
    }
    const r = await api(sim, 'DELETE', '/v2/orders');
    expect(r.status).toBe(207);
    expect(r.body.map((x: { id: string }) => x.id).sort()).toEqual([...ids].sort());
    expect(
      r.body.every((x: { id: string; status: number; body: { id: string } }) => x.status === 200 && x.body.id === x.id),
    ).toBe(true);
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    for (const id of ids) await nextUpdate(updates, id, 'canceled');
  });
});
