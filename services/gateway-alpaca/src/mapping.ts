/**
 * Alpaca's words to the contract's and back, pure: order statuses to BrokerOrderState, orders, fills, positions,
 * the account and quotes to contract messages, and our placeOrder to Alpaca's order request.
 *
 * Identities. An instrument's id is its Alpaca asset UUID as Alpaca writes it (hex and dashes: subject-safe, stable
 * forever, the same in every gateway instance). The version before named instruments by 31-bit integers hashed
 * from the UUID (legacyInstrumentIdOf); ledger rows and bar caches written then still name them so, and the gateway
 * keeps accepting those ids as aliases of the asset (broker.ts assetsById). Broker order ids are strings: ours is the order's
 * client_order_id at Alpaca, which Alpaca keys orders by too (orders:by_client_order_id). Not Alpaca's UUID, since a
 * replace answers with a new order (new UUID) while the order id must stay: the replacement carries
 * `<clientOrderId>.<suffix>` as its client_order_id (ours never contain a dot), so the root is always ours.
 */
import { createHash } from 'node:crypto';
import {
  type AccountSummary,
  addDecimal,
  type BrokerExecutionData,
  type BrokerOrder,
  type BrokerOrderState,
  type BrokerPlaceOrderRequest,
  compareDecimal,
  divDecimal,
  type Instrument,
  mulDecimal,
  normalizeDecimal,
  type OrderType,
  type Position,
  subDecimal,
  type Tick,
  type TimeInForce,
} from '@trading-system/contracts';
import type { AlpacaOrderRequest } from './alpaca-port.js';
import type { AlpacaAccount, AlpacaAsset, AlpacaOrder, AlpacaPosition, AlpacaQuote } from './wire.js';

/** A positive 31-bit integer derived from `s` (1..2^31-1). */
export function stableInt(s: string): number {
  const n = createHash('sha256').update(s).digest().readUInt32BE(0) & 0x7fff_ffff;
  return n === 0 ? 1 : n;
}

/** The instrument id of an Alpaca asset: the asset UUID itself (see Identities above). */
export const instrumentIdOf = (assetId: string): string => assetId;
/**
 * The id the version before gave an asset (hash of its UUID as a decimal string, what it used as an IB-style conId).
 * Only read: requests naming instruments by ids stored then still resolve to the asset; nothing new carries it.
 */
export const legacyInstrumentIdOf = (assetId: string): string => String(stableInt(`asset:${assetId}`));
/** The broker order id of our order: its root client_order_id at Alpaca, stable across replaces (see above). */
export const orderIdOf = (rootClientOrderId: string): string => rootClientOrderId;

/** Our clientOrderId from Alpaca's client_order_id (a replacement's carries a `.<suffix>`). */
export const rootClientOrderId = (alpacaClientOrderId: string): string => alpacaClientOrderId.split('.')[0] ?? '';

