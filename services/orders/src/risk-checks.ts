/**
 * Pre-trade risk, pure. Every input the checks need is passed in (limits, trading mode, quote, position, counts);
 * the first failing check is returned as a denial naming its rule. All arithmetic is exact decimal.
 *
 * Limit sets: a default set, one per account and one per strategy tag. Every set that applies to the order is
 * checked (so the strictest limit wins); counts are per account for the default/account sets and per strategy
 * for strategy sets. The default set always carries the shipped limits (DEFAULT_RISK_LIMITS), raised or lowered
 * by the operator but never absent.
 */
import {
  addDecimal,
  compareDecimal,
  divDecimal,
  mulDecimal,
  negateDecimal,
  type OrderSide,
  type OrderType,
  type RiskLimits,
  subDecimal,
  type TradingMode,
} from '@trading-system/contracts';
import { type Denial, deny } from './validation.js';

export interface RiskConfig {
  readonly default: RiskLimits;
  readonly accounts: Readonly<Record<string, RiskLimits>>;
  readonly strategies: Readonly<Record<string, RiskLimits>>;
}

/**
 * The limits every deployment starts with (orders' main.ts when ORDERS_RISK_LIMITS is unset, the embedded
 * runtime) and keeps: a default set given without one of them (ORDERS_RISK_LIMITS, orders.riskLimits, a stored
 * setting) gets the shipped value. A guard against fat fingers and runaway programs, not a trading policy:
 * - maxOrderQuantity 100,000 units (shares, contracts, base currency) per order;
 * - maxOrderNotional 1,000,000 per order, in the instrument's currency (worst fill price × quantity × multiplier);
 * - priceCollarPercent 20: a limit price more than 20% through the reference price (the last quote) is denied.
 */
export const DEFAULT_RISK_LIMITS: Readonly<
  Required<Pick<RiskLimits, 'maxOrderQuantity' | 'maxOrderNotional' | 'priceCollarPercent'>>
> = Object.freeze({ maxOrderQuantity: '100000', maxOrderNotional: '1000000', priceCollarPercent: '20' });

const SHIPPED = Object.keys(DEFAULT_RISK_LIMITS) as Array<keyof typeof DEFAULT_RISK_LIMITS>;

/** A default limit set with each shipped limit it lacks taken from `from` (the shipped values by default). */
export function withShippedLimits(limits: RiskLimits, from: RiskLimits = DEFAULT_RISK_LIMITS): RiskLimits {
  const out: RiskLimits = { ...limits };
  for (const k of SHIPPED) if (out[k] === undefined && from[k] !== undefined) out[k] = from[k];
  return out;
}

/** `config` with the shipped limits in its default set (see DEFAULT_RISK_LIMITS). */
export function withShippedDefaults(config: RiskConfig): RiskConfig {
  return { ...config, default: withShippedLimits(config.default) };
}

/** What a deployment starts with: the shipped default set, no account or strategy sets. */
export const DEFAULT_RISK_CONFIG: RiskConfig = Object.freeze({
  default: DEFAULT_RISK_LIMITS,
  accounts: {},
  strategies: {},
});

/**
 * No limits at all, for tests of other rules only. No deployment path starts from it: main.ts and the embedded
 * runtime start from DEFAULT_RISK_CONFIG.
 */
export const EMPTY_RISK_CONFIG: RiskConfig = { default: {}, accounts: {}, strategies: {} };

export interface RiskOrder {
  readonly account: string;
  readonly strategy?: string | undefined;
  readonly side: OrderSide;
  readonly quantity: string;
  readonly orderType: OrderType;
  readonly limitPrice?: string | undefined;
  readonly stopPrice?: string | undefined;
  /** Contract multiplier ("1" when the instrument has none). */
  readonly multiplier: string;
}

/** Latest quote seen for the instrument (md.tick.*), fields absent while unknown. */
export interface Quote {
  readonly bid?: string | undefined;
  readonly ask?: string | undefined;
  readonly last?: string | undefined;
}

