/**
 * Golden shapes: each endpoint's and stream message's JSON against the fields and kinds of Alpaca's documented
 * examples (golden/documented.ts). A missing field, or a number where Alpaca sends a decimal string, fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as doc from './golden/documented.js';
import { mismatches, type Shape } from './golden/shape.js';
import { AUTH, api, nextUpdate, StreamClient, startTestSim, type TestSim, tradeUpdates, wsUrl } from './helpers.js';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim();
});

afterAll(async () => {
  await sim.stop();
});

function conforms(value: unknown, shape: Shape): void {
  expect(mismatches(value, shape)).toEqual([]);
}

describe('the shape checker', () => {
  it('catches a number where Alpaca sends a decimal string, and a missing field', () => {
    expect(mismatches({ t: 'x' }, { t: 'timestamp', o: 'number' })).toEqual(['t: "x" is not timestamp', 'o: missing']);
    expect(mismatches({ qty: 5 }, { qty: 'decimal' })).toEqual(['qty: 5 is not decimal']);
  });
});

describe('trading API', () => {
  it('GET /v2/account', async () => {
    const r = await api(sim, 'GET', '/v2/account');
    conforms(r.body, doc.ACCOUNT);
    expect(r.body).toMatchObject({ status: 'ACTIVE', currency: 'USD', cash: '100000', equity: '100000' });
  });

  it('POST, GET, PATCH, DELETE /v2/orders and GET /v2/positions', async () => {
    const updates = await tradeUpdates(sim);
    const market = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: 3,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    conforms(market.body, doc.ORDER);
    const fill = await nextUpdate(updates, market.body.id, 'fill');
    conforms(fill.data, doc.TRADE_UPDATE_FILL);
    conforms(fill.data.order, doc.ORDER);

    const quote = (await api(sim, 'GET', '/v2/stocks/AAPL/quotes/latest')).body.quote;
    const limit = await api(sim, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '1',
      side: 'buy',
      type: 'limit',
      limit_price: (Math.floor(quote.bp * 0.9 * 100) / 100).toFixed(2),
      time_in_force: 'gtc',
    });
    conforms(limit.body, doc.ORDER);
    conforms((await nextUpdate(updates, limit.body.id, 'new')).data, doc.TRADE_UPDATE);
    const list = await api(sim, 'GET', '/v2/orders?status=all&limit=10');
    expect(list.body.length).toBe(2);
    for (const o of list.body) conforms(o, doc.ORDER);
    conforms((await api(sim, 'GET', `/v2/orders/${limit.body.id}`)).body, doc.ORDER);
    const patched = await api(sim, 'PATCH', `/v2/orders/${limit.body.id}`, { qty: '2' });
    conforms(patched.body, doc.ORDER);
    conforms((await nextUpdate(updates, limit.body.id, 'replaced')).data.order, doc.ORDER);
    const byClient = await api(
      sim,
      'GET',
      `/v2/orders:by_client_order_id?client_order_id=${patched.body.client_order_id}`,
    );
    conforms(byClient.body, doc.ORDER);
    const all = await api(sim, 'DELETE', '/v2/orders');
    expect(all.status).toBe(207);
    for (const item of all.body) conforms(item, doc.CANCEL_ALL_ITEM);
    conforms((await nextUpdate(updates, patched.body.id, 'canceled')).data, doc.TRADE_UPDATE);

    const positions = await api(sim, 'GET', '/v2/positions');
    expect(positions.body).toHaveLength(1);
    conforms(positions.body[0], doc.POSITION);
    conforms((await api(sim, 'GET', '/v2/positions/AAPL')).body, doc.POSITION);
    conforms((await api(sim, 'GET', '/v2/positions/MSFT')).body, doc.ERROR_BODY);
    updates.close();
  });

  it('GET /v2/assets/{symbol} and GET /v2/clock', async () => {
    conforms((await api(sim, 'GET', '/v2/assets/AAPL')).body, doc.ASSET);
    conforms((await api(sim, 'GET', `/v2/assets/${encodeURIComponent('BTC/USD')}`)).body, doc.CRYPTO_ASSET);
    const clock = await api(sim, 'GET', '/v2/clock');
    conforms(clock.body, doc.CLOCK);
    expect(clock.body).toEqual({
      timestamp: '2024-03-05T10:00:00-05:00',
      is_open: true,
      next_open: '2024-03-06T09:30:00-05:00',
      next_close: '2024-03-05T16:00:00-05:00',
    });
  });

  it('error bodies', async () => {
    conforms((await api(sim, 'GET', '/v2/orders/00000000-0000-4000-8000-000000000000')).body, doc.ERROR_BODY);
    conforms((await api(sim, 'GET', '/v2/account', undefined, {})).body, doc.ERROR_BODY);
  });
});

describe('market data API', () => {
  it('bars, single and multi symbol, stocks and crypto', async () => {
    const single = await api(sim, 'GET', '/v2/stocks/AAPL/bars?timeframe=15Min&start=2024-03-04T14:30:00Z&limit=2');
    conforms(single.body, doc.BARS_SINGLE);
    expect(typeof single.body.next_page_token).toBe('string');
    for (const b of single.body.bars) conforms(b, doc.BAR);
    const multi = await api(sim, 'GET', '/v2/stocks/bars?symbols=AAPL,TSLA&timeframe=1Day&start=2024-03-01T00:00:00Z');
    conforms(multi.body, doc.BARS_MULTI);
    for (const list of Object.values(multi.body.bars)) for (const b of list as unknown[]) conforms(b, doc.BAR);
    const crypto = await api(
      sim,
      'GET',
      '/v1beta3/crypto/us/bars?symbols=BTC/USD&timeframe=1Min&start=2024-03-05T14:00:00Z&limit=5',
    );
    conforms(crypto.body, doc.BARS_MULTI);
    for (const b of crypto.body.bars['BTC/USD']) conforms(b, doc.BAR);
    const empty = await api(
      sim,
      'GET',
      '/v2/stocks/AAPL/bars?timeframe=1Min&start=2024-03-02T00:00:00Z&end=2024-03-03T00:00:00Z',
    );
    expect(empty.body).toEqual({ bars: null, symbol: 'AAPL', next_page_token: null });
  });

  it('latest quotes and trades', async () => {
    conforms((await api(sim, 'GET', '/v2/stocks/AAPL/quotes/latest')).body.quote, doc.STOCK_QUOTE);
    conforms((await api(sim, 'GET', '/v2/stocks/quotes/latest?symbols=SPY')).body.quotes.SPY, doc.STOCK_QUOTE);
    conforms((await api(sim, 'GET', '/v2/stocks/AAPL/trades/latest')).body.trade, doc.STOCK_TRADE);
    const crypto = await api(sim, 'GET', '/v1beta3/crypto/us/latest/quotes?symbols=ETH/USD');
    conforms(crypto.body.quotes['ETH/USD'], doc.CRYPTO_QUOTE);
  });

  it('stream messages', async () => {
    const c = await StreamClient.open(wsUrl(sim, '/v2/sip'), AUTH);
    await c.take((m) => m.msg === 'authenticated');
    c.send({ action: 'subscribe', trades: ['AAPL'], quotes: ['AAPL'], bars: ['AAPL'] });
    conforms(await c.take((m) => m.T === 'subscription'), doc.STREAM_SUBSCRIPTION);
    sim.clock.set(Date.parse('2024-03-05T15:01:00Z'));
    sim.control.pump();
    conforms(await c.take((m) => m.T === 't'), doc.STREAM_TRADE);
    conforms(await c.take((m) => m.T === 'q'), doc.STREAM_QUOTE);
    conforms(await c.take((m) => m.T === 'b'), doc.STREAM_BAR);
    c.close();
  });
});
