/**
 * The instrument spec shared by the wire front (contractDetails) and the exchange core (matching,
 * commissions). Everything here is static reference data; prices live in `market/`.
 */
import type { TradingSchedule } from './trading-hours.js';

export type SecType = 'STK' | 'CASH' | 'FUT' | 'OPT' | 'CMDTY' | 'IND';

export interface Instrument {
  readonly conId: number;
  readonly symbol: string;
  readonly secType: SecType;
  readonly currency: string;
  /** Default routing exchange reported in contractDetails (`SMART`, `IDEALPRO`, `CME`, …). */
  readonly exchange: string;
  /** Listing exchange (`NASDAQ`, `ARCA`, …), empty for non-stocks. */
  readonly primaryExchange: string;
  readonly localSymbol: string;
  readonly tradingClass: string;
  readonly marketName: string;
  readonly longName: string;
  /** `yyyyMMdd` for FUT/OPT, empty otherwise. */
  readonly lastTradeDate: string;
  /** `yyyyMM` for FUT/OPT, empty otherwise. */
  readonly contractMonth: string;
  readonly strike: number;
  readonly right: '' | 'C' | 'P';
  /** Contract multiplier as a number (1 when IB reports none). */
  readonly multiplier: number;
  readonly minTick: number;
  readonly validExchanges: string;
  readonly orderTypes: string;
  readonly underConId: number;
  readonly underSymbol: string;
  readonly underSecType: string;
  readonly stockType: string;
  readonly industry: string;
  readonly category: string;
  readonly subcategory: string;
  readonly minSize: string;
  readonly sizeIncrement: string;
  readonly suggestedSizeIncrement: string;
  readonly schedule: TradingSchedule;
  /** IB's farm names, used for realistic farm notices. */
  readonly marketDataFarm: string;
  /** Price model parameters (synthetic path): reference price and annualised volatility. */
  readonly basePrice: number;
  readonly annualVol: number;
  /** Typical shares/contracts per regular session (synthetic volume). */
  readonly dailyVolume: number;
  /** Quoted spread in ticks. */
  readonly spreadTicks: number;
  /** IB's streaming batch interval for this kind of instrument (ms): 250 stocks/futures, 100 options, 5 FX. */
  readonly tickIntervalMs: number;
  /** Whether IB has TRADES data (CASH and CMDTY quote only). */
  readonly hasTrades: boolean;
}

export function timeZoneId(instrument: Instrument): string {
  return instrument.schedule.timeZoneId;
}

/** `isOpen(tMs, outsideRth)` for the exchange core. */
export function isOpen(instrument: Instrument, tMs: number, outsideRth: boolean): boolean {
  return instrument.schedule.isOpen(tMs, outsideRth);
}

/** `multiplier` as IB prints it: empty for 1 on stocks/FX/indices. */
export function multiplierText(instrument: Instrument): string {
  return instrument.secType === 'FUT' || instrument.secType === 'OPT' ? String(instrument.multiplier) : '';
}
