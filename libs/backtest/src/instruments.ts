/**
 * What the backtester knows about an instrument: the exchange core's InstrumentSpec (tick, multiplier, currency,
 * session hours). Data without a calendar (a CSV file) trades around the clock and its DAY orders expire at the
 * next UTC midnight; a caller that knows the real schedule (the CLI for ib-sim's instruments) passes its own.
 */
import type { InstrumentSpec, SecType } from '@trading-system/exchange';

export interface InstrumentOptions {
  readonly symbol: string;
  readonly secType?: SecType;
  readonly currency?: string;
  readonly exchange?: string;
  readonly minTick?: number;
  readonly multiplier?: number;
  /**
   * The instrument's id (contracts InstrumentId, e.g. from history's answer), which the exchange core keys it by,
   * so a quote source (`fills: { mode: 'quotes' }`) is asked for the instrument under its real id. Data that
   * carries none (a CSV file) is keyed by its symbol, unique within a run.
   */
  readonly instrumentId?: string;
  readonly isOpen?: (tMs: number, outsideRth: boolean) => boolean;
  readonly sessionEndAfter?: (tMs: number) => number;
}

const DAY_MS = 86_400_000;

export function instrumentSpec(o: InstrumentOptions): InstrumentSpec {
  const secType = o.secType ?? 'STK';
  return {
    instrumentId: o.instrumentId ?? o.symbol,
    secType,
    symbol: o.symbol,
    currency: o.currency ?? 'USD',
    exchange: o.exchange ?? (secType === 'CASH' ? 'IDEALPRO' : 'SMART'),
    minTick: o.minTick ?? 0.01,
    multiplier: o.multiplier ?? 1,
    isOpen: o.isOpen ?? (() => true),
    sessionEndAfter: o.sessionEndAfter ?? ((tMs) => (Math.floor(tMs / DAY_MS) + 1) * DAY_MS),
  };
}

/** The strategy API's one tick rounding, re-exported for the backtester's users. */
export { roundToTick } from '@trading-system/strategy';
