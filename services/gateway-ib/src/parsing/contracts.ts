import type { Contract, ContractDetails } from '@stoqey/ib';
import {
  Instrument,
  type InstrumentByConId,
  type InstrumentDescription,
  type InstrumentRef,
  isConIdRef,
} from '@trading-system/contracts';
import { toDecimalString } from './numbers.js';

export class ContractParseError extends Error {
  override readonly name = 'ContractParseError';
}

/** IB contract details → contract `Instrument`. Throws ContractParseError when IB's answer is unusable. */
export function toInstrument(cd: ContractDetails): Instrument {
  const c = cd.contract;
  const minTick = toDecimalString(cd.minTick);
  const strike = c.strike !== undefined && c.strike > 0 ? toDecimalString(c.strike) : undefined;
  const multiplier = c.multiplier !== undefined && c.multiplier > 0 ? toDecimalString(c.multiplier) : undefined;
  const expiry = (c.lastTradeDateOrContractMonth ?? '').slice(0, 8);
  const candidate = {
    conId: c.conId,
    secType: c.secType,
    symbol: c.symbol,
    localSymbol: c.localSymbol || c.symbol,
    exchange: c.exchange,
    primaryExchange: c.primaryExch || undefined,
    currency: c.currency,
    expiry: expiry.length === 8 ? expiry : undefined,
    strike,
    right: c.right === 'C' || c.right === 'P' ? c.right : undefined,
    multiplier,
    minTick,
    tradingClass: c.tradingClass || undefined,
    timeZone: cd.timeZoneId || undefined,
    longName: cd.longName || undefined,
  };
  const r = Instrument.safeParse(dropUndefined(candidate));
  if (!r.success) {
    throw new ContractParseError(`unusable contract details for conId ${c.conId}: ${r.error.message}`, {
      cause: r.error,
    });
  }
  return r.data;
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === '') delete o[k];
  return o;
}

/** The IB contract to ask about for a reference (reqContractDetails / reqMktData). */
export function toIbContract(ref: InstrumentRef): Contract {
  if (isConIdRef(ref)) return conIdContract(ref);
  return descriptionContract(ref);
}

export function conIdContract(ref: InstrumentByConId): Contract {
  return ref.exchange === undefined ? { conId: ref.conId } : { conId: ref.conId, exchange: ref.exchange };
}

function descriptionContract(d: InstrumentDescription): Contract {
  const c: Contract = { symbol: d.symbol, secType: d.secType as Contract['secType'] };
  if (d.exchange !== undefined) c.exchange = d.exchange;
  if (d.primaryExchange !== undefined) c.primaryExch = d.primaryExchange;
  if (d.currency !== undefined) c.currency = d.currency;
  if (d.localSymbol !== undefined) c.localSymbol = d.localSymbol;
  if (d.expiry !== undefined) c.lastTradeDateOrContractMonth = d.expiry;
  if (d.strike !== undefined) c.strike = Number(d.strike);
  if (d.right !== undefined) c.right = d.right as Contract['right'];
  if (d.multiplier !== undefined) c.multiplier = Number(d.multiplier);
  if (d.tradingClass !== undefined) c.tradingClass = d.tradingClass;
  return c;
}

/** The contract to send for market data / history of a qualified instrument (conId + routing exchange). */
export function tradingContract(i: Instrument, exchange?: string): Contract {
  return {
    conId: i.conId,
    exchange: exchange ?? i.exchange,
    currency: i.currency,
    secType: i.secType as Contract['secType'],
  };
}

/** Stable cache key of a description (field order independent). */
export function descriptionKey(ref: InstrumentRef): string {
  if (isConIdRef(ref)) return `conId:${ref.conId}`;
  const entries = Object.entries(ref)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(entries);
}
