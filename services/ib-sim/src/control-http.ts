/**
 * The control surface over HTTP, for the command line (`control-cli.ts`) and for tests in other processes.
 * JSON in, JSON out; every reply is `{ ok: true, ... }` or `{ ok: false, code, message }` with HTTP 400/404.
 * Listens on 127.0.0.1 by default: it can drop clients and reject orders, so it is not for open networks.
 *
 *   GET  /sessions  /orders  /positions  /executions
 *   GET  /rate                          (the message-rate limit as the sim counted it, per clientId: rateSeen)
 *   POST /drop-client {clientId}        POST /drop-all
 *   POST /nightly-reset {dataLost?}     POST /farm {kind: market|hmds|secdef, ok, name?}
 *   POST /reject-next {reason, code?}   POST /delay {ms}          POST /stall-history {stalled}
 *   POST /lose-next {count?}            (the next placeOrder messages vanish without a trace)
 *   POST /competing-session             POST /broadcast {code, text?, farm?}    POST /step
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FarmKind, SimControl } from './control.js';

export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
}

export interface ControlHttp {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

type Body = Readonly<Record<string, unknown>>;

function int(body: Body, key: string, fallback?: number): number {
  const v = body[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ControlRequestError(`${key} must be an integer`);
  return v;
}

function bool(body: Body, key: string, fallback?: boolean): boolean {
  const v = body[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ControlRequestError(`${key} must be true or false`);
  return v;
}

function text(body: Body, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new ControlRequestError(`${key} must be a non-empty string`);
  return v;
}

function optionalText(body: Body, key: string): string | undefined {
  return body[key] === undefined ? undefined : text(body, key);
}

const FARMS: ReadonlySet<string> = new Set(['market', 'hmds', 'secdef']);

type Route = (body: Body) => Record<string, unknown>;

/**
 * The sim's records as a TWS user reads them: the exchange core keys instruments by their InstrumentId (the conId's
 * decimal string in ib-sim), and this surface speaks IB's integer `conId` beside it, as it did before the core's ids
 * were strings (scripts, the chaos audit and the soak compare positions by it).
 */
function withConId<T extends { readonly instrumentId: string }>(r: T): T & { readonly conId: number } {
  return { ...r, conId: Number(r.instrumentId) };
}

function routes(control: SimControl): Record<string, Route> {
  return {
    'GET /sessions': () => ({ sessions: control.sessions() }),
    'GET /orders': () => {
      const { open, completed } = control.orders();
      return { open: open.map(withConId), completed: completed.map(withConId) };
    },
    'GET /positions': () => ({ positions: control.positions().map(withConId) }),
    'GET /executions': () => ({ executions: control.exchange.executions().map(withConId) }),
    'GET /rate': () => ({ rate: control.rateSeen() }),
    'POST /drop-client': (b) => ({ dropped: control.dropClient(int(b, 'clientId')) }),
    'POST /drop-all': () => ({ dropped: control.dropAll() }),
    'POST /nightly-reset': (b) => {
      const dataLost = bool(b, 'dataLost', false);
      control.nightlyReset({ dataLost });
      return { sent: [1100, 2103, 2105, 2104, 2106, dataLost ? 1101 : 1102] };
    },
    'POST /farm': (b) => {
      const kind = text(b, 'kind');
      if (!FARMS.has(kind)) throw new ControlRequestError('kind must be market, hmds or secdef');
      control.farm(kind as FarmKind, bool(b, 'ok'), optionalText(b, 'name'));
      return {};
    },
    'POST /reject-next': (b) => {
      control.rejectNext(text(b, 'reason'), b.code === undefined ? undefined : int(b, 'code'));
      return {};
    },
    'POST /lose-next': (b) => {
      const count = int(b, 'count', 1);
      if (count < 1) throw new ControlRequestError('count must be >= 1');
      return { pending: control.loseNextOrders(count) };
    },
    'POST /delay': (b) => {
      const ms = int(b, 'ms');
      if (ms < 0) throw new ControlRequestError('ms must be >= 0');
      control.setReplyDelay(ms);
      return {};
    },
    'POST /stall-history': (b) => {
      control.stallHistorical(bool(b, 'stalled'));
      return {};
    },
    'POST /competing-session': () => {
      control.competingSession();
      return {};
    },
    'POST /broadcast': (b) => {
      const text = optionalText(b, 'text');
      const farm = optionalText(b, 'farm');
      control.broadcast(int(b, 'code'), { ...(text ? { text } : {}), ...(farm ? { farm } : {}) });
      return {};
    },
    'POST /step': () => {
      control.step();
      return {};
    },
  };
}

/** bigint (micros) as decimal strings. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ControlRequestError('body is not valid JSON', { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ControlRequestError('body must be a JSON object');
  }
  return parsed as Body;
}

export function startControlHttp(control: SimControl, port: number, host = '127.0.0.1'): Promise<ControlHttp> {
  const table = routes(control);
  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(toJson(body));
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = table[`${req.method ?? 'GET'} ${path}`];
    if (!route) {
      reply(res, 404, { ok: false, code: 'not_found', message: `no route ${req.method} ${path}` });
      return;
    }
    readBody(req)
      .then((body) => reply(res, 200, { ok: true, ...route(body) }))
      .catch((err: unknown) => {
        if (err instanceof ControlRequestError) {
          reply(res, 400, { ok: false, code: 'bad_request', message: err.message });
          return;
        }
        control.context.log.error({ err, path }, 'control request failed');
        reply(res, 500, { ok: false, code: 'internal', message: err instanceof Error ? err.message : String(err) });
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('control server has no TCP address'));
        return;
      }
      resolve({
        port: address.port,
        host: address.address,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
