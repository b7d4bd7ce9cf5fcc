/**
 * Trading API v2 routes: account, positions, orders (list, get, by client order id, submit, replace, cancel,
 * cancel all), assets and the market clock.
 */

import type { Clock } from '../clock.js';
import type { AccountIdentity } from '../core/account.js';
import { accountJson, CORE_ACCOUNT, positionJson, totals } from '../core/account.js';
import type { Broker } from '../core/broker.js';
import { API_ERRORS } from '../core/errors.js';
import { LIVE, orderJson, type SimOrder } from '../core/order-json.js';
import type { Asset, AssetCatalog } from '../market/assets.js';
import { currentOrNextSession, isMarketOpen, nextOpenAfter, nyIso } from '../market/calendar.js';
import type { MarketModel } from '../market/prices.js';
import { parseChanges, parseNewOrder } from './order-request.js';
import type { Request, Route } from './router.js';

export interface TradingDeps {
  readonly broker: Broker;
  readonly catalog: AssetCatalog;
  readonly model: MarketModel;
  readonly clock: Clock;
  readonly identity: AccountIdentity;
}

function assetJson(a: Asset): Record<string, unknown> {
  return {
    id: a.id,
    class: a.class,
    exchange: a.exchange,
    symbol: a.symbol,
    name: a.name,
    status: 'active',
    tradable: true,
    marginable: a.marginable,
    maintenance_margin_requirement: a.marginable ? 30 : 100,
    margin_requirement_long: a.marginable ? '50' : '100',
    margin_requirement_short: a.marginable ? '50' : '100',
    shortable: a.shortable,
    easy_to_borrow: a.shortable,
    fractionable: a.fractionable,
    attributes: a.class === 'us_equity' ? ['fractional_eh_enabled', 'has_options'] : [],
    ...(a.class === 'crypto'
      ? { min_order_size: a.minOrderSize, min_trade_increment: a.minTradeIncrement, price_increment: String(a.tick) }
      : {}),
  };
}

function intParam(query: URLSearchParams, key: string, fallback: number, max: number): number {
  const raw = query.get(key);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw API_ERRORS.invalid(`invalid ${key}`);
  return Math.min(n, max);
}

function timeParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw API_ERRORS.invalid(`invalid ${key}`);
  return ms;
}

function listOrders(broker: Broker, q: URLSearchParams): SimOrder[] {
  const status = q.get('status') ?? 'open';
  if (status !== 'open' && status !== 'closed' && status !== 'all') throw API_ERRORS.invalid('invalid status');
  const limit = intParam(q, 'limit', 50, 500);
  const after = timeParam(q, 'after');
  const until = timeParam(q, 'until');
  const direction = q.get('direction') ?? 'desc';
  if (direction !== 'asc' && direction !== 'desc') throw API_ERRORS.invalid('invalid direction');
  const symbols = q
    .get('symbols')
    ?.split(',')
    .filter((s) => s !== '');
  const picked = broker
    .all()
    .filter((o) => status === 'all' || (status === 'open') === LIVE.has(o.status))
    .filter((o) => after === undefined || o.createdAtMs > after)
    .filter((o) => until === undefined || o.createdAtMs < until)
    .filter((o) => !symbols || symbols.includes(o.asset.symbol))
    .sort((a, b) => (direction === 'asc' ? a.createdAtMs - b.createdAtMs : b.createdAtMs - a.createdAtMs));
  return picked.slice(0, limit);
}

function findOrder(broker: Broker, id: string): SimOrder {
  const o = broker.get(id);
  if (!o) throw API_ERRORS.notFound('order not found');
  return o;
}

export function tradingRoutes(d: TradingDeps): Route[] {
  const { broker, catalog, model, clock } = d;
  const positionsJson = () =>
    broker.exchange
      .positions(CORE_ACCOUNT)
      .filter((p) => p.position !== 0)
      .flatMap((p) => {
        const asset = catalog.byIdOf(p.instrumentId);
        return asset ? [positionJson(asset, p, broker.marks(asset), broker.heldForSells(asset))] : [];
      });
  const route = (
    method: string,
    pattern: RegExp,
    handle: (req: Request) => { status: number; body?: unknown },
  ): Route => ({
    method,
    pattern,
    api: 'trading',
    handle,
  });
  return [
    route('GET', /^\/v2\/account$/, () => ({
      status: 200,
      body: accountJson(
        d.identity,
        totals(broker.exchange, catalog, model, clock.now()),
        broker.nonMarginableBuyingPower(),
      ),
    })),
    route('GET', /^\/v2\/positions$/, () => ({ status: 200, body: positionsJson() })),
    route('GET', /^\/v2\/positions\/(.+)$/, (r) => {
      const asset = catalog.find(r.params[0] ?? '');
      const p =
        asset && broker.exchange.positions(CORE_ACCOUNT).find((x) => x.instrumentId === asset.id && x.position !== 0);
      if (!asset || !p) throw API_ERRORS.notFound('position does not exist');
      return { status: 200, body: positionJson(asset, p, broker.marks(asset), broker.heldForSells(asset)) };
    }),
    route('GET', /^\/v2\/orders$/, (r) => ({ status: 200, body: listOrders(broker, r.query).map(orderJson) })),
    route('POST', /^\/v2\/orders$/, (r) => ({
      status: 200,
      body: orderJson(broker.submit(parseNewOrder(r.body, catalog))),
    })),
    route('DELETE', /^\/v2\/orders$/, () => ({ status: 207, body: broker.cancelAll() })),
    route('GET', /^\/v2\/orders:by_client_order_id$/, (r) => {
      const o = broker.byClientOrderId(r.query.get('client_order_id') ?? '');
      if (!o) throw API_ERRORS.notFound('order not found');
      return { status: 200, body: orderJson(o) };
    }),
    route('GET', /^\/v2\/orders\/([^/]+)$/, (r) => ({
      status: 200,
      body: orderJson(findOrder(broker, r.params[0] ?? '')),
    })),
    route('PATCH', /^\/v2\/orders\/([^/]+)$/, (r) => {
      const old = findOrder(broker, r.params[0] ?? '');
      return { status: 200, body: orderJson(broker.replace(old.id, parseChanges(r.body, old))) };
    }),
    route('DELETE', /^\/v2\/orders\/([^/]+)$/, (r) => {
      broker.cancel(r.params[0] ?? '');
      return { status: 204 };
    }),
    route('GET', /^\/v2\/assets$/, (r) => {
      // Alpaca lists US equities unless asked for another class (asset_class defaults to us_equity).
      const cls = r.query.get('asset_class') ?? 'us_equity';
      return { status: 200, body: catalog.all.filter((a) => a.class === cls).map(assetJson) };
    }),
    route('GET', /^\/v2\/assets\/(.+)$/, (r) => {
      const asset = catalog.find(r.params[0] ?? '');
      if (!asset) throw API_ERRORS.notFound('asset not found');
      return { status: 200, body: assetJson(asset) };
    }),
    route('GET', /^\/v2\/clock$/, () => {
      const now = clock.now();
      const open = isMarketOpen(now);
      const session = currentOrNextSession(now);
      return {
        status: 200,
        body: {
          timestamp: nyIso(now),
          is_open: open,
          next_open: nyIso(open ? nextOpenAfter(now).openMs : session.openMs),
          next_close: nyIso(session.closeMs),
        },
      };
    }),
  ];
}
