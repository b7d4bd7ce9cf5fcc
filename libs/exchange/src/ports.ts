/**
 * The ports the exchange core drives. The core never imports the market, instrument or server folders; the
 * server wires its real implementations (`market/quote-source.ts`, the instrument catalog, the sim clock) into
 * these shapes, a backtester or paper broker wires its own.
 */

import type { InstrumentId } from '@trading-system/contracts';

export type SecType = 'STK' | 'CASH' | 'FUT' | 'OPT' | 'CMDTY' | 'IND';

/** Top of book at one instant. Prices in the instrument's currency; sizes in shares/contracts/base units. */
export interface Quote {
  readonly bid: number;
  readonly ask: number;
  /** Last trade price (for quote-only instruments the mid); used to trigger stops and to mark positions. */
  readonly last: number;
  /** Displayed sizes: one matching step fills at most this much against the quote. */
  readonly bidSize: number;
  readonly askSize: number;
  readonly lastSize: number;
  readonly volume: number;
}

/**
 * Deterministic prices: `quoteAt(instrumentId, tMs)` is a pure function of its arguments. `undefined` means no
 * quote exists (the instrument is unknown to the source); such orders simply do not match.
 */
export interface QuoteSource {
  quoteAt(instrumentId: InstrumentId, tMs: number): Quote | undefined;
}

/**
 * The static facts about an instrument the core needs. Instruments are keyed by the contracts' opaque
 * InstrumentId, compared for equality only: a paper broker passes its source's ids, a simulator of a venue with
 * its own integer keys (ib-sim's conId) their decimal strings.
 */
export interface InstrumentSpec {
  readonly instrumentId: InstrumentId;
  readonly secType: SecType;
  readonly symbol: string;
  /** Trade currency: cash moves and commissions are booked in it. */
  readonly currency: string;
  /** Default exchange reported on executions (`SMART`, `IDEALPRO`, `CME`, …). */
  readonly exchange: string;
  /** Prices of orders must be whole multiples of it (else error 110). */
  readonly minTick: number;
  /** Contract multiplier (1 for stocks and FX): value of a fill = qty × price × multiplier. */
  readonly multiplier: number;
  /** Whether orders may match at tMs; `outsideRth` widens regular hours to the extended session. */
  isOpen(tMs: number, outsideRth: boolean): boolean;
  /**
   * End (epoch ms, exclusive) of the trading day containing tMs, or of the next one when tMs falls between
   * sessions. DAY orders placed at tMs expire at this instant.
   */
  sessionEndAfter(tMs: number): number;
}

export type InstrumentLookup = (instrumentId: InstrumentId) => InstrumentSpec | undefined;

export interface Clock {
  nowMs(): number;
}

/**
 * Conversion into an account's base currency: how many units of the base currency one unit of `currency`
 * is worth at tMs; `undefined` when unknown. Only needed for accounts holding non-base currencies.
 */
export type FxRateToBase = (currency: string, baseCurrency: string, tMs: number) => number | undefined;
