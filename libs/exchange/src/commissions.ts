/**
 * Commission schedule, IB-tiered-like. Minimums and maximums apply per ORDER, as at IB: each execution is
 * charged the increase of the order's total (computed on its cumulative quantity and value), so a partially
 * filled order pays the minimum once. Totals are rounded to the cent; amounts are in the trade currency.
 */
import { divRound, roundToCent, toMicros } from './money.js';
import type { SecType } from './ports.js';

export interface CommissionRule {
  /** Per share / contract / unit, in the trade currency. */
  readonly perUnit?: number;
  /** Basis points of the trade value (0.2 = 0.002 %). */
  readonly bps?: number;
  /** Minimum per order. */
  readonly min?: number;
  /** Maximum per order as a fraction of the trade value (0.01 = 1 %). */
  readonly maxFractionOfValue?: number;
}

/** Keyed `SECTYPE:CURRENCY` (takes precedence) or `SECTYPE`. A missing key means commission-free. */
export type CommissionSchedule = Readonly<Record<string, CommissionRule>>;

export const DEFAULT_COMMISSIONS: CommissionSchedule = {
  STK: { perUnit: 0.0035, min: 0.35, maxFractionOfValue: 0.01 },
  CASH: { bps: 0.2, min: 2 },
  CMDTY: { bps: 0.15, min: 2 },
  FUT: { perUnit: 0.85 },
  OPT: { perUnit: 0.65, min: 1 },
};

export function ruleFor(schedule: CommissionSchedule, secType: SecType, currency: string): CommissionRule {
  return schedule[`${secType}:${currency}`] ?? schedule[secType] ?? {};
}

/** Commission of a whole order with `qty` units worth `notionalMicros` (absolute value), micros, to the cent. */
export function orderCommissionMicros(rule: CommissionRule, qty: number, notionalMicros: bigint): bigint {
  const value = notionalMicros < 0n ? -notionalMicros : notionalMicros;
  let total = 0n;
  if (rule.perUnit !== undefined) total += BigInt(qty) * toMicros(rule.perUnit);
  // bps carry up to 4 decimals: scale by 1e4 to stay in integers.
  if (rule.bps !== undefined) total += divRound(value * BigInt(Math.round(rule.bps * 10_000)), 100_000_000n);
  if (rule.min !== undefined) {
    const min = toMicros(rule.min);
    if (total < min) total = min;
  }
  if (rule.maxFractionOfValue !== undefined) {
    const max = divRound(value * BigInt(Math.round(rule.maxFractionOfValue * 1_000_000)), 1_000_000n);
    if (total > max) total = max;
  }
  return roundToCent(total);
}

/**
 * Commission of one execution: the order total after the fill minus what the order was already charged.
 */
export function executionCommissionMicros(
  rule: CommissionRule,
  cumQtyAfter: number,
  cumNotionalAfterMicros: bigint,
  alreadyChargedMicros: bigint,
): bigint {
  const total = orderCommissionMicros(rule, cumQtyAfter, cumNotionalAfterMicros);
  const delta = total - alreadyChargedMicros;
  return delta > 0n ? delta : 0n;
}
