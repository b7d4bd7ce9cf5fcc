/**
 * The HTTP surface: the page, its script, the event stream and the JSON views (GET), and, only with trading on,
 * the order ticket and cancel (POST). Every read is one SDK call (the same subjects any client uses); every command
 * goes to the OMS through the SDK and its answer, a denial's code and reason included, is returned as it came.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@trading-system/runtime';
import { type TradingSystem, TradingSystemError } from '@trading-system/sdk';
import type { Bridge } from './bridge.js';
import type { EventHub } from './event-hub.js';
import { OrderTicket } from './order-ticket.js';
import { aggregateAccounts, aggregatePositions, blotter } from './views.js';

export interface RouteDeps {
  readonly system: TradingSystem;
  readonly bridge: Bridge;
  readonly hub: EventHub;
  readonly trading: boolean;
  readonly watchlist: readonly string[];
  readonly logger: Logger;
}

const PUBLIC = new URL('../public/', import.meta.url);
const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
};
const MAX_BODY = 16 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function failure(res: ServerResponse, err: unknown): void {
  if (err instanceof TradingSystemError) {
    // The system's own answer (a denial, a validation error, a broker that is down): shown to the user as is.
    sendJson(res, err.name === 'OrderDeniedError' ? 422 : 502, {
      ok: false,
      code: err.code,
      message: err.message,
      hint: err.hint,
      ...(err.details === undefined ? {} : { details: err.details }),
    });
    return;
  }
  sendJson(res, 500, { ok: false, code: 'INTERNAL', message: (err as Error).message });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export function routes(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const { system, bridge, hub } = deps;

  const get: Record<string, () => Promise<unknown>> = {
    '/api/config': async () => ({ trading: deps.trading, watchlist: deps.watchlist }),
    '/api/brokers': async () => ({ brokers: bridge.brokers() }),
    '/api/orders': async () => ({ orders: blotter(await system.getAllOrders({ status: 'all' }), bridge.reasonOf) }),
    '/api/fills': async () => ({ fills: await system.getTradeHistory() }),
    '/api/positions': async () => {
      const positions = await system.getPositions();
      return { positions, aggregated: aggregatePositions(positions), unavailable: positions.unavailable };
    },
    '/api/account': async () => {
      const accounts = await system.getAccountInfo();
      return { accounts, aggregated: aggregateAccounts(accounts), unavailable: accounts.unavailable };
    },
  };

  const submit = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      sendJson(res, 400, {
        ok: false,
        code: 'VALIDATION_FAILED',
        message: `unreadable JSON: ${(err as Error).message}`,
      });
      return;
    }
    const parsed = OrderTicket.safeParse(body);
    if (!parsed.success) {
      sendJson(res, 400, { ok: false, code: 'VALIDATION_FAILED', message: parsed.error.message });
      return;
    }
    const t = parsed.data;
    const options = { broker: t.broker, tif: t.tif };
    const r =
      t.orderType === 'LMT'
        ? await system.submitLimitOrder(t.symbol, 'SMART', t.side, t.quantity, t.limitPrice ?? '', options)
        : await system.submitMarketOrder(t.symbol, 'SMART', t.side, t.quantity, options);
    sendJson(res, 200, { ok: true, order: r.order });
  };

  return async (req, res, url) => {
    try {
      const path = url.pathname;
      const page = STATIC[path];
      if (req.method === 'GET' && page !== undefined) {
        res.writeHead(200, {
          'content-type': page.type,
          'cache-control': 'no-store',
          // The page only talks to its own origin and may not be framed (a framed trading page invites clickjacking).
          'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
          'x-frame-options': 'DENY',
        });
        res.end(await readFile(new URL(page.file, PUBLIC)));
        return;
      }
      if (req.method === 'GET' && path === '/api/events') {
        hub.attach(res, bridge.snapshot());
        return;
      }
      const read = get[path];
      if (req.method === 'GET' && read !== undefined) {
        sendJson(res, 200, await read());
        return;
      }
      if (req.method === 'POST' && (path === '/api/orders' || /^\/api\/orders\/[^/]+\/cancel$/.test(path))) {
        if (!deps.trading) {
          sendJson(res, 403, {
            ok: false,
            code: 'TRADING_DISABLED',
            message: 'trading from the dashboard is off (the operator starts it with DASHBOARD_TRADING=true)',
          });
          return;
        }
        if (path === '/api/orders') await submit(req, res);
        else {
          const orderId = decodeURIComponent(path.split('/')[3] ?? '');
          sendJson(res, 200, { ok: true, order: await system.cancelOrder(orderId) });
        }
        return;
      }
      sendJson(res, 404, { ok: false, code: 'NOT_FOUND', message: `no ${req.method} ${path}` });
    } catch (err) {
      if (!(err instanceof TradingSystemError))
        deps.logger.warn({ err, path: url.pathname }, 'dashboard request failed');
      failure(res, err);
    }
  };
}
