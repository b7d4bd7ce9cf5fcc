/**
 * Closing positions as Alpaca does: a market order on the opposite side for the position (or `qty` of it, or
 * `percentage` of it), DAY for stocks and GTC for crypto, subject to the same checks as any order (shares held by
 * open sell orders are not available: 403). Closing all answers per symbol, as the 207 multi-status body lists.
 */
import type { Broker } from '../core/broker.js';
import { DecimalFormatError, parseDecimal, toUnits } from '../core/decimal.js';
import { API_ERRORS, ApiError } from '../core/errors.js';
import type { SimOrder } from '../core/order-json.js';
import type { Asset, AssetCatalog } from '../market/assets.js';

function closingOrder(broker: Broker, asset: Asset, units: number): SimOrder {
  return broker.submit({
    asset,
    side: units > 0 ? 'sell' : 'buy',
    type: 'market',
    tif: asset.class === 'crypto' ? 'gtc' : 'day',
    qtyUnits: Math.abs(units),
    limitPrice: undefined,
    stopPrice: undefined,
    extendedHours: false,
    clientOrderId: undefined,
  });
}

function decimalParam(text: string, field: string): number {
  try {
    return parseDecimal(text, field);
  } catch (err) {
    if (err instanceof DecimalFormatError) throw API_ERRORS.invalid(err.message);
    throw err;
  }
}

function unitsToClose(held: number, query: URLSearchParams): number {
  const qty = query.get('qty');
  const pct = query.get('percentage');
  if (qty !== null && pct !== null) throw API_ERRORS.invalid('only one of qty or percentage may be set');
  if (qty !== null) {
    const units = toUnits(decimalParam(qty, 'qty'));
    if (units === undefined || units <= 0) throw API_ERRORS.invalid('invalid qty');
    if (units > Math.abs(held)) throw API_ERRORS.forbidden('insufficient qty available for order');
    return Math.sign(held) * units;
  }
  if (pct !== null) {
    const p = decimalParam(pct, 'percentage');
    if (!(p > 0 && p <= 100)) throw API_ERRORS.invalid('invalid percentage');
    return Math.trunc((held * p) / 100);
  }
  return held;
}

export function closePosition(broker: Broker, catalog: AssetCatalog, symbolOrId: string, query: URLSearchParams) {
  const asset = catalog.find(symbolOrId);
  const held = asset ? broker.positionUnits(asset) : 0;
  if (!asset || held === 0) throw API_ERRORS.notFound(`position not found: ${symbolOrId}`);
  return closingOrder(broker, asset, unitsToClose(held, query));
}

export interface CloseResult {
  readonly symbol: string;
  readonly status: number;
  readonly order?: SimOrder;
  readonly error?: { code: number; message: string };
}

export function closeAllPositions(broker: Broker, catalog: AssetCatalog, cancelOrders: boolean): CloseResult[] {
  if (cancelOrders) broker.cancelAll();
  return catalog.all.flatMap((asset): CloseResult[] => {
    const held = broker.positionUnits(asset);
    if (held === 0) return [];
    // Alpaca names crypto positions without the slash.
    const symbol = asset.symbol.replace('/', '');
    try {
      return [{ symbol, status: 200, order: closingOrder(broker, asset, held) }];
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return [{ symbol, status: err.status, error: err.body() }];
    }
  });
}
