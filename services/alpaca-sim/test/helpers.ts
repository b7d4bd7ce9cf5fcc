/** Test helpers: a sim on port 0 with a manual clock, a REST caller, and stream clients that queue messages. */
import WebSocket from 'ws';
import { type AlpacaSimOptions, DEFAULT_CREDENTIALS, type RunningAlpacaSim, startAlpacaSim } from '../src/app.js';
import { type ManualClock, manualClock } from '../src/clock.js';

/** Tuesday 2024-03-05 10:00 New York (EST): the regular session is open. */
export const IN_SESSION = Date.parse('2024-03-05T15:00:00Z');

export interface TestSim extends RunningAlpacaSim {
  readonly clock: ManualClock;
}

export async function startTestSim(options: AlpacaSimOptions = {}, startMs = IN_SESSION): Promise<TestSim> {
  const clock = manualClock(startMs);
  const sim = await startAlpacaSim({ port: 0, tickMs: 0, ...options, clock });
  return { ...sim, clock };
}

export const AUTH = {
  'APCA-API-KEY-ID': DEFAULT_CREDENTIALS.keyId,
  'APCA-API-SECRET-KEY': DEFAULT_CREDENTIALS.secretKey,
};

export interface ApiReply {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON under test is inspected field by field
  readonly body: any;
}

export async function api(
  sim: RunningAlpacaSim,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
): Promise<ApiReply> {
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** A WebSocket client whose messages queue until a test takes them; `take` waits for the next match. */
export class StreamClient {
  // biome-ignore lint/suspicious/noExplicitAny: stream JSON under test
  readonly received: any[] = [];
  readonly binaryFrames: boolean[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number } | undefined;
  private readonly closedPromise: Promise<{ code: number }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      this.binaryFrames.push(isBinary);
      const parsed = JSON.parse(data.toString());
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.received.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closed = { code };
        for (const w of this.waiters.splice(0)) w();
        resolve({ code });
      }),
    );
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
    const socket = new WebSocket(url, { headers });
    const client = new StreamClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Removes and returns the first queued message matching `match`, waiting for it up to `timeoutMs`. */
  // biome-ignore lint/suspicious/noExplicitAny: stream JSON under test
  async take(match: (m: any) => boolean, timeoutMs = 5_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex(match);
      if (i >= 0) return this.received.splice(i, 1)[0];
      if (this.closed) throw new Error(`stream closed (${this.closed.code}) before a matching message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message; queued: ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitClosed(): Promise<{ code: number }> {
    return this.closedPromise;
  }

  close(): void {
    this.socket.close();
  }
}

export function wsUrl(sim: RunningAlpacaSim, path: string): string {
  return `ws://${sim.host}:${sim.port}${path}`;
}

/** A trading-stream client, authenticated and listening to trade_updates. */
export async function tradeUpdates(sim: RunningAlpacaSim): Promise<StreamClient> {
  const c = await StreamClient.open(wsUrl(sim, '/stream'));
  c.send({ action: 'auth', key: AUTH['APCA-API-KEY-ID'], secret: AUTH['APCA-API-SECRET-KEY'] });
  await c.take((m) => m.stream === 'authorization' && m.data.status === 'authorized');
  c.send({ action: 'listen', data: { streams: ['trade_updates'] } });
  await c.take((m) => m.stream === 'listening');
  return c;
}

/** The next trade update for an order id (of any event, or of `event`). */
export function nextUpdate(c: StreamClient, orderId: string, event?: string) {
  return c.take(
    (m) => m.stream === 'trade_updates' && m.data.order.id === orderId && (!event || m.data.event === event),
  );
}
