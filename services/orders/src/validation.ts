/**
 * Order validation beyond the schema, pure: order-type parameters, what the broker announces it takes (its
 * capabilities: order type, TIF for the type, asset class, outside-RTH, fractional quantities), quantity and price
 * rules of the instrument (the broker's minimum size and size increment when it gives them, prices on the tick grid
 * and positive where the asset class requires it), known account. A failure is a denial (nothing is sent) naming
 * its code and rule. Magnitudes are bounded before this (the schemas: at most 15 significant digits)
 * and after it (the risk limits, shipped on: risk-checks.ts).
 */
import {
  type BrokerCapabilities,
  compareDecimal,
  type ErrorCode,
  type Instrument,
  isMultipleOf,
  type OrderType,
  orderCapabilityProblem,
  orderPriceProblems,
  type TimeInForce,
} from '@trading-system/contracts';

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

/** Instruments whose prices may legitimately be zero or negative (futures, e.g. WTI 2020). */
const SIGNED_PRICE = new Set(['FUT']);

/**
 * `capabilities`: what the target broker announces (BrokerStatus.capabilities); undefined when it announced none,
 * and then nothing is sent to it (BROKER_CAPABILITIES_UNKNOWN): the OMS cannot tell what it would take.
 */
export function validateOrderParams(
  o: OrderParams,
  instrument: Instrument,
  capabilities: BrokerCapabilities | undefined,
): Verdict {
  const priceProblem = orderPriceProblems(o)[0];
  if (priceProblem !== undefined) return deny('VALIDATION_FAILED', priceProblem.path, priceProblem.message);
  if (compareDecimal(o.quantity, '0') <= 0) return deny('VALIDATION_FAILED', 'quantity', 'quantity must be positive');

  if (capabilities === undefined)
    return deny('BROKER_CAPABILITIES_UNKNOWN', 'capabilities', 'the broker has not announced what orders it takes');
  const unsupported = orderCapabilityProblem(capabilities, { ...o, secType: instrument.secType });
  if (unsupported !== undefined) return deny(unsupported.code, unsupported.rule, unsupported.message);

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