/** The client_order_id of a replacement: unique at Alpaca, its root still ours. */
export const replacementClientOrderId = (clientOrderId: string, nowMs: number): string =>
  `${clientOrderId}.r${nowMs.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

/**
 * Alpaca order status → BrokerOrderState. Alpaca tells a time-in-force end (`expired`: DAY at the close, IOC/FOK
 * remainders) from a cancel (`canceled`), and so do we: the OMS records a DAY order's expiry as `expired`, which it
 * could not infer from `cancelled` (only IOC/FOK are read as expired). `replaced` is not a state of our order (its
 * replacement continues it) and gives undefined.
 */
export function brokerState(status: string): BrokerOrderState | undefined {
  switch (status) {
    case 'pending_new':
    case 'accepted':
      return 'pendingSubmit';
    case 'new':
    case 'partially_filled':
    case 'pending_replace':
    case 'accepted_for_bidding':
    case 'calculated':
      return 'working';
    case 'done_for_day':
    case 'held':
    case 'suspended':
    case 'stopped':
      return 'held';
    case 'pending_cancel':
      return 'pendingCancel';
    case 'canceled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'filled':
      return 'filled';
    case 'rejected':
      return 'rejected';
    case 'replaced':
      return undefined;
    default:
      return 'working';
  }
}

const ALPACA_TYPES: Record<OrderType, AlpacaOrderRequest['type']> = {
  MKT: 'market',
  LMT: 'limit',
  STP: 'stop',
  'STP LMT': 'stop_limit',
};
const OUR_TYPES: Record<string, OrderType> = { market: 'MKT', limit: 'LMT', stop: 'STP', stop_limit: 'STP LMT' };
export const alpacaTif = (tif: TimeInForce): AlpacaOrderRequest['time_in_force'] =>
  tif.toLowerCase() as AlpacaOrderRequest['time_in_force'];
const OUR_TIFS: Record<string, TimeInForce> = { day: 'DAY', gtc: 'GTC', ioc: 'IOC', fok: 'FOK' };

/** Our order as Alpaca's order request. */
export function toAlpacaOrder(b: BrokerPlaceOrderRequest, symbol: string): AlpacaOrderRequest {
  return {
    symbol,
    qty: b.quantity,
    side: b.side === 'BUY' ? 'buy' : 'sell',
    type: ALPACA_TYPES[b.orderType],
    time_in_force: alpacaTif(b.tif),
    ...(b.limitPrice === undefined ? {} : { limit_price: b.limitPrice }),
    ...(b.stopPrice === undefined ? {} : { stop_price: b.stopPrice }),
    ...(b.outsideRth ? { extended_hours: true } : {}),
    client_order_id: b.clientOrderId,
  };
}

/** The contract's asset class of an Alpaca asset class (undefined: one the gateway does not trade). */
export function secTypeOf(assetClass: string | undefined): 'STK' | 'CRYPTO' | undefined {
  return assetClass === 'us_equity' ? 'STK' : assetClass === 'crypto' ? 'CRYPTO' : undefined;
}

/**
 * An asset as the contract's instrument (US stocks: SMART-like routing is Alpaca's, the listing is `exchange`;
 * crypto pairs as Alpaca names them, `BTC/USD`, quoted in the pair's second currency, in steps of
 * `min_trade_increment`).
 */
export function toInstrument(a: AlpacaAsset): Instrument {
  const crypto = a.class === 'crypto';
  const quoteCurrency = crypto ? (a.symbol.split('/')[1] ?? 'USD') : 'USD';
  return {
    id: instrumentIdOf(a.id),
    secType: crypto ? 'CRYPTO' : 'STK',
    symbol: a.symbol,
    localSymbol: a.symbol,
    exchange: 'ALPACA',
    ...(/^[A-Za-z0-9_.-]{1,32}$/.test(a.exchange) ? { primaryExchange: a.exchange } : {}),
    currency: /^[A-Z]{3}$/.test(quoteCurrency) ? quoteCurrency : 'USD',
    minTick: normalizeDecimal(a.price_increment ?? '0.01'),
    sizeIncrement: crypto
      ? normalizeDecimal(a.min_trade_increment ?? '0.000000001')
      : a.fractionable === true
        ? '0.0001'
        : '1',
    timeZone: crypto ? 'UTC' : 'America/New_York',
    ...(a.name === undefined ? {} : { longName: a.name.slice(0, 256) }),
  };
}

const dec = (s: string | null | undefined): string | undefined =>
  s === null || s === undefined || s === '' ? undefined : normalizeDecimal(s);

export function toBrokerOrder(o: AlpacaOrder, instrument: Instrument, account: string): BrokerOrder | undefined {
  const status = brokerState(o.status);
  const orderType = OUR_TYPES[o.type];
  const tif = OUR_TIFS[o.time_in_force];
  if (status === undefined || orderType === undefined || tif === undefined) return undefined;
  const root = rootClientOrderId(o.client_order_id);
  const qty = dec(o.qty) ?? '0';
  const filled = dec(o.filled_qty) ?? '0';
  const remaining = FINAL_FOR_REMAINING.has(status) ? '0' : subDecimal(qty, filled);
  const limitPrice = dec(o.limit_price);
  const stopPrice = dec(o.stop_price);
  return {
    orderId: orderIdOf(root),
    permId: orderIdOf(root),
    clientOrderId: root,
    account,
    instrument,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    quantity: compareDecimal(qty, '0') > 0 ? qty : filled,
    orderType,
    ...(limitPrice === undefined ? {} : { limitPrice }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
    tif,
    outsideRth: o.extended_hours === true,
    status,
    filled,
    remaining: compareDecimal(remaining, '0') < 0 ? '0' : remaining,
  };
}
const FINAL_FOR_REMAINING: ReadonlySet<BrokerOrderState> = new Set(['cancelled', 'expired', 'filled', 'rejected']);

/**
 * The execution id of the fill that took an order (by Alpaca UUID) to `cumQty`. Derived from the cumulative
 * quantity, not from Alpaca's execution_id, so a fill seen on the stream and the same fill recovered from the
 * order's filled fields after a reconnect or a restart get one id, and the event store drops the second.
 */
export const execIdOf = (alpacaOrderId: string, cumQty: string): string =>
  `${alpacaOrderId}-${normalizeDecimal(cumQty).replace('.', '_')}`.slice(0, 64);

/**
 * The fill between two readings of an order's filled fields: quantity and price of what was filled in between
 * (the price from the change of filled notional, exact to 10 decimals), or undefined when nothing was.
 */
export function fillBetween(
  before: { filled: string; avgPrice: string | undefined },
  after: { filled: string; avgPrice: string | undefined },
): { quantity: string; price: string } | undefined {
  const quantity = subDecimal(after.filled, before.filled);
  if (compareDecimal(quantity, '0') <= 0 || after.avgPrice === undefined) return undefined;
  const notionalBefore = before.avgPrice === undefined ? '0' : mulDecimal(before.avgPrice, before.filled);
  const notional = subDecimal(mulDecimal(after.avgPrice, after.filled), notionalBefore);
  return { quantity, price: normalizeDecimal(divDecimal(notional, quantity, 10)) };
}

export function toExecution(
  o: AlpacaOrder,
  account: string,
  instrumentId: string,
  fill: { quantity: string; price: string; cumQty: string; timeMs: number },
): BrokerExecutionData {
  const root = rootClientOrderId(o.client_order_id);
  return {
    orderId: orderIdOf(root),
    permId: orderIdOf(root),
    clientOrderId: root,
    execId: execIdOf(o.id, fill.cumQty),
    account,
    instrumentId,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    quantity: fill.quantity,
    price: fill.price,
    cumQty: normalizeDecimal(fill.cumQty),
    avgPrice: dec(o.filled_avg_price) ?? fill.price,
    exchange: 'ALPACA',
    execTimeMs: fill.timeMs,
  };
}

/** A position; `symbol` is the asset's (Alpaca names crypto positions without the slash: BTCUSD for BTC/USD). */
export function toPosition(broker: string, account: string, p: AlpacaPosition, symbol = p.symbol): Position {
  const qty = normalizeDecimal(p.qty);
  return {
    broker,
    account,
    instrumentId: instrumentIdOf(p.asset_id),
    symbol,
    secType: secTypeOf(p.asset_class) ?? 'STK',
    currency: 'USD',
    quantity: qty,
    avgCost: normalizeDecimal(p.avg_entry_price),
    ...(dec(p.current_price) === undefined ? {} : { marketPrice: dec(p.current_price) }),
    ...(dec(p.market_value) === undefined ? {} : { marketValue: dec(p.market_value) }),
    ...(dec(p.unrealized_pl) === undefined ? {} : { unrealizedPnl: dec(p.unrealized_pl) }),
  };
}

export function toAccountSummary(broker: string, a: AlpacaAccount, nowMs: number): AccountSummary {
  const values = (
    [
      ['cash', a.cash],
      ['equity', a.equity],
      ['buying_power', a.buying_power],
      ['long_market_value', a.long_market_value],
      ['short_market_value', a.short_market_value],
      ['initial_margin', a.initial_margin],
      ['maintenance_margin', a.maintenance_margin],
    ] as const
  ).flatMap(([key, v]) => (v === undefined ? [] : [{ key, value: normalizeDecimal(v), currency: a.currency }]));
  const gross =
    a.long_market_value === undefined || a.short_market_value === undefined
      ? undefined
      : addDecimal(a.long_market_value, a.short_market_value.replace(/^-/, ''));
  return {
    broker,
    account: a.account_number,
    currency: a.currency,
    netLiquidation: normalizeDecimal(a.equity),
    totalCashValue: normalizeDecimal(a.cash),
    buyingPower: normalizeDecimal(a.buying_power),
    ...(a.initial_margin === undefined ? {} : { initMarginReq: normalizeDecimal(a.initial_margin) }),
    ...(a.maintenance_margin === undefined ? {} : { maintMarginReq: normalizeDecimal(a.maintenance_margin) }),
    ...(gross === undefined ? {} : { grossPositionValue: gross }),
    values,
    tsEventMs: nowMs,
  };
}

/** A JSON number of Alpaca's quote as decimal text (shortest round-trip form). */
const numText = (n: number): string => normalizeDecimal(n.toFixed(10));

export function toTick(broker: string, instrumentId: string, q: AlpacaQuote, nowMs: number): Tick {
  const t = Date.parse(q.t);
  return {
    v: 1,
    broker,
    instrumentId,
    bid: numText(q.bp),
    ask: numText(q.ap),
    bidSize: numText(q.bs),
    askSize: numText(q.as),
    tsEventMs: Number.isNaN(t) ? nowMs : t,
    tsInitMs: nowMs,
    delayed: false,
  };
}
