/**
 * The real-time market-data stream client (`wss://stream.data.alpaca.markets/v2/<feed>`): one connection per
 * broker (Alpaca allows one per feed and key), authenticated by message, subscribed to the quotes and trades of
 * the symbols we hold lines for. On any loss it reconnects with a capped backoff and subscribes every line again:
 * lines are ours, not the connection's. Messages come as JSON arrays of `{ T: 'q' | 't' | … }`.
 */
import WebSocket from 'ws';
import type { AlpacaKeys } from './alpaca-port.js';

export interface StreamQuote {
  readonly symbol: string;
  readonly bid?: number;
  readonly ask?: number;
  readonly bidSize?: number;
  readonly askSize?: number;
  readonly last?: number;
  readonly lastSize?: number;
  readonly t: string;
}

export interface DataStreamOptions {
  readonly url: string;
  readonly keys: AlpacaKeys;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class DataStream {
  private socket: WebSocket | undefined;
  private ready = false;
  private stopped = true;
  private backoffMs: number;
  private retry: NodeJS.Timeout | undefined;
  private readonly symbols = new Set<string>();
  /** When the feed state (feed()) last changed, epoch ms. */
  private since = Date.now();

  constructor(
    private readonly o: DataStreamOptions,
    private readonly onQuote: (q: StreamQuote) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.backoffMs = o.minBackoffMs ?? 250;
  }

  /**
   * The stream as a status feed: inactive while it holds no line (closed until the first), ok once authenticated,
   * broken while it is (re)connecting.
   */
  feed(): { state: 'ok' | 'broken' | 'inactive'; sinceMs: number } {
    return { state: this.stopped ? 'inactive' : this.ready ? 'ok' : 'broken', sinceMs: this.since };
  }

  get lines(): number {
    return this.symbols.size;
  }

  has(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  /** Adds a line; the first one opens the connection. */
  subscribe(symbol: string): void {
    if (this.symbols.has(symbol)) return;
    this.symbols.add(symbol);
    if (this.stopped) {
      this.stopped = false;
      this.since = Date.now();
      this.connect();
    } else if (this.ready) this.send('subscribe', [symbol]);
  }

  unsubscribe(symbol: string): void {
    if (!this.symbols.delete(symbol)) return;
    if (this.ready) this.send('unsubscribe', [symbol]);
  }

  private send(action: 'subscribe' | 'unsubscribe', symbols: string[]): void {
    this.socket?.send(JSON.stringify({ action, quotes: symbols, trades: symbols }));
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.url);
    this.socket = ws;
    ws.on('message', (raw) => {
      let list: unknown;
      try {
        list = JSON.parse(raw.toString());
      } catch {
        this.onError('malformed market-data message');
        return;
      }
      for (const m of Array.isArray(list) ? (list as Record<string, unknown>[]) : []) this.onMessage(ws, m);
    });
    ws.on('error', () => {
      // 'close' follows and handles it.
    });
    ws.on('close', () => {
      if (this.socket === ws) this.socket = undefined;
      if (this.ready) this.since = Date.now();
      this.ready = false;
      if (this.stopped) return;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 10_000);
      this.retry = setTimeout(() => this.connect(), wait);
    });
  }

  private onMessage(ws: WebSocket, m: Record<string, unknown>): void {
    const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : undefined);
    switch (m.T) {
      case 'success':
        if (m.msg === 'connected')
          ws.send(JSON.stringify({ action: 'auth', key: this.o.keys.keyId, secret: this.o.keys.secretKey }));
        else if (m.msg === 'authenticated') {
          this.ready = true;
          this.since = Date.now();
          this.backoffMs = this.o.minBackoffMs ?? 250;
          if (this.symbols.size > 0) this.send('subscribe', [...this.symbols]);
        }
        return;
      case 'error':
        this.onError(`market-data stream error ${String(m.code)}: ${String(m.msg)}`);
        return;
      case 'q':
      case 't': {
        const symbol = typeof m.S === 'string' ? m.S : undefined;
        if (symbol === undefined || !this.symbols.has(symbol)) return;
        const t = typeof m.t === 'string' ? m.t : new Date().toISOString();
        const q: StreamQuote =
          m.T === 'q'
            ? {
                symbol,
                t,
                ...opt('bid', num('bp')),
                ...opt('ask', num('ap')),
                ...opt('bidSize', num('bs')),
                ...opt('askSize', num('as')),
              }
            : { symbol, t, ...opt('last', num('p')), ...opt('lastSize', num('s')) };
        this.onQuote(q);
        return;
      }
      default:
        return;
    }
  }

  stop(): void {
    if (!this.stopped) this.since = Date.now();
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.terminate();
    this.socket = undefined;
    this.ready = false;
  }
}

const opt = <K extends string>(k: K, v: number | undefined): { [P in K]?: number } =>
  (v === undefined ? {} : { [k]: v }) as { [P in K]?: number };
