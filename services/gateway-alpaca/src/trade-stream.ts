/**
 * The `trade_updates` stream client: connect, authenticate, listen, hand every update on; on any loss reconnect
 * with a capped backoff and say so (`onState`), so the broker can recover what it missed from the REST orders —
 * Alpaca does not replay trade_updates. Frames may be binary (Alpaca's paper endpoint sends UTF-8 JSON in binary
 * frames). The keys go in the auth message only; nothing here logs them.
 */
import WebSocket from 'ws';
import type { AlpacaKeys } from './alpaca-port.js';
import { AlpacaTradeUpdate } from './wire.js';

export interface TradeStreamHandlers {
  update(u: AlpacaTradeUpdate): void;
  /**
   * `up` once authorized and listening; `down` on every loss (with why, and the socket error's code when the
   * connection itself failed: ECONNREFUSED, ENOTFOUND ...).
   */
  state(s: 'up' | 'down', why?: string, errorCode?: string): void;
  /** An update that does not parse (logged by the caller, not fatal). */
  malformed(err: unknown): void;
}

export interface TradeStreamOptions {
  readonly url: string;
  readonly keys: AlpacaKeys;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** No answer to auth/listen within this long: drop and retry (default 10 s). */
  readonly handshakeTimeoutMs?: number;
}

export class TradeStream {
  private socket: WebSocket | undefined;
  private stopped = false;
  private backoffMs: number;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: TradeStreamOptions,
    private readonly h: TradeStreamHandlers,
  ) {
    this.backoffMs = o.minBackoffMs ?? 250;
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.url);
    this.socket = ws;
    let up = false;
    let errorCode: string | undefined;
    const handshake = setTimeout(() => ws.terminate(), this.o.handshakeTimeoutMs ?? 10_000);
    ws.on('open', () => {
      ws.send(JSON.stringify({ action: 'auth', key: this.o.keys.keyId, secret: this.o.keys.secretKey }));
    });
    ws.on('message', (raw) => {
      let msg: { stream?: string; data?: Record<string, unknown> };
      try {
        msg = JSON.parse(raw.toString()) as typeof msg;
      } catch (err) {
        this.h.malformed(err);
        return;
      }
      if (msg.stream === 'authorization') {
        if (msg.data?.status === 'authorized')
          ws.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
        else ws.terminate();
        return;
      }
      if (msg.stream === 'listening') {
        clearTimeout(handshake);
        up = true;
        this.backoffMs = this.o.minBackoffMs ?? 250;
        this.h.state('up');
        return;
      }
      if (msg.stream === 'trade_updates') {
        const parsed = AlpacaTradeUpdate.safeParse(msg.data);
        if (parsed.success) this.h.update(parsed.data);
        else this.h.malformed(parsed.error);
      }
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      // 'close' follows and handles it; the code tells it an address where nothing answers.
      errorCode = err.code;
    });
    ws.on('close', (code) => {
      clearTimeout(handshake);
      if (this.socket === ws) this.socket = undefined;
      if (this.stopped) return;
      this.h.state('down', `trade_updates closed (${code}${up ? '' : ', before listening'})`, errorCode);
      const wait = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 10_000);
      this.retry = setTimeout(() => this.connect(), wait);
    });
  }

  /** Drops the connection; it reconnects after the backoff (a catch-up that failed wants a fresh start). */
  reconnect(): void {
    this.socket?.terminate();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.terminate();
    this.socket = undefined;
  }
}
