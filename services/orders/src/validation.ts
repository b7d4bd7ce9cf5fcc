/**
 * Order validation beyond the schema, pure: order-type parameters, TIF rules per broker, quantity and price rules
 * of the instrument (whole units, the broker's minimum size and size increment when it gives them, prices on the
 * tick grid and positive where the asset class requires it), known account. A failure is a denial (nothing is
 * sent) naming its code and rule. Magnitudes are bounded before this (the schemas: at most 15 significant digits)
 * and after it (the risk limits, shipped on: risk-checks.ts).
 */
import {
  compareDecimal,
  type ErrorCode,
  type Instrument,
  isMultipleOf,
  type OrderType,
  orderPriceProblems,
  type TimeInForce,
} from '@trading-system/contracts';

/** What the OMS knows about one broker connection's rules (static configuration). */
export interface BrokerRules {
  readonly name: string;
  /** Whether GTC orders are accepted for this broker (some paper/sim setups refuse them). */
  readonly allowGtc: boolean;
}

export interface Denial {
  readonly ok: false;
  readonly code: ErrorCode;
  /** Name of the rule that fired, for operators (`limitPrice`, `tickSize`, `maxQuantity`, ...). */
  readonly rule: string;
  readonly message: string;
}

export type Verdict<T = undefined> = { readonly ok: true; readonly value: T } | Denial;

export const deny = (code: ErrorCode, rule: string, message: string): Denial => ({ ok: false, code, rule, message });

export interface OrderParams {
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  readonly quantity: string;
  readonly limitPrice?: string | undefined;
  readonly stopPrice?: string | undefined;
  readonly outsideRth: boolean;
}

/** Instruments traded in whole units (no fractional quantities). */
const WHOLE_UNITS = new Set(['STK', 'FUT', 'OPT', 'CASH']);
/** Instruments whose prices may legitimately be zero or negative (futures, e.g. WTI 2020). */
const SIGNED_PRICE = new Set(['FUT']);

export function validateOrderParams(o: OrderParams, instrument: Instrument, broker: BrokerRules): Verdict {
  const priceProblem = orderPriceProblems(o)[0];
  if (priceProblem !== undefined) return deny('VALIDATION_FAILED', priceProblem.path, priceProblem.message);

  if ((o.tif === 'IOC' || o.tif === 'FOK') && o.orderType !== 'MKT' && o.orderType !== 'LMT')
    return deny('ORDER_TYPE_UNSUPPORTED', 'tif', `${o.tif} is only accepted for MKT and LMT orders`);
  if (o.tif === 'GTC' && !broker.allowGtc)
    return deny('ORDER_TYPE_UNSUPPORTED', 'tif', `broker ${broker.name} does not accept GTC orders`);
  if (o.outsideRth && o.orderType === 'MKT')
    return deny('ORDER_TYPE_UNSUPPORTED', 'outsideRth', 'MKT orders cannot execute outside regular trading hours');
  if (instrument.secType === 'IND') return deny('ORDER_TYPE_UNSUPPORTED', 'secType', 'indices are not tradable');

  if (compareDecimal(o.quantity, '0') <= 0) return deny('VALIDATION_FAILED', 'quantity', 'quantity must be positive');
  if (WHOLE_UNITS.has(instrument.secType) && !isMultipleOf(o.quantity, '1'))
    return deny('VALIDATION_FAILED', 'quantity', `${instrument.secType} quantities are whole units, got ${o.quantity}`);
  // The broker's own size rules, when its contract details give them.
  if (instrument.minSize !== undefined && compareDecimal(o.quantity, instrument.minSize) < 0)
    return deny('VALIDATION_FAILED', 'minSize', `quantity ${o.quantity} is below the minimum ${instrument.minSize}`);
  if (instrument.sizeIncrement !== undefined && !isMultipleOf(o.quantity, instrument.sizeIncrement))
    return deny(
      'VALIDATION_FAILED',
      'sizeIncrement',
      `quantity ${o.quantity} is not a multiple of the size increment ${instrument.sizeIncrement}`,
    );

  for (const [field, price] of [
    ['limitPrice', o.limitPrice],
    ['stopPrice', o.stopPrice],
  ] as const) {
    if (price === undefined) continue;
    if (!SIGNED_PRICE.has(instrument.secType) && compareDecimal(price, '0') <= 0)
      return deny('VALIDATION_FAILED', field, `${field} must be positive for ${instrument.secType}`);
    if (!isMultipleOf(price, instrument.minTick))
      return deny(
        'PRICE_NOT_ON_TICK',
        'tickSize',
        `${field} ${price} is not a multiple of minTick ${instrument.minTick}`,
      );
  }
  return { ok: true, value: undefined };
}

/**
 * The account an order goes to: the named one when the broker manages it, the only one when none is named.
 * `accounts` = the broker session's managed accounts (BrokerStatus.accounts).
 */
export function resolveAccount(requested: string | undefined, accounts: readonly string[]): Verdict<string> {
  if (requested !== undefined) {
    return accounts.includes(requested)
      ? { ok: true, value: requested }
      : deny(
          'ACCOUNT_UNKNOWN',
          'account',
          `account ${requested} is not managed by this broker (${accounts.join(', ')})`,
        );
  }
  const only = accounts.length === 1 ? accounts[0] : undefined;
  if (only !== undefined) return { ok: true, value: only };
  return deny(
    'ACCOUNT_UNKNOWN',
    'account',
    accounts.length === 0
      ? 'the broker reports no managed accounts'
      : `the broker manages several accounts (${accounts.join(', ')}): name one`,
  );
}
