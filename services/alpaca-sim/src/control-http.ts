/**
 * The control surface over HTTP, for tests in other processes and the command line. JSON in and out; replies are
 * `{ ok: true, ... }` or `{ ok: false, message }` with 400/404. Binds 127.0.0.1 by default: it can fail requests
 * and cut streams, so it is not for open networks.
 *
 *   POST /step   POST /pump   GET /connections   GET /orders
 *   POST /rate-limit-next {count}   POST /fail-next {count, status?}   POST /delay {ms}
 *   POST /drop-streams {kind?: trading|data|all}   POST /reject-next {reason}
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlpacaSimControl, StreamKind } from './control.js';
import { orderJson } from './core/order-json.js';

export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
}

type Body = Readonly<Record<string, unknown>>;

function int(body: Body, key: string, fallback?: number): number {
  const v = body[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new ControlRequestError(`${key} must be an integer >= 0`);
  return v;
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (raw === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Body;
  } catch (err) {
    throw new ControlRequestError('body is not valid JSON', { cause: err });
  }
  throw new ControlRequestError('body must be a JSON object');
}

const KINDS: ReadonlySet<string> = new Set(['trading', 'data', 'all']);

export interface ControlHttp {
  readonly port: number;
  close(): Promise<void>;
}

export function startControlHttp(control: AlpacaSimControl, port: number, host = '127.0.0.1'): Promise<ControlHttp> {
  const done = (action: () => void): Record<string, unknown> => {
    action();
    return {};
  };
  const routes: Record<string, (b: Body) => Record<string, unknown>> = {
    'POST /step': () => done(() => control.step()),
    'POST /pump': () => done(() => control.pump()),
    'GET /connections': () => control.connections(),
    'GET /orders': () => ({ orders: control.broker.all().map(orderJson) }),
    'POST /rate-limit-next': (b) => done(() => control.rateLimitNext(int(b, 'count', 1))),
    'POST /fail-next': (b) => done(() => control.failNext(int(b, 'count', 1), int(b, 'status', 500))),
    'POST /delay': (b) => done(() => control.setDelay(int(b, 'ms'))),
    'POST /drop-streams': (b) => {
      const kind = b.kind ?? 'all';
      if (typeof kind !== 'string' || !KINDS.has(kind))
        throw new ControlRequestError('kind must be trading, data or all');
      return { dropped: control.dropStreams(kind as StreamKind) };
    },
    'POST /reject-next': (b) => {
      if (typeof b.reason !== 'string' || b.reason === '')
        throw new ControlRequestError('reason must be a non-empty string');
      control.rejectNext(b.reason);
      return {};
    },
  };
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = routes[`${req.method} ${(req.url ?? '/').split('?')[0]}`];
    if (!route) {
      reply(404, { ok: false, message: `no route ${req.method} ${req.url}` });
      return;
    }
    readBody(req)
      .then((body) => reply(200, { ok: true, ...route(body) }))
      .catch((err: unknown) => {
        const known = err instanceof ControlRequestError;
        reply(known ? 400 : 500, { ok: false, message: err instanceof Error ? err.message : String(err) });
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
