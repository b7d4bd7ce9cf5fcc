/**
 * What the recorded fills imply for the account, in exact integer micros (prices and commissions are decimal
 * strings; floats would drift from "to the cent").
 */
import type { EventOf } from './broker-client.js';

const MICROS = 1_000_000n;

/** A decimal string as integer micros (at most 6 decimals, as every price and commission here). */
export function toMicros(decimal: string): bigint {
  const negative = decimal.startsWith('-');
  const [whole = '0', frac = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  if (frac.length > 6) throw new RangeError(`${decimal}: more than 6 decimals`);
  const v = BigInt(whole) * MICROS + BigInt(frac.padEnd(6, '0'));
  return negative ? -v : v;
}

export interface FillLedger {
  /** Signed quantity per instrumentId (BUY +, SELL −). */
  readonly position: ReadonlyMap<string, bigint>;
  /** Cash the fills moved, micros: − bought notional + sold notional − commissions (multiplier 1 instruments). */
  readonly cashMicros: bigint;
}

export function ledgerOf(
  executions: readonly EventOf<'execution'>['execution'][],
  commissions: readonly EventOf<'commissionReport'>[],
): FillLedger {
  const position = new Map<string, bigint>();
  let cash = 0n;
  for (const x of executions) {
    const sign = x.side === 'BUY' ? 1n : -1n;
    const qty = BigInt(x.quantity);
    position.set(x.instrumentId, (position.get(x.instrumentId) ?? 0n) + sign * qty);
    cash -= sign * qty * toMicros(x.price);
  }
  for (const c of commissions) cash -= toMicros(c.commission);
  return { position, cashMicros: cash };
}
