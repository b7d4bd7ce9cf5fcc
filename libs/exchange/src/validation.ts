/**
 * placeOrder validation with TWS's answers (spec §4.2 G): a failure is an error event only, nothing is
 * created. Order of checks follows what TWS reports first for a request with several faults: the contract,
 * then the size, then missing fields, then ticks.
 */
import { ORDER_ERRORS, type TwsNotice } from './errors.js';
import type { OrderAction, OrderRequest, OrderType, TimeInForce } from './order-types.js';
import type { InstrumentSpec } from './ports.js';

export interface ValidOrder {
  readonly action: OrderAction;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  readonly totalQuantity: number;
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly outsideRth: boolean;
  readonly account: string;
  readonly orderRef: string;
}

export type Validation =
  | { readonly ok: true; readonly order: ValidOrder }
  | { readonly ok: false; readonly error: TwsNotice };

const ORDER_TYPES: ReadonlySet<string> = new Set(['MKT', 'LMT', 'STP', 'STP LMT']);
const TIFS: ReadonlySet<string> = new Set(['DAY', 'GTC', 'IOC', 'FOK']);

export function conformsToTick(price: number, minTick: number): boolean {
  const steps = price / minTick;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/** The limit's fault, then the stop's (TWS's order): a function, not a loop over a new array per order. */
function badPrice(price: number | undefined, minTick: number): TwsNotice | undefined {
  if (price === undefined) return undefined;
  if (price <= 0) return ORDER_ERRORS.validation('The price must be positive');
  if (!conformsToTick(price, minTick)) return ORDER_ERRORS.priceVariation();
  return undefined;
}

function fail(error: TwsNotice): Validation {
  return { ok: false, error };
}

/** `accounts` are the known account codes; the first one is the default. */
export function validateOrder(
  req: OrderRequest,
  spec: InstrumentSpec | undefined,
  accounts: readonly string[],
): Validation {
  if (!spec) return fail(ORDER_ERRORS.noSecurityDefinition());
  const qty = req.totalQuantity;
  if (!Number.isFinite(qty) || qty <= 0) return fail(ORDER_ERRORS.zeroSize());
  if (!Number.isInteger(qty)) return fail(ORDER_ERRORS.validation('Fractional-sized orders are not supported.'));
  const actionText = req.action.toUpperCase();
  const action: OrderAction | undefined =
    actionText === 'BUY' ? 'BUY' : actionText === 'SELL' || actionText === 'SSHORT' ? 'SELL' : undefined;
  if (!action) return fail(ORDER_ERRORS.validation(`Invalid order action: ${req.action}`));
  const orderType = req.orderType.toUpperCase();
  if (!ORDER_TYPES.has(orderType)) return fail(ORDER_ERRORS.validation(`Unsupported order type: ${req.orderType}`));
  const tif = (req.tif ?? '').toUpperCase() || 'DAY';
  if (!TIFS.has(tif)) return fail(ORDER_ERRORS.validation(`Unsupported time in force: ${req.tif}`));
  const needsLimit = orderType === 'LMT' || orderType === 'STP LMT';
  const needsStop = orderType === 'STP' || orderType === 'STP LMT';
  const lmtPrice = needsLimit ? req.lmtPrice : undefined;
  const auxPrice = needsStop ? req.auxPrice : undefined;
  if (needsLimit && (lmtPrice === undefined || !Number.isFinite(lmtPrice))) {
    return fail(ORDER_ERRORS.validation('Missing limit price'));
  }
  if (needsStop && (auxPrice === undefined || !Number.isFinite(auxPrice))) {
    return fail(ORDER_ERRORS.validation('Missing stop price'));
  }
  const priceError = badPrice(lmtPrice, spec.minTick) ?? badPrice(auxPrice, spec.minTick);
  if (priceError !== undefined) return fail(priceError);
  const account = req.account || accounts[0];
  if (account === undefined || !accounts.includes(account)) {
    return fail(ORDER_ERRORS.validation(`Invalid account code: ${req.account}`));
  }
  return {
    ok: true,
    order: {
      action,
      orderType: orderType as OrderType,
      tif: tif as TimeInForce,
      totalQuantity: qty,
      lmtPrice,
      auxPrice,
      outsideRth: req.outsideRth ?? false,
      account,
      orderRef: req.orderRef ?? '',
    },
  };
}
