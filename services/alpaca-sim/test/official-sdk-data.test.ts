/**
 * Conformance against Alpaca's official JS SDK, Market Data REST side: bars with the SDK's own pagination (pages
 * must add up to one request's answer), latest trades/quotes/bars, snapshots, historical trades and quotes, and
 * the crypto endpoints, all through the SDK's decoded objects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type SdkSim, startSdkSim } from './sdk-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: the SDK's decoded objects are untyped maps
type Json = any;

let h: SdkSim;

beforeAll(async () => {
  h = await startSdkSim();
});

afterAll(async () => {
  await h.stop();
});

const session = { start: '2024-03-04T14:30:00Z', end: '2024-03-04T21:00:00Z' };

describe('stock bars', () => {
  it('pages one-minute bars (pageLimit 100) to the same 390 bars as one request', async () => {
    const timeframe = h.alpaca.newTimeframe(1, h.alpaca.timeframeUnit.MIN);
    const whole = await collect(h.alpaca.getBarsV2('AAPL', { ...session, timeframe }));
    const paged = await collect(h.alpaca.getBarsV2('AAPL', { ...session, timeframe, pageLimit: 100 }));
    expect(whole).toHaveLength(390);
    expect(paged).toEqual(whole);
    expect(whole[0]).toMatchObject({ Timestamp: '2024-03-04T14:30:00Z' });
    expect(Object.keys(whole[0] as object).sort()).toEqual(
      ['ClosePrice', 'HighPrice', 'LowPrice', 'OpenPrice', 'Timestamp', 'TradeCount', 'VWAP', 'Volume'].sort(),
    );
    const limited = await collect(h.alpaca.getBarsV2('AAPL', { ...session, timeframe, limit: 150, pageLimit: 100 }));
    expect(limited).toEqual(whole.slice(0, 150));
  });

  it('answers multi-symbol bars per symbol', async () => {
    const bars = await h.alpaca.getMultiBarsV2(['AAPL', 'MSFT'], { ...session, timeframe: '1Hour' });
    expect([...bars.keys()].sort()).toEqual(['AAPL', 'MSFT']);
    // Bars whose bucket starts at or after `start` (14:30): the hours 15 … 20 UTC.
    expect(bars.get('MSFT')?.map((b: Json) => b.Timestamp.slice(11, 13))).toEqual(['15', '16', '17', '18', '19', '20']);
  });
});

describe('latest and snapshots', () => {
  it('latest trade and quote are the market now; latest bar is the minute of the latest trade', async () => {
    const trade = await h.alpaca.getLatestTrade('AAPL');
    const [lastTrade] = await collect(
      h.alpaca.getTradesV2('AAPL', {
        start: '2024-03-05T14:59:00Z',
        end: '2024-03-05T15:00:00Z',
        sort: 'desc',
        limit: 1,
      }),
    );
    expect(trade).toEqual({ ...(lastTrade as object) });
    const quote = await h.alpaca.getLatestQuote('AAPL');
    expect(quote).toMatchObject({
      BidPrice: h.sim.control.quote('AAPL').bid,
      AskPrice: h.sim.control.quote('AAPL').ask,
    });
    const bar = await h.alpaca.getLatestBar('AAPL');
    expect(bar.Timestamp).toBe(`${trade.Timestamp.slice(0, 16)}:00Z`);
    const many = await h.alpaca.getLatestTrades(['AAPL', 'MSFT']);
    expect(many.get('AAPL')).toMatchObject({ Symbol: 'AAPL', Price: trade.Price });
    expect((await h.alpaca.getLatestQuotes(['AAPL', 'MSFT'])).size).toBe(2);
    expect((await h.alpaca.getLatestBars(['AAPL', 'MSFT'])).get('MSFT')).toMatchObject({ Symbol: 'MSFT' });
    await expect(h.alpaca.getLatestTrade('NOPE')).rejects.toThrow('code: 404');
  });

  it('snapshot: latest trade and quote, minute bar, today and the previous session', async () => {
    const snap = await h.alpaca.getSnapshot('AAPL');
    expect((snap as Json).symbol).toBe('AAPL');
    expect(snap.LatestTrade).toEqual(await h.alpaca.getLatestTrade('AAPL'));
    expect(snap.MinuteBar).toEqual(await h.alpaca.getLatestBar('AAPL'));
    expect(snap.DailyBar.Timestamp).toBe('2024-03-05T05:00:00Z');
    expect(snap.PrevDailyBar.Timestamp).toBe('2024-03-04T05:00:00Z');
    const [day] = await collect(
      h.alpaca.getBarsV2('AAPL', { start: '2024-03-04T05:00:00Z', end: '2024-03-04T05:00:00Z', timeframe: '1Day' }),
    );
    expect(snap.PrevDailyBar).toEqual(day);
    const snaps = await h.alpaca.getSnapshots(['AAPL', 'MSFT']);
    expect(snaps.map((s: Json) => s.symbol).sort()).toEqual(['AAPL', 'MSFT']);
  });
});

describe('historical trades and quotes', () => {
  const span = { start: '2024-03-04T15:00:00Z', end: '2024-03-04T15:05:00Z' };

  it('pages trades and quotes to the same lists as one request; multi-symbol alike', async () => {
    const trades = await collect(h.alpaca.getTradesV2('AAPL', { ...span }));
    expect(trades.length).toBeGreaterThan(250); // about one a second
    expect(await collect(h.alpaca.getTradesV2('AAPL', { ...span, pageLimit: 70 }))).toEqual(trades);
    const quotes = await collect(h.alpaca.getQuotesV2('AAPL', { ...span }));
    expect(quotes.length).toBeGreaterThan(100);
    expect(await collect(h.alpaca.getQuotesV2('AAPL', { ...span, pageLimit: 40 }))).toEqual(quotes);
    for (const q of quotes as Json[]) expect(q.AskPrice).toBeGreaterThan(q.BidPrice);
    const multi = await h.alpaca.getMultiTradesV2(['AAPL', 'MSFT'], { ...span });
    expect(multi.get('AAPL')?.map((t: Json) => t.ID)).toEqual(trades.map((t: Json) => t.ID));
    expect(multi.get('MSFT')?.length).toBeGreaterThan(250);
    expect((await h.alpaca.getMultiQuotesV2(['AAPL'], { ...span })).get('AAPL')).toHaveLength(quotes.length);
  });
});

describe('crypto', () => {
  it('bars, trades and quotes around the clock (a Sunday)', async () => {
    const sunday = { start: '2024-03-03T12:00:00Z', end: '2024-03-03T13:00:00Z' };
    const bars = await h.alpaca.getCryptoBars(['BTC/USD', 'ETH/USD'], { ...sunday, timeframe: '1Min' });
    expect(bars.get('BTC/USD')).toHaveLength(61);
    expect(bars.get('ETH/USD')?.[0]).toMatchObject({ Timestamp: '2024-03-03T12:00:00Z' });
    const trades = await h.alpaca.getCryptoTrades(['BTC/USD'], { start: sunday.start, end: '2024-03-03T12:01:00Z' });
    expect(trades.get('BTC/USD')?.length).toBeGreaterThan(50);
    const quotes = await h.alpaca.getCryptoQuotes(['BTC/USD'], { start: sunday.start, end: '2024-03-03T12:01:00Z' });
    expect(quotes.get('BTC/USD')?.[0]).toHaveProperty('BidPrice');
  });

  it('latest trades, quotes, bars, order book and snapshots', async () => {
    const q = h.sim.control.quote('BTC/USD');
    expect((await h.alpaca.getLatestCryptoQuotes(['BTC/USD'])).get('BTC/USD')).toMatchObject({
      BidPrice: q.bid,
      AskPrice: q.ask,
    });
    const trade = (await h.alpaca.getLatestCryptoTrades(['BTC/USD'])).get('BTC/USD');
    expect(trade).toHaveProperty('TakerSide');
    const bar = (await h.alpaca.getLatestCryptoBars(['BTC/USD'])).get('BTC/USD');
    expect(bar?.Timestamp).toBe(`${String(trade?.Timestamp).slice(0, 16)}:00Z`);
    const book = (await h.alpaca.getCryptoOrderbooks(['BTC/USD'])).get('BTC/USD');
    expect(book).toMatchObject({ Bids: [{ Price: q.bid }], Asks: [{ Price: q.ask }] });
    const snap = (await h.alpaca.getCryptoSnapshots(['BTC/USD'])).get('BTC/USD');
    expect(snap?.LatestTrade).toEqual(trade);
    expect(snap?.MinuteBar).toEqual(bar);
  });
});
