/**
 * Pre-trade risk, pure. Every input the checks need is passed in (limits, trading mode, quote, position, counts);
 * the first failing check is returned as a denial naming its rule. All arithmetic is exact decimal.
 *
 * Limit sets: a default set, one per account and one per strategy tag. Every set that applies to the order is
 * checked (so the strictest limit wins); counts are per account for the default/account sets and per strategy
 * for strategy sets.
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
    if (reference === undefined)
      return deny('RISK_NO_REFERENCE_PRICE', 'priceCollar', `no quote seen for the instrument${where}`);
    for (const price of [order.limitPrice, order.stopPrice]) {
      if (price === undefined) continue;
      // |price − ref| × 100 > collar × |ref|, exact
      const lhs = mulDecimal(abs(subDecimal(price, reference)), '100');
      const rhs = mulDecimal(limits.priceCollarPercent, abs(reference));
      if (compareDecimal(lhs, rhs) > 0)
        return deny(
          'RISK_PRICE_COLLAR',
          'priceCollar',
          `price ${price} is more than ${limits.priceCollarPercent}% from reference ${reference}${where}`,
        );
    }
  }
  if (limits.maxOrderNotional !== undefined) {
    const price = order.limitPrice ?? order.stopPrice ?? reference;
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
