/**
 * The real-time market data stream (`wss://stream.data.alpaca.markets/v2/{iex|sip}` for stocks,
 * `/v1beta3/crypto/us` for crypto). Text frames, each a JSON array of messages with a `T` type:
 *
 *   ← [{"T":"success","msg":"connected"}]
 *   → {"action":"auth","key":"…","secret":"…"}        (or APCA-API-* headers on the upgrade request)
 *   ← [{"T":"success","msg":"authenticated"}]          or [{"T":"error","code":402,"msg":"auth failed"}]
 *   → {"action":"subscribe","trades":["AAPL"],"quotes":["*"],"bars":["SPY"]}   (unsubscribe likewise)
 *   ← [{"T":"subscription","trades":[…],"quotes":[…],"bars":[…],…}]
 *   ← [{"T":"t","S":"AAPL",…},{"T":"q",…},{"T":"b",…}]
 *
 * Errors use Alpaca's codes: 400 invalid syntax, 401 not authenticated, 402 auth failed, 403 already
 * authenticated, 404 auth timeout, 406 connection limit exceeded. Data is published by `pump(from, to)`: the
 * trades of every second in (from, to], the quote at each second where it changed from the second before, and the minute bars that closed.
 * An upgrade request with `Content-Type: application/msgpack` switches the connection to MessagePack on binary
 * frames (frame-codec.ts), as Alpaca's SDKs ask.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Credentials } from '../http/router.js';
import type { Logger } from '../logger.js';
import type { Asset, AssetCatalog } from '../market/assets.js';
import { barOf } from '../market/bars.js';
import { sameQuote } from '../market/history.js';
import type { MarketModel } from '../market/prices.js';
import { barWire, quoteWire, tradeWire } from '../market/wire.js';
import { codecFor, type FrameCodec, FrameDecodeError } from './frame-codec.js';

export const DATA_FEEDS: Readonly<Record<string, Asset['class']>> = {
  '/v2/iex': 'us_equity',
  '/v2/sip': 'us_equity',
  '/v2/delayed_sip': 'us_equity',
  '/v1beta3/crypto/us': 'crypto',
};

type Channel = 'trades' | 'quotes' | 'bars';
const CHANNELS: readonly Channel[] = ['trades', 'quotes', 'bars'];
/** Channels Alpaca echoes in a subscription message that the sim accepts but never feeds. */
const QUIET_STOCK = ['updatedBars', 'dailyBars', 'statuses', 'lulds'] as const;

interface Client {
  readonly socket: WebSocket;
  readonly codec: FrameCodec;
  readonly feed: string;
  readonly assetClass: Asset['class'];
  authenticated: boolean;
  readonly subs: Record<Channel, Set<string>>;
  authTimer: NodeJS.Timeout | undefined;
}

export interface DataStreamOptions {
  readonly credentials: Credentials;
  readonly catalog: AssetCatalog;
  readonly model: MarketModel;
  readonly log: Logger;
  /** Authenticated connections per key and feed (Alpaca: 1 on most plans). */
  readonly connectionLimit: number;
  /** Wall ms a client has to authenticate (Alpaca: 10 s). */
  readonly authTimeoutMs: number;
}

export class DataStream {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly clients = new Set<Client>();

