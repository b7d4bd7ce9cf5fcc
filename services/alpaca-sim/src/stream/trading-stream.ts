/**
 * The trading stream (`wss://paper-api.alpaca.markets/stream`): authenticate with a message, `listen` to
 * `trade_updates`, then receive every order event. As on Alpaca's paper endpoint, the server's frames are binary
 * (UTF-8 JSON in a binary frame), which a client must decode itself.
 *
 *   → {"action":"auth","key":"…","secret":"…"}   (or the older {"action":"authenticate","data":{"key_id","secret_key"}})
 *   ← {"stream":"authorization","data":{"action":"authenticate","status":"authorized"}}   (or "unauthorized", then close)
 *   → {"action":"listen","data":{"streams":["trade_updates"]}}
 *   ← {"stream":"listening","data":{"streams":["trade_updates"]}}
 *   ← {"stream":"trade_updates","data":{"event":"fill", "order":{…}, …}}
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { TradeUpdate } from '../core/broker.js';
import type { Credentials } from '../http/router.js';
import type { Logger } from '../logger.js';

interface Client {
  readonly socket: WebSocket;
  authorized: boolean;
  listening: ReadonlySet<string>;
}

const STREAMS: ReadonlySet<string> = new Set(['trade_updates']);

export class TradingStream {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly clients = new Set<Client>();

  constructor(
    private readonly credentials: Credentials,
    private readonly log: Logger,
  ) {
    this.wss.on('connection', (socket: WebSocket) => this.accept(socket));
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  private send(client: Client, message: unknown): void {
    client.socket.send(Buffer.from(JSON.stringify(message)), { binary: true });
  }

  private accept(socket: WebSocket): void {
    const client: Client = { socket, authorized: false, listening: new Set() };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', (err) => this.log.warn({ err }, 'trading stream socket error'));
    socket.on('message', (raw) => this.onMessage(client, raw.toString()));
  }

  private onMessage(client: Client, raw: string): void {
    let msg: { action?: unknown; key?: unknown; secret?: unknown; data?: Record<string, unknown> };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      this.send(client, { stream: 'error', data: { error_message: 'invalid syntax' } });
      return;
    }
    if (msg.action === 'auth' || msg.action === 'authenticate') {
      const key = msg.action === 'auth' ? msg.key : msg.data?.key_id;
      const secret = msg.action === 'auth' ? msg.secret : msg.data?.secret_key;
      client.authorized = key === this.credentials.keyId && secret === this.credentials.secretKey;
      const status = client.authorized ? 'authorized' : 'unauthorized';
      this.send(client, { stream: 'authorization', data: { action: 'authenticate', status } });
      if (!client.authorized) client.socket.close(1008, 'unauthorized');
      return;
    }
    if (msg.action === 'listen') {
      if (!client.authorized) {
        this.send(client, { stream: 'authorization', data: { action: 'listen', status: 'unauthorized' } });
        return;
      }
      const requested = Array.isArray(msg.data?.streams) ? (msg.data.streams as unknown[]) : [];
      client.listening = new Set(requested.filter((s): s is string => typeof s === 'string' && STREAMS.has(s)));
      this.send(client, { stream: 'listening', data: { streams: [...client.listening] } });
      return;
    }
    this.send(client, { stream: 'error', data: { error_message: `unknown action ${String(msg.action)}` } });
  }

  publish(update: TradeUpdate): void {
    for (const c of this.clients) {
      if (c.authorized && c.listening.has('trade_updates')) this.send(c, { stream: 'trade_updates', data: update });
    }
  }

  get connections(): number {
    return this.clients.size;
  }

  /** Fault: every connection is cut without a close frame (a network drop). */
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