export interface Counts {
  /** Open (non-final) orders of the account / of the strategy. */
  readonly openOrders: number;
  /** Order commands of the account / strategy within the last second, this one excluded. */
  readonly commandsLastSecond: number;
}

export interface RiskInput {
  readonly order: RiskOrder;
  readonly mode: TradingMode;
  readonly config: RiskConfig;
  readonly quote: Quote | undefined;
  /** Signed ledger position of the account in the instrument ("0" when flat). */
  readonly position: string;
  readonly accountCounts: Counts;
  readonly strategyCounts: Counts;
}

const abs = (d: string): string => (compareDecimal(d, '0') < 0 ? negateDecimal(d) : d);

/** Signed position change of an order: +quantity for BUY, −quantity for SELL. */
export function signedQuantity(side: OrderSide, quantity: string): string {
  return side === 'BUY' ? quantity : negateDecimal(quantity);
}

/** Reference price for collars and market notional: last trade, else the bid/ask midpoint. */
export function referencePrice(q: Quote | undefined): string | undefined {
  if (q === undefined) return undefined;
  if (q.last !== undefined) return q.last;
  if (q.bid !== undefined && q.ask !== undefined) return divDecimal(addDecimal(q.bid, q.ask), '2', 8);
  return undefined;
}

/** True when the order only reduces the position (opposite side, not beyond flat). */
export function isReducing(position: string, side: OrderSide, quantity: string): boolean {
  const sign = compareDecimal(position, '0');
  if (sign === 0) return false;
  if ((sign > 0 && side !== 'SELL') || (sign < 0 && side !== 'BUY')) return false;
  return compareDecimal(quantity, abs(position)) <= 0;
}

/** The limit sets that apply to an order: the default, its account's and its strategy's. */
function applicableSets(input: Pick<RiskInput, 'order' | 'config'>): Array<RiskLimits | undefined> {
  const { order, config } = input;
  return [
    config.default,
    config.accounts[order.account],
    order.strategy === undefined ? undefined : config.strategies[order.strategy],
  ];
}

/**
 * Whether the checks of this order need a reference price (a quote): a LMT order under a price collar, or a
 * market order under a notional limit. The OMS fetches one from the broker when it has none and this says so.
 */
export function referenceNeeded(input: Pick<RiskInput, 'order' | 'config' | 'mode'>): boolean {
  if (input.mode === 'halted') return false;
  const { orderType } = input.order;
  return applicableSets(input).some(
    (l) =>
      (l?.priceCollarPercent !== undefined && orderType === 'LMT') ||
      (l?.maxOrderNotional !== undefined && orderType === 'MKT'),
  );
}

/**
 * The worst price the order can fill at, as far as it is known: a BUY's limit caps it; otherwise the largest (in
 * magnitude) of its limit, its stop and the reference. Undefined when none is known (a market order without a quote).
 */
export function valuationPrice(order: RiskOrder, reference: string | undefined): string | undefined {
  if (order.side === 'BUY' && order.limitPrice !== undefined) return order.limitPrice;
  const known = [order.limitPrice, order.stopPrice, reference].filter((p): p is string => p !== undefined);
  return known.reduce<string | undefined>(
    (max, p) => (max === undefined || compareDecimal(abs(p), abs(max)) > 0 ? p : max),
    undefined,
  );
}

/**
 * A limit price more than `percent` % through its reference: a BUY above ref × (1 + p/100), a SELL below
 * ref × (1 − p/100). Only the aggressive side is collared: a limit on the passive side cannot fill worse than
 * itself (a bid far below the market is legitimate and harmless). The reference of a LMT order is the quote, of
 * a STP LMT its own stop price (its limit applies once the stop has triggered). STP orders have no limit; once
 * triggered they are market orders, bounded by the notional limit.
 */
export function collarBreach(
  order: RiskOrder,
  reference: string | undefined,
  percent: string,
): { price: string; reference: string } | 'noReference' | undefined {
  if (order.limitPrice === undefined) return undefined;
  const ref = order.orderType === 'STP LMT' ? order.stopPrice : reference;
  if (ref === undefined) return 'noReference';
  // Exact: (price − ref) × 100 compared with percent × |ref|, signed by the side.
  const through = mulDecimal(subDecimal(order.limitPrice, ref), order.side === 'BUY' ? '100' : '-100');
  return compareDecimal(through, mulDecimal(percent, abs(ref))) > 0
    ? { price: order.limitPrice, reference: ref }
    : undefined;
}

