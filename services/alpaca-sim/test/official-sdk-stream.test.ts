/**
 * The official JS SDK's market-data streams against the sim: `data_stream_v2` (stocks) and
 * `crypto_stream_v1beta3` open their sockets with `Content-Type: application/msgpack` and decode every frame with
 * msgpack5, so each message the SDK hands out here crossed the wire as MessagePack, timestamps as Timestamp
 * extension values. What they deliver must equal what the REST history says for the same span.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, EventQueue, type SdkSim, startSdkSim } from './sdk-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: the SDK's decoded messages are untyped maps
type Decoded = any;

let h: SdkSim;

beforeAll(async () => {
  h = await startSdkSim();
});

afterAll(async () => {
  h.alpaca.data_stream_v2.disconnect();
  h.alpaca.crypto_stream_v1beta3.disconnect();
  await h.stop();
});

function waitFor<T>(register: (resolve: (v: T) => void) => void, what: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : new Date(String(d)).toISOString());

describe('stock stream (data_stream_v2, MessagePack)', () => {
  const trades = new EventQueue<Decoded>();
  const quotes = new EventQueue<Decoded>();
  const bars = new EventQueue<Decoded>();
  const errors = new EventQueue<unknown>();

  it('connects and authenticates', async () => {
    const stream = h.alpaca.data_stream_v2;
    stream.onStockTrade(trades.push);
    stream.onStockQuote(quotes.push);
    stream.onStockBar(bars.push);
    stream.onError(errors.push);
    await waitFor<void>((done) => {
      stream.onConnect(() => done());
      stream.connect();
    }, 'authenticated');
    expect(h.sim.control).toBeDefined();
    expect(errors.queued).toEqual([]);
  });

  it('subscribes; the SDK adopts the server echo with corrections and cancelErrors following trades', async () => {
    const stream = h.alpaca.data_stream_v2;
    stream.subscribeForTrades(['AAPL']);
    stream.subscribeForQuotes(['AAPL']);
    stream.subscribeForBars(['AAPL']);
    await vi.waitFor(() =>
      expect(stream.getSubscriptions()).toMatchObject({
        trades: ['AAPL'],
        quotes: ['AAPL'],
        bars: ['AAPL'],
        corrections: ['AAPL'],
        cancelErrors: ['AAPL'],
      }),
    );
  });

  it('delivers a minute of trades, quotes and the closed minute bar, decoded, equal to the REST history', async () => {
    const from = h.sim.clock.now();
    h.sim.clock.advance(60_000);
    h.sim.control.pump();
    // One pump is one frame: when the bar is here, so is everything before it.
    const bar = await bars.take();
    const streamed = trades.queued.slice();
    trades.clear();
    expect(streamed.length).toBeGreaterThan(30);
    for (const t of streamed) {
      expect(t.Timestamp).toBeInstanceOf(Date);
      expect(t).toMatchObject({ Symbol: 'AAPL', Exchange: 'V', Tape: 'C' });
      expect(typeof t.Price).toBe('number');
    }
    const span = { start: new Date(from + 1).toISOString(), end: new Date(from + 60_000).toISOString() };
    const history = await collect(h.alpaca.getTradesV2('AAPL', { ...span }));
    expect(streamed.map((t) => [iso(t.Timestamp), t.Price, t.Size, t.ID])).toEqual(
      history.map((t: Decoded) => [iso(t.Timestamp), t.Price, t.Size, t.ID]),
    );

    expect(bar.Timestamp).toBeInstanceOf(Date);
    expect(bar.Timestamp.toISOString()).toBe(new Date(from).toISOString());
    const prices = streamed.map((t) => t.Price as number);
    expect(bar).toMatchObject({
      Symbol: 'AAPL',
      OpenPrice: prices[0],
      ClosePrice: prices[prices.length - 1],
      HighPrice: Math.max(...prices),
      LowPrice: Math.min(...prices),
      Volume: streamed.reduce((s, t) => s + (t.Size as number), 0),
    });
    const [restBar]: Decoded[] = await collect(
      h.alpaca.getBarsV2('AAPL', { ...span, start: new Date(from).toISOString(), timeframe: '1Min' }),
    );
    expect(restBar).toMatchObject({ Timestamp: new Date(from).toISOString().replace('.000Z', 'Z') });
    expect([bar.OpenPrice, bar.HighPrice, bar.LowPrice, bar.ClosePrice, bar.Volume, bar.VWAP]).toEqual([
      restBar.OpenPrice,
      restBar.HighPrice,
      restBar.LowPrice,
      restBar.ClosePrice,
      restBar.Volume,
      restBar.VWAP,
    ]);

    const streamedQuotes = quotes.queued.slice();
    quotes.clear();
    const quoteHistory = await collect(h.alpaca.getQuotesV2('AAPL', { ...span }));
    expect(streamedQuotes.length).toBeGreaterThan(0);
    expect(streamedQuotes.map((q) => [iso(q.Timestamp), q.BidPrice, q.AskPrice, q.BidSize, q.AskSize])).toEqual(
      quoteHistory.map((q: Decoded) => [iso(q.Timestamp), q.BidPrice, q.AskPrice, q.BidSize, q.AskSize]),
    );
    expect(streamedQuotes.at(-1)).toMatchObject({
      BidPrice: h.sim.control.quote('AAPL').bid,
      AskPrice: h.sim.control.quote('AAPL').ask,
    });
    expect(errors.queued).toEqual([]);
  });

  it('stops sending trades after unsubscribeFromTrades; quotes keep coming', async () => {
    const stream = h.alpaca.data_stream_v2;
    stream.unsubscribeFromTrades(['AAPL']);
    await vi.waitFor(() => expect(stream.getSubscriptions()).toMatchObject({ trades: [], corrections: [] }));
    h.sim.clock.advance(10_000);
    h.sim.control.pump();
    await quotes.take();
    expect(trades.queued).toEqual([]);
  });
});

describe('crypto stream (crypto_stream_v1beta3, MessagePack)', () => {
  it('delivers BTC/USD trades and the minute bar, equal to the crypto REST bars', async () => {
    const stream = h.alpaca.crypto_stream_v1beta3;
    const trades = new EventQueue<Decoded>();
    const bars = new EventQueue<Decoded>();
    stream.onCryptoTrade(trades.push);
    stream.onCryptoBar(bars.push);
    await waitFor<void>((done) => {
      stream.onConnect(() => done());
      stream.connect();
    }, 'crypto authenticated');
    const local = stream.getSubscriptions();
    stream.subscribeForTrades(['BTC/USD']);
    stream.subscribeForBars(['BTC/USD']);
    // The SDK replaces its own record with the server's echo: a new object once the sim has answered.
    await vi.waitFor(() => {
      expect(stream.getSubscriptions()).not.toBe(local);
      expect(stream.getSubscriptions()).toMatchObject({ trades: ['BTC/USD'], bars: ['BTC/USD'] });
    });
    // The stream has been pumped up to now; the next whole minute closes a bar.
    const now = h.sim.clock.now();
    const next = Math.ceil((now + 1) / 60_000) * 60_000;
    h.sim.clock.set(next);
    h.sim.control.pump();
    const bar = await bars.take();
    expect(bar.Timestamp).toBeInstanceOf(Date);
    expect(bar.Timestamp.getTime()).toBe(next - 60_000);
    const trade = await trades.take();
    expect(trade).toMatchObject({ Symbol: 'BTC/USD' });
    expect(trade.Timestamp).toBeInstanceOf(Date);
    expect(['B', 'S']).toContain(trade.TakerSide);
    const rest = await h.alpaca.getCryptoBars(['BTC/USD'], {
      start: new Date(next - 60_000).toISOString(),
      end: new Date(next).toISOString(),
      timeframe: '1Min',
    });
    const [restBar] = rest.get('BTC/USD') ?? [];
    expect([bar.Open, bar.High, bar.Low, bar.Close, bar.Volume]).toEqual([
      restBar?.Open,
      restBar?.High,
      restBar?.Low,
      restBar?.Close,
      restBar?.Volume,
    ]);
  });
});
