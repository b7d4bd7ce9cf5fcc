/**
 * `startAlpacaSim(options)`: the asset catalogue, the deterministic market, the exchange core with Alpaca's order
 * layer, the REST server and both WebSocket streams on one port. Returns the bound address, the control surface
 * and `stop()`. Tests start one per file on port 0 with a manual clock and `tickMs: 0`.
 */
import type { AddressInfo } from 'node:net';
import { Exchange } from '@trading-system/exchange';
import { type Clock, realClock } from './clock.js';
import { type AlpacaSimControl, createControl } from './control.js';
import type { AccountIdentity } from './core/account.js';
import { CORE_ACCOUNT } from './core/account.js';
import { ActivityLog } from './core/activities.js';
import { Broker } from './core/broker.js';
import { coreClock, coreQuotes, instrumentLookup } from './core/engine-ports.js';
import { initialFaults, RateLimiter } from './faults.js';
import { accountRoutes } from './http/account-routes.js';
import { dataHistoryRoutes } from './http/data-history-routes.js';
import { dataRoutes } from './http/data-routes.js';
import { dataSnapshotRoutes } from './http/data-snapshot-routes.js';
import { type Credentials, createRestServer, type TlsKeyPair } from './http/router.js';
import { tradingRoutes } from './http/trading-routes.js';
import { type Logger, silentLogger } from './logger.js';
import { AssetCatalog } from './market/assets.js';
import { stableUuid } from './market/hash.js';
import { MarketModel } from './market/prices.js';
import { DATA_FEEDS, DataStream } from './stream/data-stream.js';
import { TradingStream } from './stream/trading-stream.js';

export interface AlpacaSimOptions {
  /** TCP port; 0 picks a free one (tests). Default 8788. */
  readonly port?: number;
  readonly host?: string;
  /** The one API key pair the sim accepts. Defaults are for local tests only. */
  readonly credentials?: Credentials;
  /** Seed of every price path (default 1). */
  readonly seed?: number;
  readonly clock?: Clock;
  /** Opening cash in USD (default 100,000, Alpaca's paper default). */
  readonly startingCash?: number;
  /** REST requests per minute per key before 429 (Alpaca: 200). */
  readonly rateLimitPerMinute?: number;
  /** The wall clock of the rate-limit windows (tests pin it so a minute boundary cannot split a test). */
  readonly rateLimitClock?: () => number;
  /** Wall ms between automatic matching steps and data pumps; 0 disables them (tests drive both). Default 250. */
  readonly tickMs?: number;
  /** Authenticated data-stream connections per feed (default 1, as on most Alpaca plans). */
  readonly dataConnectionLimit?: number;
  /** Wall ms a data-stream client has to authenticate (default 10,000). */
  readonly authTimeoutMs?: number;
  readonly logger?: Logger;
  /**
   * Serve https/wss instead of http/ws. Clients that build their stream URLs themselves need it: the official JS
   * SDK turns any `dataStreamUrl` into `wss://…/v2/{feed}`.
   */
  readonly tls?: TlsKeyPair;
}

export interface RunningAlpacaSim {
  readonly port: number;
  readonly host: string;
  /** `http://host:port` (`https://` with `tls`): the trading and the data base URL alike. */
  readonly baseUrl: string;
  readonly control: AlpacaSimControl;
  stop(): Promise<void>;
}

export const DEFAULT_CREDENTIALS: Credentials = { keyId: 'SIMKEY', secretKey: 'SIMSECRET' };

export async function startAlpacaSim(options: AlpacaSimOptions = {}): Promise<RunningAlpacaSim> {
  const log = options.logger ?? silentLogger;
  const clock = options.clock ?? realClock();
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const catalog = new AssetCatalog();
  const model = new MarketModel(options.seed ?? 1);
  const startingCash = options.startingCash ?? 100_000;
  const exchange = Exchange.open({
    quotes: coreQuotes(catalog, model),
    instruments: instrumentLookup(catalog),
    clock: coreClock(clock),
    accounts: [{ id: CORE_ACCOUNT, startingCash: { USD: startingCash } }],
    // Alpaca charges no commission on stocks; its checks are Alpaca's (broker.ts), not the core's IB margin.
    commissions: {},
    marginCheck: false,
    accountEvents: false,
  });
  const broker = new Broker(exchange, catalog, model, clock, log.child({ component: 'broker' }));
  const identity: AccountIdentity = {
    id: stableUuid('account'),
    accountNumber: 'PA3SIM000001',
    createdAtMs: clock.now(),
    lastEquityMicros: BigInt(Math.round(startingCash * 1_000_000)),
  };
  const activities = new ActivityLog(broker);
  const faults = initialFaults();
  const market = { catalog, model, clock };
  const server = createRestServer({
    routes: [
      ...tradingRoutes({ broker, catalog, model, clock, identity }),
      ...accountRoutes({ broker, catalog, model, clock, identity, activities, startingCash }),
      ...dataRoutes(market),
      ...dataHistoryRoutes(market),
      ...dataSnapshotRoutes(market),
    ],
    credentials,
    faults,
    limiter: new RateLimiter(options.rateLimitPerMinute ?? 200, options.rateLimitClock),
    log: log.child({ component: 'rest' }),
    tls: options.tls,
  });
  const trading = new TradingStream(credentials, log.child({ component: 'trading-stream' }));
  const data = new DataStream({
    credentials,
    catalog,
    model,
    log: log.child({ component: 'data-stream' }),
    connectionLimit: options.dataConnectionLimit ?? 1,
    authTimeoutMs: options.authTimeoutMs ?? 10_000,
  });
  broker.onUpdate((u) => trading.publish(u));
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (path === '/stream') trading.upgrade(req, socket, head);
    else if (DATA_FEEDS[path]) data.upgrade(req, socket, head, path);
    else socket.destroy();
  });
  let pumpedTo = clock.now();
  const pump = (): void => {
    const now = clock.now();
    if (now <= pumpedTo) return;
    data.pump(pumpedTo, now);
    pumpedTo = now;
  };
  const control = createControl({ clock, catalog, model, broker, faults, trading, data, pump });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8788, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const tickMs = options.tickMs ?? 250;
  const ticker =
    tickMs > 0
      ? setInterval(() => {
          try {
            broker.step();
            pump();
          } catch (err) {
            log.error({ err }, 'tick failed');
          }
        }, tickMs)
      : undefined;
  const address = server.address() as AddressInfo;
  log.info({ port: address.port, host: address.address }, 'alpaca-sim listening');
  return {
    port: address.port,
    host: address.address,
    baseUrl: `${options.tls ? 'https' : 'http'}://${address.address}:${address.port}`,
    control,
    stop: async () => {
      clearInterval(ticker);
      await Promise.all([trading.close(), data.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
