/**
 * Market data: bars with next_page_token pagination (single and multi symbol, both sorts), latest quotes and
 * trades, and the real-time stream's auth, subscribe/unsubscribe and t/q/b messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, api, StreamClient, startTestSim, type TestSim, wsUrl } from './helpers.js';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim({ authTimeoutMs: 300 });
});

afterAll(async () => {
  await sim.stop();
});

interface WireBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

async function allPages(
  path: string,
  key: (body: { bars: unknown }) => WireBar[],
): Promise<{ bars: WireBar[]; pages: number }> {
  const bars: WireBar[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const r = await api(sim, 'GET', `${path}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    expect(r.status).toBe(200);
    bars.push(...key(r.body));
    token = r.body.next_page_token;
    pages++;
  } while (token);
  return { bars, pages };
}

describe('historical bars', () => {
  const range = 'start=2024-03-04T14:30:00Z&end=2024-03-04T21:00:00Z';

  it('pages one-minute stock bars with next_page_token: no gap, no overlap, same bars as one page', async () => {
    const whole = await api(sim, 'GET', `/v2/stocks/AAPL/bars?timeframe=1Min&${range}&limit=10000`);
    expect(whole.body.next_page_token).toBeNull();
    expect(whole.body.symbol).toBe('AAPL');
    expect(whole.body.bars).toHaveLength(390); // 09:30–16:00 New York, one bar a minute
    const paged = await allPages(`/v2/stocks/AAPL/bars?timeframe=1Min&${range}&limit=100`, (b) => b.bars as WireBar[]);
    expect(paged.pages).toBe(4);
    expect(paged.bars).toEqual(whole.body.bars);
    for (const b of whole.body.bars as WireBar[]) {
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(Number.isInteger(b.v)).toBe(true);
    }
  });

  it('sorts descending and pages backwards', async () => {
    const asc = await api(sim, 'GET', `/v2/stocks/SPY/bars?timeframe=5Min&${range}&limit=10000`);
    const desc = await allPages(
      `/v2/stocks/SPY/bars?timeframe=5Min&${range}&limit=7&sort=desc`,
      (b) => b.bars as WireBar[],
    );
    expect(desc.bars).toEqual([...asc.body.bars].reverse());
  });

  it('pages multi-symbol bars symbol by symbol', async () => {
    const path = `/v2/stocks/bars?symbols=MSFT,AAPL&timeframe=1Hour&${range}&limit=3`;
    const pages: Record<string, WireBar[]>[] = [];
    let token: string | null = null;
    do {
      const r = await api(sim, 'GET', `${path}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      pages.push(r.body.bars);
      token = r.body.next_page_token;
    } while (token);
    const merged: Record<string, WireBar[]> = {};
    for (const p of pages) for (const [s, list] of Object.entries(p)) merged[s] = [...(merged[s] ?? []), ...list];
    expect(Object.keys(merged)).toEqual(['AAPL', 'MSFT']);
    // Hour bars on UTC hours; the 14:00 bar starts before `start` (14:30), so the first is 15:00.
    expect(merged.AAPL?.map((b) => b.t)).toEqual([15, 16, 17, 18, 19, 20].map((h) => `2024-03-04T${h}:00:00Z`));
    expect(merged.MSFT).toHaveLength(6);
  });

  it('day bars stamp New York midnight and skip the weekend', async () => {
    const r = await api(sim, 'GET', '/v2/stocks/AAPL/bars?timeframe=1Day&start=2024-03-01&end=2024-03-05T00:00:00Z');
    expect(r.body.bars.map((b: WireBar) => b.t)).toEqual(['2024-03-01T05:00:00Z', '2024-03-04T05:00:00Z']);
  });

  it('follows the NYSE calendar: no bars on a holiday, a short day after Thanksgiving', async () => {
    const before = sim.clock.now();
    sim.clock.set(Date.parse('2024-12-02T15:00:00Z'));
    const july4 = await api(
      sim,
      'GET',
      '/v2/stocks/AAPL/bars?timeframe=1Day&start=2024-07-03&end=2024-07-06T00:00:00Z',
    );
    expect(july4.body.bars.map((b: WireBar) => b.t)).toEqual(['2024-07-03T04:00:00Z', '2024-07-05T04:00:00Z']);
    const short = await api(
      sim,
      'GET',
      '/v2/stocks/SPY/bars?timeframe=1Min&start=2024-11-29T00:00:00Z&end=2024-11-30T00:00:00Z&limit=10000',
    );
    expect(short.body.bars).toHaveLength(210); // 09:30–13:00
    sim.clock.set(before);
  });

  it('crypto bars exist around the clock, with fractional volume', async () => {
    const r = await api(
      sim,
      'GET',
      '/v1beta3/crypto/us/bars?symbols=BTC/USD&timeframe=1Hour&start=2024-03-02T00:00:00Z&end=2024-03-02T23:59:00Z',
    );
    const bars = r.body.bars['BTC/USD'] as WireBar[];
    expect(bars).toHaveLength(24); // a Saturday
    expect(bars.some((b) => !Number.isInteger(b.v))).toBe(true);
  });

  it('crypto 1-minute bars page through a whole weekend, every minute, none twice, end inclusive', async () => {
    const from = Date.parse('2024-03-01T00:00:00Z'); // a Friday
    const to = Date.parse('2024-03-04T00:00:00Z'); // the Monday after
    const { bars, pages } = await allPages(
      `/v1beta3/crypto/us/bars?symbols=BTC/USD&timeframe=1Min&start=2024-03-01T00:00:00Z&end=2024-03-04T00:00:00Z&limit=1000`,
      (body) => (body.bars as Record<string, WireBar[]>)['BTC/USD'] ?? [],
    );
    const minutes = (to - from) / 60_000 + 1;
    expect(bars).toHaveLength(minutes);
    expect(pages).toBe(Math.ceil(minutes / 1000));
    expect(bars.map((b) => Date.parse(b.t))).toEqual(Array.from({ length: minutes }, (_, i) => from + i * 60_000));
    // Deterministic: the same range again is the same bars.
    const again = await api(
      sim,
      'GET',
      '/v1beta3/crypto/us/bars?symbols=BTC/USD&timeframe=1Min&start=2024-03-02T12:00:00Z&end=2024-03-02T12:04:00Z',
    );
    const i = bars.findIndex((b) => b.t === '2024-03-02T12:00:00Z');
    expect(again.body.bars['BTC/USD']).toEqual(bars.slice(i, i + 5));
  });

  it('rejects a bad timeframe and an unparseable page token', async () => {
    expect(await api(sim, 'GET', '/v2/stocks/AAPL/bars?timeframe=7Fortnight')).toMatchObject({
      status: 422,
      body: { message: 'invalid timeframe' },
    });
    const bad = await api(sim, 'GET', `/v2/stocks/AAPL/bars?timeframe=1Min&${range}&page_token=bm9wZQ==`);
    expect(bad.status).toBe(422);
  });
});

describe('latest quotes and trades', () => {
  it('answers single and multi symbol, stocks and crypto', async () => {
    const one = await api(sim, 'GET', '/v2/stocks/AAPL/quotes/latest');
    expect(one.body.symbol).toBe('AAPL');
    expect(one.body.quote.ap).toBeGreaterThan(one.body.quote.bp);
    const many = await api(sim, 'GET', '/v2/stocks/quotes/latest?symbols=AAPL,SPY');
    expect(Object.keys(many.body.quotes).sort()).toEqual(['AAPL', 'SPY']);
    const crypto = await api(sim, 'GET', '/v1beta3/crypto/us/latest/quotes?symbols=BTC/USD,ETH/USD');
    expect(Object.keys(crypto.body.quotes).sort()).toEqual(['BTC/USD', 'ETH/USD']);
    const trade = await api(sim, 'GET', '/v2/stocks/AAPL/trades/latest');
    expect(trade.body.trade.p).toBeGreaterThan(0);
  });
});

describe('real-time data stream', () => {
  async function connect(path = '/v2/iex'): Promise<StreamClient> {
    const c = await StreamClient.open(wsUrl(sim, path));
    expect(await c.take((m) => m.T === 'success')).toEqual({ T: 'success', msg: 'connected' });
    return c;
  }

  it('authenticates, subscribes, streams t/q/b, unsubscribes', async () => {
    const c = await connect();
    c.send({ action: 'subscribe', trades: ['AAPL'] });
    expect(await c.take((m) => m.T === 'error')).toEqual({ T: 'error', code: 401, msg: 'not authenticated' });
    c.send({ action: 'auth', key: AUTH['APCA-API-KEY-ID'], secret: AUTH['APCA-API-SECRET-KEY'] });
    expect(await c.take((m) => m.T === 'success')).toEqual({ T: 'success', msg: 'authenticated' });
    c.send({ action: 'subscribe', trades: ['AAPL'], quotes: ['AAPL', 'SPY'], bars: ['*'] });
    const sub = await c.take((m) => m.T === 'subscription');
    expect(sub).toEqual({
      T: 'subscription',
      trades: ['AAPL'],
      quotes: ['AAPL', 'SPY'],
      bars: ['*'],
      updatedBars: [],
      dailyBars: [],
      statuses: [],
      lulds: [],
      corrections: ['AAPL'],
      cancelErrors: ['AAPL'],
    });
    sim.clock.set(Date.parse('2024-03-05T15:00:30Z'));
    sim.control.pump(); // 15:00:00 → 15:00:30
    sim.clock.set(Date.parse('2024-03-05T15:01:00Z'));
    sim.control.pump(); // → 15:01:00: the 15:00 minute bar closes
    const trade = await c.take((m) => m.T === 't');
    expect(trade).toMatchObject({ S: 'AAPL', x: 'V' });
    expect(typeof trade.p).toBe('number');
    await c.take((m) => m.T === 'q' && m.S === 'SPY');
    const bar = await c.take((m) => m.T === 'b' && m.S === 'AAPL');
    expect(bar.t).toBe('2024-03-05T15:00:00Z');
    const rest = await api(
      sim,
      'GET',
      '/v2/stocks/AAPL/bars?timeframe=1Min&start=2024-03-05T15:00:00Z&end=2024-03-05T15:00:00Z',
    );
    expect(rest.body.bars[0]).toEqual({ ...bar, T: undefined, S: undefined, t: bar.t });
    c.send({ action: 'unsubscribe', trades: ['AAPL'], quotes: ['SPY'], bars: ['*'] });
    const after = await c.take((m) => m.T === 'subscription');
    expect(after).toMatchObject({ trades: [], quotes: ['AAPL'], bars: [] });
    c.received.length = 0;
    sim.clock.set(Date.parse('2024-03-05T15:01:20Z'));
    sim.control.pump();
    const q = await c.take((m) => m.T === 'q');
    expect(q.S).toBe('AAPL');
    expect(c.received.some((m) => m.T === 't' || m.T === 'b' || m.S === 'SPY')).toBe(false);
    c.close();
    await c.waitClosed();
  });

  it('refuses bad keys (402), a second connection (406), and times out silent clients (404)', async () => {
    const bad = await connect();
    bad.send({ action: 'auth', key: 'nope', secret: 'nope' });
    expect(await bad.take((m) => m.T === 'error')).toEqual({ T: 'error', code: 402, msg: 'auth failed' });
    await bad.waitClosed();

    const first = await StreamClient.open(wsUrl(sim, '/v1beta3/crypto/us'), AUTH);
    await first.take((m) => m.msg === 'authenticated');
    const second = await StreamClient.open(wsUrl(sim, '/v1beta3/crypto/us'), AUTH);
    expect(await second.take((m) => m.T === 'error')).toEqual({
      T: 'error',
      code: 406,
      msg: 'connection limit exceeded',
    });
    await second.waitClosed();
    first.send({ action: 'subscribe', quotes: ['BTC/USD'] });
    expect(await first.take((m) => m.T === 'subscription')).toMatchObject({ quotes: ['BTC/USD'], orderbooks: [] });
    first.send('not json');
    expect(await first.take((m) => m.T === 'error')).toEqual({ T: 'error', code: 400, msg: 'invalid syntax' });
    first.close();

    const silent = await connect();
    expect(await silent.take((m) => m.T === 'error')).toEqual({ T: 'error', code: 404, msg: 'auth timeout' });
    await silent.waitClosed();
  });
});
