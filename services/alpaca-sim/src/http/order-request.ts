/**
 * Parsing and validating Alpaca order requests (POST /v2/orders, PATCH /v2/orders/{id}) into the broker's terms,
 * with Alpaca's 422 answers. Pure: the asset catalogue is the only input besides the body.
 */
import type { NewOrder, OrderChanges } from '../core/broker.js';
import { DecimalFormatError, parseDecimal, toUnits } from '../core/decimal.js';
import { API_ERRORS } from '../core/errors.js';
import type { OrderType, TimeInForce } from '../core/order-json.js';
import { type Asset, type AssetCatalog, QTY_DECIMALS } from '../market/assets.js';

type Body = Readonly<Record<string, unknown>>;

const TYPES: ReadonlySet<string> = new Set(['market', 'limit', 'stop', 'stop_limit']);
const TIFS: ReadonlySet<string> = new Set(['day', 'gtc', 'ioc', 'fok']);

function asBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw API_ERRORS.invalid('request body format is invalid');
  }
  return body as Body;
}

function decimal(body: Body, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  try {
    return parseDecimal(v, field);
  } catch (err) {
    if (err instanceof DecimalFormatError) throw API_ERRORS.invalid(err.message);
    throw err;
  }
}

function price(body: Body, field: string, asset: Asset): number | undefined {
  const p = decimal(body, field);
  if (p === undefined) return undefined;
  if (!(p > 0)) throw API_ERRORS.unprocessable(`${field} must be > 0`);
  const steps = p / asset.tick;
  if (Math.abs(steps - Math.round(steps)) > 1e-6) {
    throw API_ERRORS.unprocessable('sub-penny increment does not fulfill minimum pricing criteria');
  }
  return p;
}

function quantity(qty: number, asset: Asset, tif: TimeInForce): number {
  if (!(qty > 0)) throw API_ERRORS.unprocessable('qty must be > 0');
  const units = toUnits(qty);
  if (units === undefined) {
    throw API_ERRORS.unprocessable(`qty must have at most ${QTY_DECIMALS} decimal places in alpaca-sim`);
  }
  const whole = Number.isInteger(qty);
  if (!whole && asset.class === 'us_equity' && tif !== 'day') {
    throw API_ERRORS.unprocessable('fractional orders must be DAY orders');
  }
  if (asset.minOrderSize !== undefined && qty < Number(asset.minOrderSize)) {
    throw API_ERRORS.unprocessable(`qty must be >= ${asset.minOrderSize}`);
  }
  return units;
}

function text(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw API_ERRORS.invalid(`invalid ${field}`);
  return v;
}

function clientOrderId(body: Body): string | undefined {
  const id = text(body, 'client_order_id');
  if (id !== undefined && (id === '' || id.length > 128)) {
    throw API_ERRORS.invalid('client_order_id must be at most 128 characters');
  }
  return id;
}

export function parseNewOrder(raw: unknown, catalog: AssetCatalog): NewOrder {
  const body = asBody(raw);
  const symbol = text(body, 'symbol');
  if (!symbol) throw API_ERRORS.invalid('symbol is required');
  const asset = catalog.find(symbol);
  if (!asset) throw API_ERRORS.unprocessable(`asset "${symbol}" not found`);
  const side = text(body, 'side');
  if (side !== 'buy' && side !== 'sell') throw API_ERRORS.invalid('invalid side');
  const type = text(body, 'type') ?? text(body, 'order_type');
  if (type === 'trailing_stop') throw API_ERRORS.unprocessable('trailing_stop orders are not supported by alpaca-sim');
  if (!type || !TYPES.has(type)) throw API_ERRORS.invalid('invalid order type');
  const tif = text(body, 'time_in_force');
  if (tif === 'opg' || tif === 'cls')
    throw API_ERRORS.unprocessable(`time_in_force ${tif} is not supported by alpaca-sim`);
  if (!tif || !TIFS.has(tif)) throw API_ERRORS.invalid('invalid time_in_force');
  const orderClass = text(body, 'order_class');
  if (orderClass !== undefined && orderClass !== '' && orderClass !== 'simple') {
    throw API_ERRORS.unprocessable(`order_class ${orderClass} is not supported by alpaca-sim`);
  }
  if (body.notional !== undefined && body.notional !== null) {
    throw API_ERRORS.unprocessable('notional orders are not supported by alpaca-sim');
  }
  if (asset.class === 'crypto' && tif !== 'gtc' && tif !== 'ioc') {
    throw API_ERRORS.unprocessable('invalid crypto time_in_force');
  }
  const qty = decimal(body, 'qty');
  if (qty === undefined) throw API_ERRORS.invalid('qty or notional is required');
  const limitPrice = price(body, 'limit_price', asset);
  const stopPrice = price(body, 'stop_price', asset);
  const needsLimit = type === 'limit' || type === 'stop_limit';
  const needsStop = type === 'stop' || type === 'stop_limit';
  if (needsLimit && limitPrice === undefined) throw API_ERRORS.unprocessable('limit_price is required');
  if (needsStop && stopPrice === undefined) throw API_ERRORS.unprocessable('stop_price is required');
  if (!needsLimit && limitPrice !== undefined) throw API_ERRORS.unprocessable('limit_price must not be set');
  if (!needsStop && stopPrice !== undefined) throw API_ERRORS.unprocessable('stop_price must not be set');
  const extendedHours = body.extended_hours === true;
  if (extendedHours && (type !== 'limit' || tif !== 'day')) {
    throw API_ERRORS.unprocessable('extended hours order must be DAY limit orders');
  }
  return {
    asset,
    side,
    type: type as OrderType,
    tif: tif as TimeInForce,
    qtyUnits: quantity(qty, asset, tif as TimeInForce),
    limitPrice,
    stopPrice,
    extendedHours,
    clientOrderId: clientOrderId(body),
  };
}

/** PATCH body: qty, time_in_force, limit_price, stop_price, client_order_id (all optional, at least one). */
export function parseChanges(
  raw: unknown,
  order: { readonly asset: Asset; readonly type: OrderType; readonly tif: TimeInForce },
): OrderChanges {
  const { asset } = order;
  const body = asBody(raw);
  const tifText = text(body, 'time_in_force');
  if (tifText !== undefined && !TIFS.has(tifText)) throw API_ERRORS.invalid('invalid time_in_force');
  const tif = tifText as TimeInForce | undefined;
  const qty = decimal(body, 'qty');
  const limitPrice = price(body, 'limit_price', asset);
  const stopPrice = price(body, 'stop_price', asset);
  const id = clientOrderId(body);
  if (body.trail !== undefined) throw API_ERRORS.unprocessable('trail is not supported by alpaca-sim');
  if (
    qty === undefined &&
    tif === undefined &&
    limitPrice === undefined &&
    stopPrice === undefined &&
    id === undefined
  ) {
    throw API_ERRORS.unprocessable(
      'at least one of qty, time_in_force, limit_price, stop_price or client_order_id is required',
    );
  }
  if (limitPrice !== undefined && order.type !== 'limit' && order.type !== 'stop_limit') {
    throw API_ERRORS.unprocessable('limit_price must not be set');
  }
  if (stopPrice !== undefined && order.type !== 'stop' && order.type !== 'stop_limit') {
    throw API_ERRORS.unprocessable('stop_price must not be set');
  }
  return {
    ...(qty === undefined ? {} : { qtyUnits: quantity(qty, asset, tif ?? order.tif) }),
    ...(tif === undefined ? {} : { tif }),
    ...(limitPrice === undefined ? {} : { limitPrice }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
    ...(id === undefined ? {} : { clientOrderId: id }),
  };
}
