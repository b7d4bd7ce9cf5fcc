/**
 * Server-Sent Events to every open page. One bus connection (the server's) fans out to any number of browsers:
 * each page holds one plain HTTP response open and receives `event: <name>\ndata: <json>\n\n` frames. The browser's
 * EventSource reconnects by itself; a reconnected page gets the current state first (`attach`'s `initial`).
 */
import type { ServerResponse } from 'node:http';

export interface HubMessage {
  readonly event: string;
  readonly data: unknown;
}

/** A comment line now and then keeps idle connections open through proxies (no data: not a poll). */
const KEEPALIVE_MS = 15_000;

const frame = (m: HubMessage): string => `event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS).unref();

  get size(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse, initial: readonly HubMessage[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: 2000\n\n${initial.map(frame).join('')}`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  send(event: string, data: unknown): void {
    // Every quote of the watchlist passes here, also while no page is open (npm start serves the dashboard by
    // default): serialise only for someone.
    if (this.clients.size === 0) return;
    this.write(frame({ event, data }));
  }

  close(): void {
    clearInterval(this.keepalive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}
