/**
 * The HTTP surface: the page, its scripts, the event streams and the JSON views (GET), backtest reports, and, only
 * with trading on, the order ticket and cancel (POST). Every read is one SDK call (the same subjects any client
 * uses); every command goes to the OMS through the SDK and its answer, a denial's code and reason included, is
 * returned as it came.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBarSize } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { type TradingSystem, TradingSystemError } from '@trading-system/sdk';
import type { Bridge } from './bridge.js';
import { type ChartFeeds, toBarView } from './chart-feed.js';
import { BarsQuery, LiveBarsQuery, queryOf } from './chart-query.js';
import type { EventHub } from './event-hub.js';
import { OrderTicket } from './order-ticket.js';
import { type ReportLibrary, ReportPathError } from './reports.js';
import { aggregateAccounts, aggregatePositions, blotter } from './views.js';

export interface RouteDeps {
  readonly system: TradingSystem;
  readonly bridge: Bridge;
  readonly hub: EventHub;
  readonly charts: ChartFeeds;
  readonly reports: ReportLibrary;
  readonly trading: boolean;
  readonly watchlist: readonly string[];
  readonly logger: Logger;
}

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const JS = 'text/javascript; charset=utf-8';
/**
 * TradingView's Lightweight Charts (Apache-2.0), its standalone build from the installed package, the same one the
 * backtest report inlines: served from here, nothing fetched from a CDN (the page's CSP allows only its own origin).
 */
const CHARTS_LIBRARY = join(
  dirname(fileURLToPath(import.meta.resolve('lightweight-charts'))),
  'lightweight-charts.standalone.production.js',
);
const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: join(PUBLIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(PUBLIC, 'app.js'), type: JS },
  '/chart.js': { file: join(PUBLIC, 'chart.js'), type: JS },
  '/reports.js': { file: join(PUBLIC, 'reports.js'), type: JS },
  '/vendor/lightweight-charts.js': { file: CHARTS_LIBRARY, type: JS },
};
/**
 * A report.html is a file from disk, written by whoever ran the backtest: it runs in a sandbox (an opaque origin,
 * so it cannot read the dashboard's API with the operator's cookie or send it commands), may run its own inline
 * script (the charts), and may load nothing from anywhere.
 */
const REPORT_CSP =
  "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";
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

  const bars = async (q: BarsQuery): Promise<unknown> => {
    const data = await system.getHistoricalData(q.symbol, 'SMART', q.duration, q.timeframe, {
      broker: q.broker,
      cachedOnly: q.cachedOnly,
      ...(q.end === undefined ? {} : { end: new Date(q.end) }),
    });
    return {
      broker: q.broker,
      symbol: data.instrument?.localSymbol ?? q.symbol,
      instrumentId: data.instrument?.id,
      // An empty answer names no timeframe: the canonical form of the one asked for.
      timeframe: data.timeframe ?? parseBarSize(q.timeframe),
      bars: data.map((b) => toBarView(b.exact)),
      partial: data.partial,
      missing: data.missing,
    };
  };

  const get: Record<string, () => Promise<unknown>> = {
    '/api/config': async () => ({ trading: deps.trading, watchlist: deps.watchlist }),
    '/api/brokers': async () => ({ brokers: bridge.brokers() }),
    '/api/orders': async () => ({ orders: blotter(await system.getAllOrders({ status: 'all' }), bridge.reasonOf) }),
    '/api/fills': async () => ({ fills: await system.getTradeHistory() }),
    '/api/positions': async () => {
      const positions = await system.getPositions();
      return { positions, aggregated: aggregatePositions(positions), unavailable: positions.unavailable };
    },
    '/api/reports': async () => deps.reports.list(),
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

  const report = async (res: ServerResponse, encodedId: string): Promise<void> => {
    let file: string | undefined;
    let id = encodedId;
    try {
      // Decoded first, then every segment checked (reports.ts): an encoded separator or dot-segment is refused
      // like a plain one, never interpreted.
      id = decodeURIComponent(encodedId);
      file = await deps.reports.reportFile(id);
    } catch (err) {
      if (!(err instanceof ReportPathError) && !(err instanceof URIError)) throw err;
      sendJson(res, 400, { ok: false, code: 'VALIDATION_FAILED', message: (err as Error).message });
      return;
    }
    if (file === undefined) {
      sendJson(res, 404, { ok: false, code: 'NOT_FOUND', message: `no report ${id}` });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': REPORT_CSP,
      'x-content-type-options': 'nosniff',
    });
    res.end(await readFile(file));
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
        res.end(await readFile(page.file));
        return;
      }
      if (req.method === 'GET' && path === '/api/events') {
        hub.attach(res, bridge.snapshot());
        return;
      }
      if (req.method === 'GET' && path === '/api/bars') {
        const parsed = BarsQuery.safeParse(queryOf(url));
        if (!parsed.success) {
          sendJson(res, 400, { ok: false, code: 'VALIDATION_FAILED', message: parsed.error.message });
          return;
        }
        sendJson(res, 200, await bars(parsed.data));
        return;
      }
      if (req.method === 'GET' && path === '/api/bars/live') {
        const parsed = LiveBarsQuery.safeParse(queryOf(url));
        if (!parsed.success) {
          sendJson(res, 400, { ok: false, code: 'VALIDATION_FAILED', message: parsed.error.message });
          return;
        }
        await deps.charts.attach(res, parsed.data);
        return;
      }
      const reportPath = /^\/reports\/(.+)\/report\.html$/.exec(path);
      if (req.method === 'GET' && reportPath !== null) {
        await report(res, reportPath[1] ?? '');
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
