/**
 * IB market rules: the price increments of a contract on one exchange, by price level. contractDetails lists one
 * rule id per valid exchange (`marketRuleIds`, same order as `validExchanges`) and reqMarketRule(id) answers the
 * increments, so both come from this table and cannot disagree.
 *
 * Where the ids come from (real TWS output seen in public captures):
 * - 26 on every US stock exchange: AAPL's contract details list 26 for all of its exchanges (minTick 0.01).
 * - 32 on SMART and the NASDAQ option exchanges, 109 on the other US option exchanges: an NVDA option's details.
 *   32 is 0.01 flat; 109 is the classic options rule (0.01 below $3, 0.05 from $3), inferred from the $3 break
 *   IB applies to non-penny classes.
 * - 67 on CME for the E-mini index futures: NQ's details list 67 with minTick 0.25.
 * - 239 on IDEALPRO: half-pip FX (0.00005), the default display IB documents for forex rules.
 * The sim has instruments whose real ids no public capture shows (6E, USD.JPY, XAUUSD, SPX). Those reuse the
 * known id with the same increments (239 for 6E's 0.00005, 26 for the 0.01 of gold and SPX) — the id is only a
 * key, clients read the increments — except USD.JPY's 0.005, which has no known id: it gets SIM_JPY_RULE, a
 * sim-assigned id chosen far from IB's small numbers.
 */
import type { Instrument } from './instrument.js';

export interface PriceIncrement {
  /** Lowest price (inclusive) the increment applies from. */
  readonly lowEdge: number;
  readonly increment: number;
}

/** Sim-assigned id of the 0.005 rule of JPY-quoted FX (no public capture shows IB's id). */
export const SIM_JPY_RULE = 90_005;

const RULES: ReadonlyMap<number, readonly PriceIncrement[]> = new Map([
  [26, [{ lowEdge: 0, increment: 0.01 }]],
  [32, [{ lowEdge: 0, increment: 0.01 }]],
  [67, [{ lowEdge: 0, increment: 0.25 }]],
  [
    109,
    [
      { lowEdge: 0, increment: 0.01 },
      { lowEdge: 3, increment: 0.05 },
    ],
  ],
  [239, [{ lowEdge: 0, increment: 0.00005 }]],
  [SIM_JPY_RULE, [{ lowEdge: 0, increment: 0.005 }]],
]);

/** Option exchanges that trade every series in cents (rule 32), as in IB's option contract details. */
const PENNY_OPTION_EXCHANGES = new Set(['SMART', 'NASDAQOM', 'NASDAQBX', 'IBUSOPT']);

/** Flat rules by the one increment they allow, for the instruments that trade on a single grid. */
const FLAT_RULE_BY_TICK: ReadonlyMap<number, number> = new Map([
  [0.01, 26],
  [0.25, 67],
  [0.00005, 239],
  [0.005, SIM_JPY_RULE],
]);

export class UnknownMarketRuleError extends Error {
  override readonly name = 'UnknownMarketRuleError';
}

/** The increments of a rule id, undefined for an id the sim does not know (TWS answers 322, see the handler). */
export function marketRule(id: number): readonly PriceIncrement[] | undefined {
  return RULES.get(id);
}

/** The rule of an instrument on one of its valid exchanges. */
export function marketRuleId(instrument: Instrument, exchange: string): number {
  if (instrument.secType === 'OPT') return PENNY_OPTION_EXCHANGES.has(exchange) ? 32 : 109;
  const id = FLAT_RULE_BY_TICK.get(instrument.minTick);
  // A catalog instrument with a tick no rule covers is a catalog error; the catalog test catches it.
  if (id === undefined)
    throw new UnknownMarketRuleError(`no market rule for minTick ${instrument.minTick} (${instrument.localSymbol})`);
  return id;
}

/** contractDetails' `marketRuleIds`: one id per valid exchange, in the same order, comma-separated. */
export function marketRuleIds(instrument: Instrument): string {
  return instrument.validExchanges
    .split(',')
    .map((exchange) => String(marketRuleId(instrument, exchange)))
    .join(',');
}

/** The increment a rule applies at a price (the last band whose lowEdge is at or below it). */
export function incrementAt(rule: readonly PriceIncrement[], price: number): number | undefined {
  let found: number | undefined;
  for (const band of rule) if (price >= band.lowEdge) found = band.increment;
  return found;
}
