import type { Contract, ContractDetails } from '@stoqey/ib';
import {
  ContractError,
  Instrument,
  type InstrumentById,
  type InstrumentDescription,
  type InstrumentRef,
  isIdRef,
} from '@trading-system/contracts';
import { toDecimalString } from './numbers.js';

export class ContractParseError extends Error {
  override readonly name = 'ContractParseError';
}

/**
 * The instrument id gateway-ib assigns to an IB contract: its conId as a decimal string ("265598"). Stable forever
 * (IB never reuses a conId), and it keeps every ledger row, cached bar and subject token written when instruments
 * were keyed by the conId itself. Everyone else treats the id as opaque; only this gateway reads it back.
 */
export function instrumentIdOf(conId: number): string {
  return String(conId);
}

const CON_ID = /^[1-9][0-9]{0,9}$/;

/**
 * IB's conId behind an instrument id. An id that is not a conId's decimal string was never assigned by an IB
 * gateway (an Alpaca asset UUID, a typo): refused with CONTRACT_UNKNOWN before anything is sent to IB.
 */
export function conIdOf(id: string): number {
  const n = CON_ID.test(id) ? Number(id) : Number.NaN;
  if (!(n <= 2_147_483_647))
    throw new ContractError('CONTRACT_UNKNOWN', `${JSON.stringify(id)} is not an IB instrument id`);
  return n;
}

/** IB contract details → contract `Instrument`. Throws ContractParseError when IB's answer is unusable. */
export function toInstrument(cd: ContractDetails): Instrument {
  const c = cd.contract;
  const minTick = toDecimalString(cd.minTick);
  const strike = c.strike !== undefined && c.strike > 0 ? toDecimalString(c.strike) : undefined;
  const multiplier = c.multiplier !== undefined && c.multiplier > 0 ? toDecimalString(c.multiplier) : undefined;
  const expiry = (c.lastTradeDateOrContractMonth ?? '').slice(0, 8);
  const candidate = {
    id: c.conId === undefined ? undefined : instrumentIdOf(c.conId),
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
  if (isIdRef(ref)) return conIdContract(ref);
  return descriptionContract(ref);
}

export function conIdContract(ref: InstrumentById): Contract {
  const conId = conIdOf(ref.id);
  return ref.exchange === undefined ? { conId } : { conId, exchange: ref.exchange };
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
    conId: conIdOf(i.id),
    exchange: exchange ?? i.exchange,
    currency: i.currency,
    secType: i.secType as Contract['secType'],
  };
}

/** Stable cache key of a description (field order independent). */
export function descriptionKey(ref: InstrumentRef): string {
  if (isIdRef(ref)) return `conId:${conIdOf(ref.id)}`;
  const entries = Object.entries(ref)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(entries);
}