/** The first failing check, or undefined when the order passes. */
export function checkRisk(input: RiskInput): Denial | undefined {
  const { order, mode } = input;
  if (mode === 'halted') return deny('TRADING_HALTED', 'tradingState', 'trading is halted');
  if (mode === 'reducingOnly' && !isReducing(input.position, order.side, order.quantity))
    return deny(
      'TRADING_REDUCING_ONLY',
      'tradingState',
      `trading is reducing-only and ${order.side} ${order.quantity} does not reduce position ${input.position}`,
    );
  const sets: Array<[string, RiskLimits | undefined, Counts]> = [
    ['default', input.config.default, input.accountCounts],
    [`account:${order.account}`, input.config.accounts[order.account], input.accountCounts],
  ];
  if (order.strategy !== undefined)
    sets.push([`strategy:${order.strategy}`, input.config.strategies[order.strategy], input.strategyCounts]);
  for (const [scope, limits, counts] of sets) {
    if (limits === undefined) continue;
    const denial = checkLimits(input, limits, counts, scope);
    if (denial !== undefined) return denial;
  }
  return undefined;
}

function checkLimits(input: RiskInput, limits: RiskLimits, counts: Counts, scope: string): Denial | undefined {
  const { order } = input;
  const where = scope === 'default' ? '' : ` (${scope})`;
  if (limits.maxCommandsPerSecond !== undefined && counts.commandsLastSecond >= limits.maxCommandsPerSecond)
    return deny(
      'RISK_RATE_LIMIT',
      'maxCommandsPerSecond',
      `more than ${limits.maxCommandsPerSecond} order commands per second${where}`,
    );
  if (limits.maxOrderQuantity !== undefined && compareDecimal(order.quantity, limits.maxOrderQuantity) > 0)
    return deny(
      'RISK_MAX_QUANTITY',
      'maxOrderQuantity',
      `quantity ${order.quantity} exceeds ${limits.maxOrderQuantity}${where}`,
    );
  if (limits.maxOpenOrders !== undefined && counts.openOrders >= limits.maxOpenOrders)
    return deny('RISK_MAX_OPEN_ORDERS', 'maxOpenOrders', `${counts.openOrders} orders already open${where}`);
  if (limits.maxPosition !== undefined) {
    const after = addDecimal(input.position, signedQuantity(order.side, order.quantity));
    if (compareDecimal(abs(after), limits.maxPosition) > 0)
      return deny(
        'RISK_MAX_POSITION',
        'maxPosition',
        `position would be ${after}, beyond ±${limits.maxPosition}${where}`,
      );
  }
  const reference = referencePrice(input.quote);
  if (limits.priceCollarPercent !== undefined) {
    const breach = collarBreach(order, reference, limits.priceCollarPercent);
    if (breach === 'noReference')
      return deny('RISK_NO_REFERENCE_PRICE', 'priceCollar', `no quote seen for the instrument${where}`);
    if (breach !== undefined)
      return deny(
        'RISK_PRICE_COLLAR',
        'priceCollar',
        `${order.side} limit ${breach.price} is more than ${limits.priceCollarPercent}% through reference ${breach.reference}${where}`,
      );
  }
  if (limits.maxOrderNotional !== undefined) {
    const price = valuationPrice(order, reference);
    if (price === undefined)
      return deny('RISK_NO_REFERENCE_PRICE', 'maxOrderNotional', `no price to value a ${order.orderType} order`);
    const notional = abs(mulDecimal(mulDecimal(price, order.quantity), order.multiplier));
    if (compareDecimal(notional, limits.maxOrderNotional) > 0)
      return deny(
        'RISK_MAX_NOTIONAL',
        'maxOrderNotional',
        `notional ${notional} exceeds ${limits.maxOrderNotional}${where}`,
      );
  }
  return undefined;
}