  constructor(private readonly o: DataStreamOptions) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, feed: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, feed));
  }

  private send(client: Client, messages: readonly Record<string, unknown>[]): void {
    if (messages.length > 0) client.socket.send(client.codec.encode(messages));
  }

  private error(client: Client, code: number, msg: string): void {
    this.send(client, [{ T: 'error', code, msg }]);
  }

  private accept(socket: WebSocket, req: IncomingMessage, feed: string): void {
    const assetClass = DATA_FEEDS[feed] ?? 'us_equity';
    const client: Client = {
      socket,
      codec: codecFor(req),
      feed,
      assetClass,
      authenticated: false,
      subs: { trades: new Set(), quotes: new Set(), bars: new Set() },
      authTimer: undefined,
    };
    this.clients.add(client);
    socket.on('close', () => {
      clearTimeout(client.authTimer);
      this.clients.delete(client);
    });
    socket.on('error', (err) => this.o.log.warn({ err }, 'data stream socket error'));
    socket.on('message', (raw, isBinary) => this.onMessage(client, raw as Buffer, isBinary));
    this.send(client, [{ T: 'success', msg: 'connected' }]);
    const key = req.headers['apca-api-key-id'];
    if (key !== undefined) {
      this.authenticate(client, key, req.headers['apca-api-secret-key']);
      return;
    }
    client.authTimer = setTimeout(() => {
      if (client.authenticated) return;
      this.error(client, 404, 'auth timeout');
      socket.close();
    }, this.o.authTimeoutMs);
    client.authTimer.unref();
  }

  private authenticate(client: Client, key: unknown, secret: unknown): void {
    clearTimeout(client.authTimer);
    if (client.authenticated) {
      this.error(client, 403, 'already authenticated');
      return;
    }
    if (key !== this.o.credentials.keyId || secret !== this.o.credentials.secretKey) {
      this.error(client, 402, 'auth failed');
      client.socket.close();
      return;
    }
    const sameFeed = [...this.clients].filter((c) => c.authenticated && c.feed === client.feed).length;
    if (sameFeed >= this.o.connectionLimit) {
      this.error(client, 406, 'connection limit exceeded');
      client.socket.close();
      return;
    }
    client.authenticated = true;
    this.send(client, [{ T: 'success', msg: 'authenticated' }]);
  }

  private onMessage(client: Client, raw: Buffer, isBinary: boolean): void {
    let parsed: unknown;
    try {
      parsed = client.codec.decode(raw, isBinary);
    } catch (err) {
      if (!(err instanceof FrameDecodeError)) throw err;
      this.error(client, 400, 'invalid syntax');
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.error(client, 400, 'invalid syntax');
      return;
    }
    const msg = parsed as Record<string, unknown>;
    if (msg.action === 'auth') {
      this.authenticate(client, msg.key, msg.secret);
      return;
    }
    if (msg.action !== 'subscribe' && msg.action !== 'unsubscribe') {
      this.error(client, 400, 'invalid syntax');
      return;
    }
    if (!client.authenticated) {
      this.error(client, 401, 'not authenticated');
      return;
    }
    for (const channel of CHANNELS) {
      const list = msg[channel];
      if (!Array.isArray(list)) continue;
      for (const s of list) {
        if (typeof s !== 'string') continue;
        if (msg.action === 'subscribe') client.subs[channel].add(s);
        else client.subs[channel].delete(s);
      }
    }
    this.send(client, [this.subscriptionMessage(client)]);
  }

  private subscriptionMessage(client: Client): Record<string, unknown> {
    const sorted = (c: Channel) => [...client.subs[c]].sort();
    if (client.assetClass === 'crypto') {
      return {
        T: 'subscription',
        trades: sorted('trades'),
        quotes: sorted('quotes'),
        orderbooks: [],
        bars: sorted('bars'),
        updatedBars: [],
        dailyBars: [],
      };
    }
    const quiet = Object.fromEntries(QUIET_STOCK.map((c) => [c, []]));
    // Corrections and cancel/errors follow the trade subscriptions, as Alpaca reports them.
    return {
      T: 'subscription',
      trades: sorted('trades'),
      quotes: sorted('quotes'),
      bars: sorted('bars'),
      ...quiet,
      corrections: sorted('trades'),
      cancelErrors: sorted('trades'),
    };
  }

  private wanted(client: Client, channel: Channel): Asset[] {
    const subs = client.subs[channel];
    if (subs.size === 0) return [];
    return this.o.catalog.all.filter((a) => a.class === client.assetClass && (subs.has('*') || subs.has(a.symbol)));
  }

  /** Publishes what happened in (fromMs, toMs] (at most the last minute of it) to every subscriber. */
  pump(fromMs: number, toMs: number): void {
    const { model } = this.o;
    const from = Math.max(fromMs, toMs - 60_000);
    for (const client of this.clients) {
      if (!client.authenticated) continue;
      const out: Record<string, unknown>[] = [];
      const trades = this.wanted(client, 'trades');
      const quotes = this.wanted(client, 'quotes');
      const bars = this.wanted(client, 'bars');
      for (let s = Math.floor(from / 1000) * 1000; s <= toMs; s += 1000) {
        for (const a of quotes) {
          if (s <= from || !model.isTrading(a, s)) continue;
          const q = model.quoteAt(a, s);
          // The same rule as the historical quotes (history.ts), so both tell one story.
          if (sameQuote(q, model.quoteAt(a, s - 1000))) continue;
          out.push({ T: 'q', S: a.symbol, ...quoteWire(a, q) });
        }
        for (const a of trades) {
          const t = model.tradeInSecond(a, s);
          if (t && t.tMs > from && t.tMs <= toMs) out.push({ T: 't', S: a.symbol, ...tradeWire(a, t) });
        }
        if (s % 60_000 === 0 && s > from) {
          for (const a of bars) {
            const bar = barOf(model, a, { amount: 1, unit: 'Min' }, s - 60_000, s);
            if (bar) out.push({ T: 'b', S: a.symbol, ...barWire(bar) });
          }
        }
      }
      this.send(client, out);
    }
  }

  get connections(): number {
    return this.clients.size;
  }

  drop(): number {
    const n = this.clients.size;
    for (const c of this.clients) c.socket.terminate();
    return n;
  }

  close(): Promise<void> {
    this.drop();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
