/**
 * Faults and refusals: API-key failures on both hosts and on the trading stream, the per-minute budget with
 * Alpaca's X-RateLimit headers, injected 429 bursts, 5xx, slow replies, and streams cut without a close frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, api, StreamClient, startTestSim, type TestSim, tradeUpdates, wsUrl } from './helpers.js';

const WALL = Date.parse('2026-01-01T00:00:10Z');
let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim({ rateLimitPerMinute: 5, rateLimitClock: () => WALL });
});

afterAll(async () => {
  await sim.stop();
});

describe('authentication', () => {
  it('trading host: 401 with Alpaca code; data host: 403 forbidden', async () => {
    expect(await api(sim, 'GET', '/v2/account', undefined, {})).toMatchObject({
      status: 401,
      body: { code: 40110000, message: 'request is not authorized' },
    });
    const wrong = { ...AUTH, 'APCA-API-SECRET-KEY': 'wrong' };
    expect(await api(sim, 'GET', '/v2/orders', undefined, wrong)).toMatchObject({ status: 401 });
    expect(await api(sim, 'GET', '/v2/stocks/AAPL/bars?timeframe=1Min', undefined, wrong)).toEqual(
      expect.objectContaining({ status: 403, body: { message: 'forbidden' } }),
    );
  });

  it('trading stream: unauthorized before and after a bad auth, and binary frames', async () => {
    const c = await StreamClient.open(wsUrl(sim, '/stream'));
    c.send({ action: 'listen', data: { streams: ['trade_updates'] } });
    expect(await c.take(() => true)).toEqual({
      stream: 'authorization',
      data: { action: 'listen', status: 'unauthorized' },
    });
    c.send({ action: 'authenticate', data: { key_id: 'nope', secret_key: 'nope' } });
    expect(await c.take(() => true)).toEqual({
      stream: 'authorization',
      data: { action: 'authenticate', status: 'unauthorized' },
    });
    await c.waitClosed();
    expect(c.binaryFrames.every((b) => b)).toBe(true);
  });
});

describe('rate limit and injected failures', () => {
  it('counts requests per minute with X-RateLimit headers, then answers 429', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api(sim, 'GET', '/v2/clock');
      expect(r.status).toBe(200);
      seen.push(r.headers.get('x-ratelimit-remaining') ?? '');
      expect(r.headers.get('x-ratelimit-limit')).toBe('5');
      expect(r.headers.get('x-ratelimit-reset')).toBe(String(Date.parse('2026-01-01T00:01:00Z') / 1000));
    }
    expect(seen).toEqual(['4', '3', '2', '1', '0']);
    const limited = await api(sim, 'GET', '/v2/clock');
    expect(limited).toMatchObject({ status: 429, body: { code: 42910000, message: 'rate limit exceeded' } });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String(Date.parse('2026-01-01T00:01:00Z') / 1000));
    // The data host has a budget of its own.
    const data = await api(sim, 'GET', '/v2/stocks/AAPL/quotes/latest');
    expect(data.status).toBe(200);
    expect(data.headers.get('x-ratelimit-remaining')).toBe('4');
  });
});

describe('injected faults', () => {
  let fresh: TestSim;

  beforeAll(async () => {
    fresh = await startTestSim();
  });

  afterAll(async () => {
    await fresh.stop();
  });

  it('a 429 burst, then service resumes', async () => {
    fresh.control.rateLimitNext(2);
    expect((await api(fresh, 'GET', '/v2/account')).status).toBe(429);
    const second = await api(fresh, 'GET', '/v2/account');
    expect(second.status).toBe(429);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await api(fresh, 'GET', '/v2/account')).status).toBe(200);
  });

  it('5xx with Alpaca error body', async () => {
    fresh.control.failNext(1, 503);
    expect(await api(fresh, 'GET', '/v2/positions')).toMatchObject({
      status: 503,
      body: { code: 50010000, message: 'internal server error' },
    });
    expect((await api(fresh, 'GET', '/v2/positions')).status).toBe(200);
  });

  it('slow replies', async () => {
    fresh.control.setDelay(200);
    const t0 = performance.now();
    expect((await api(fresh, 'GET', '/v2/clock')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    fresh.control.setDelay(0);
  });

  it('drops both streams without a close frame; clients can reconnect', async () => {
    const trading = await tradeUpdates(fresh);
    const data = await StreamClient.open(wsUrl(fresh, '/v2/iex'), AUTH);
    await data.take((m) => m.msg === 'authenticated');
    expect(fresh.control.connections()).toEqual({ trading: 1, data: 1 });
    expect(fresh.control.dropStreams()).toBe(2);
    expect((await trading.waitClosed()).code).toBe(1006);
    expect((await data.waitClosed()).code).toBe(1006);
    const again = await tradeUpdates(fresh);
    const r = await api(fresh, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '1',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    await again.take((m) => m.stream === 'trade_updates' && m.data.order.id === r.body.id && m.data.event === 'fill');
    again.close();
  });
});

describe('unknown endpoints', () => {
  it('answer 404 with an Alpaca body once authenticated', async () => {
    const other = await startTestSim();
    expect(await api(other, 'GET', '/v2/nothing-here')).toMatchObject({ status: 404, body: { code: 40410000 } });
    await other.stop();
  });
});
