/**
 * The dashboard: an HTTP server (node:http) with one static page, and a server-side bridge from the bus to the
 * browser over Server-Sent Events. Why a bridge rather than NATS over websocket in the page: the server holds the
 * one bus connection (and its credentials: the `dashboard` NATS user of infra/nats/permissions.ts), so what a
 * browser may see and do is decided here and never depends on a credential shipped to the page; NATS needs no
 * websocket listener; and every page costs one HTTP response, however many subjects it shows. Views update from
 * the pushed events; the JSON endpoints give the starting picture and are read again only when an event says
 * something changed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@trading-system/runtime';
import type { TradingSystem } from '@trading-system/sdk';
import { checkAccess, tokenCookie } from './access.js';
import { startBridge } from './bridge.js';
import { ChartFeeds } from './chart-feed.js';
import { type DashboardConfig, dashboardToken } from './config.js';
import { EventHub } from './event-hub.js';
import { ReportLibrary } from './reports.js';
import { routes, sendJson } from './routes.js';

export interface DashboardDeps {
  readonly system: TradingSystem;
  readonly config: Pick<
    DashboardConfig,
    | 'DASHBOARD_HOST'
    | 'DASHBOARD_PORT'
    | 'DASHBOARD_TRADING'
    | 'DASHBOARD_TOKEN'
    | 'DASHBOARD_TOKEN_FILE'
    | 'DASHBOARD_WATCHLIST'
    | 'DASHBOARD_REPORTS_DIR'
  >;
  readonly logger: Logger;
}

export interface Dashboard {
  /** Address to open (without the token). */
  readonly url: string;
  readonly port: number;
  /** Set when DASHBOARD_PORT was taken and another port was used: say so to the operator. */
  readonly portTaken?: number;
  stop(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startDashboard(deps: DashboardDeps): Promise<Dashboard> {
  const { config, logger } = deps;
  const token = dashboardToken(config);
  const hub = new EventHub();
  const bridge = await startBridge({ system: deps.system, watchlist: config.DASHBOARD_WATCHLIST, hub, logger });
  const charts = new ChartFeeds({ bus: deps.system.bus, logger, timeoutMs: 15_000 });
  const handle = routes({
    system: deps.system,
    bridge,
    hub,
    charts,
    reports: new ReportLibrary(config.DASHBOARD_REPORTS_DIR),
    trading: config.DASHBOARD_TRADING,
    watchlist: config.DASHBOARD_WATCHLIST,
    logger,
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const refusal = checkAccess(req, url, token);
    if (refusal !== undefined) {
      sendJson(res, refusal.status, { ok: false, code: 'FORBIDDEN', message: refusal.message });
      return;
    }
    if (token !== undefined && url.searchParams.has('token')) res.setHeader('set-cookie', tokenCookie(token));
    void handle(req, res, url);
  });
  const host = config.DASHBOARD_HOST;
  let port: number;
  let portTaken: number | undefined;
  try {
    try {
      port = await listen(server, host, config.DASHBOARD_PORT);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      // A viewer, not an endpoint other programs dial: a second system (or anything else) on the port should not
      // stop this one from being seen. Any free port, and the printed address says which.
      portTaken = config.DASHBOARD_PORT;
      port = await listen(server, host, 0);
    }
  } catch (err) {
    hub.close();
    await charts.close();
    await bridge.stop();
    throw err;
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    ...(portTaken === undefined ? {} : { portTaken }),
    stop: async () => {
      hub.close();
      await charts.close();
      await bridge.stop();
      // close() waits for every connection to end: cut them now (a read still waiting on the bus, a keep-alive
      // socket), or closeAllConnections() after the wait would have nothing left to close.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The lines `npm start` prints about the dashboard. */
export function describeDashboard(d: Dashboard, config: DashboardDeps['config']): string[] {
  return [
    ...(d.portTaken === undefined
      ? []
      : [`dashboard: port ${d.portTaken} is taken (another system?); using ${d.port} (set DASHBOARD_PORT)`]),
    `dashboard: ${d.url}${dashboardToken(config) === undefined ? '' : ' (add ?token=<DASHBOARD_TOKEN>)'}` +
      (config.DASHBOARD_TRADING ? ' — trading ON' : ''),
  ];
}
