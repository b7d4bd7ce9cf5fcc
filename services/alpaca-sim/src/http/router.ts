/**
 * The REST front: one node:http server for Alpaca's trading host (api/paper-api) and data host
 * (data.alpaca.markets) paths. Per request: injected delay, route, API-key check, rate budget and injected 429 /
 * 5xx, then the handler; errors are Alpaca's `{ code, message }` bodies. WebSocket upgrades are handed to the
 * stream servers by app.ts.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { API_ERRORS, ApiError } from '../core/errors.js';
import { type FaultState, type RateLimiter, rateHeaders } from '../faults.js';
import type { Logger } from '../logger.js';

export type Api = 'trading' | 'data';

export interface Request {
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly api: Api;
  readonly handle: (req: Request) => Reply;
}

export interface Credentials {
  readonly keyId: string;
  readonly secretKey: string;
}

export interface RestDeps {
  readonly routes: readonly Route[];
  readonly credentials: Credentials;
  readonly faults: FaultState;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  /** Serve https (and so wss) with this key pair, as Alpaca's hosts do; plain http without it. */
  readonly tls?: TlsKeyPair;
}

export interface TlsKeyPair {
  /** PEM. */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw API_ERRORS.invalid('request body format is invalid');
  }
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string>): void {
  // Alpaca tags every reply with a request id (support asks for it); clients log it.
  const headers = { ...extra, 'X-Request-ID': randomUUID().replaceAll('-', '') };
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/** Data-host auth failures answer 403 `{"message":"forbidden"}`; the trading host answers 401 with a code. */
function authError(api: Api): ApiError {
  return api === 'data' ? new ApiError(403, 0, 'forbidden') : API_ERRORS.unauthorized();
}

function errorBody(err: ApiError, api: Api): unknown {
  return api === 'data' && err.status === 403 ? { message: err.message } : err.body();
}

export function createRestServer(deps: RestDeps): Server {
  const { routes, credentials, faults, limiter, log } = deps;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    const url = new URL(req.url ?? '/', 'http://sim');
    // `:` in `/v2/orders:by_client_order_id` may arrive percent-encoded.
    const path = decodeURIComponent(url.pathname);
    let api: Api = path.startsWith('/v2/stocks') || path.startsWith('/v1beta') ? 'data' : 'trading';
    let headers: Record<string, string> = {};
    try {
      let params: string[] | undefined;
      const route = routes.find((r) => {
        if (r.method !== req.method) return false;
        const m = r.pattern.exec(path);
        if (m) params = m.slice(1).map((p) => decodeURIComponent(p));
        return m !== null;
      });
      if (route) api = route.api;
      const key = req.headers['apca-api-key-id'];
      const secret = req.headers['apca-api-secret-key'];
      if (key !== credentials.keyId || secret !== credentials.secretKey) throw authError(api);
      const forced = faults.rateLimitNext > 0;
      if (forced) faults.rateLimitNext--;
      // Alpaca budgets the trading and the data host separately.
      const window = limiter.take(`${api}:${credentials.keyId}`, forced);
      headers = rateHeaders(window);
      if (window.exceeded) throw API_ERRORS.rateLimited(headers);
      if (faults.failNext > 0) {
        faults.failNext--;
        throw API_ERRORS.internal(faults.failStatus);
      }
      if (!route || !params) throw API_ERRORS.noRoute(req.method ?? 'GET', path);
      const body = await readJson(req);
      const reply = route.handle({ params, query: url.searchParams, body });
      send(res, reply.status, reply.body, headers);
    } catch (err) {
      if (err instanceof ApiError) {
        send(res, err.status, errorBody(err, api), { ...headers, ...err.headers });
        return;
      }
      log.error({ err, path }, 'request failed');
      send(res, 500, API_ERRORS.internal().body(), headers);
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => log.error({ err }, 'reply failed'));
  };
  return deps.tls ? createTlsServer({ key: deps.tls.key, cert: deps.tls.cert }, listener) : createServer(listener);
}
