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
   * The instrument's id when known (contracts InstrumentId, e.g. from history's answer). A decimal one (gateway-ib's
   * and ib-sim's, the conId's decimal string) is also the exchange core's integer key for it, so a quote source keyed
   * that way (ib-sim's `quoteAt(conId, t)`) prices it; otherwise the core's key is assigned.
   */
  readonly instrumentId?: string;
  readonly isOpen?: (tMs: number, outsideRth: boolean) => boolean;
  readonly sessionEndAfter?: (tMs: number) => number;
}

const DAY_MS = 86_400_000;

export function instrumentSpec(o: InstrumentOptions, fallbackConId: number): InstrumentSpec {
  const secType = o.secType ?? 'STK';
  return {
    conId: coreKeyOf(o.instrumentId) ?? fallbackConId,
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

/** The exchange core's integer key of an id that is a positive 31-bit decimal; undefined for any other id. */
function coreKeyOf(id: string | undefined): number | undefined {
  if (id === undefined || !/^[1-9][0-9]{0,9}$/.test(id)) return undefined;
  const n = Number(id);
  return n <= 2_147_483_647 ? n : undefined;
}

/** The strategy API's one tick rounding, re-exported for the backtester's users. */
export { roundToTick } from '@trading-system/strategy';
