/**
 * What the exchange core needs to know about an instrument, derived from the instrument the shadowed broker
 * qualified (tick, multiplier, currency) and from our trading calendars (sessions, the end of a DAY order).
 */
import {
  ContractError,
  calendarForInstrument,
  currentOrNextSession,
  type Instrument,
  sessionAt,
} from '@trading-system/contracts';
import type { InstrumentSpec } from '@trading-system/exchange';

/**
 * `calendar`: orders match only inside the instrument's session (regular hours, or extended with outsideRth), as
 * at a real broker. `always`: orders match whenever the quote source quotes; for a source whose market runs on its
 * own clock (a simulator set to another day, a replay), where the calendar at wall time says nothing.
 * DAY orders expire at the end of the calendar's session in both modes.
 */
export type MarketHours = 'calendar' | 'always';

export function toSpec(i: Instrument, hours: MarketHours): InstrumentSpec {
  // The core's asset classes are IB's; a crypto pair (an Alpaca source) is never announced, so never traded here.
  if (i.secType === 'CRYPTO')
    throw new ContractError(
      'ORDER_ASSET_CLASS_UNSUPPORTED',
      `the paper exchange core does not trade crypto (${i.symbol})`,
    );
  const calendar = calendarForInstrument(i);
  return {
    instrumentId: i.id,
    secType: i.secType,
    symbol: i.symbol,
    currency: i.currency,
    exchange: i.exchange,
    minTick: Number(i.minTick),
    multiplier: i.multiplier === undefined ? 1 : Number(i.multiplier),
    isOpen: (tMs, outsideRth) =>
      hours === 'always' || sessionAt(calendar, tMs, outsideRth ? 'extended' : 'regular') !== undefined,
    sessionEndAfter: (tMs) => currentOrNextSession(calendar, tMs, 'extended').extended.closeMs,
  };
}
