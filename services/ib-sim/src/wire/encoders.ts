/**
 * One encoder per outgoing message (spec §3). Each returns the message's fields, id first; the layouts are
 * those of the negotiated server version (176–178 share them for everything in this file). Field counts are
 * exact — @stoqey/ib reports 505 on a leftover field and ib_async unpacks fixed tuples — and are pinned by
 * the golden tests.
 */
import type { Instrument } from '../instruments/instrument.js';
import { multiplierText } from '../instruments/instrument.js';
import { marketRuleIds } from '../instruments/market-rules.js';
import { asciiEscape, fmtDouble, fmtInt } from './fields.js';
import { OUT, SV } from './message-ids.js';

export type Fields = string[];

const id = (n: number): string => String(n);

/** Handshake reply: exactly two fields, server version and connection time. */
export function serverHello(serverVersion: number, connectionTime: string): Fields {
  return [id(serverVersion), connectionTime];
}

export function managedAccounts(accounts: readonly string[]): Fields {
  return [id(OUT.MANAGED_ACCTS), '1', accounts.join(',')];
}

export function nextValidId(orderId: number): Fields {
  return [id(OUT.NEXT_VALID_ID), '1', fmtInt(orderId)];
}

/** ERR_MSG with the trailing advancedOrderRejectJson (sv ≥ 166): `""` or valid JSON only. */
export function errorMessage(reqId: number, code: number, message: string, advancedOrderRejectJson = ''): Fields {
  return [id(OUT.ERR_MSG), '2', fmtInt(reqId), fmtInt(code), asciiEscape(message), advancedOrderRejectJson];
}

export function currentTime(epochSeconds: number): Fields {
  return [id(OUT.CURRENT_TIME), '1', fmtInt(epochSeconds)];
}

export interface ContractDataExtras {
  /** Exchange to report (the requested one when valid, else the instrument's default). */
  readonly exchange: string;
  readonly tradingHours: string;
  readonly liquidHours: string;
}

/** CONTRACT_DATA at sv ≥ 164: no version field, 40 fields (no secIds). */
export function contractData(reqId: number, i: Instrument, extras: ContractDataExtras): Fields {
  return [
    id(OUT.CONTRACT_DATA),
    fmtInt(reqId),
    i.symbol,
    i.secType,
    i.lastTradeDate,
    fmtDouble(i.strike),
    i.right,
    extras.exchange,
    i.currency,
    i.localSymbol,
    i.marketName,
    i.tradingClass,
    fmtInt(i.conId),
    fmtDouble(i.minTick),
    multiplierText(i),
    i.orderTypes,
    i.validExchanges,
    '1', // priceMagnifier
    fmtInt(i.underConId),
    asciiEscape(i.longName),
    i.primaryExchange,
    i.contractMonth,
    i.industry,
    i.category,
    i.subcategory,
    i.schedule.timeZoneId,
    extras.tradingHours,
    extras.liquidHours,
    '', // evRule
    '', // evMultiplier
    '0', // secIdListCount: an integer, never "" (ib_async int())
    '0', // aggGroup
    i.underSymbol,
    i.underSecType,
    marketRuleIds(i),
    i.lastTradeDate,
    i.stockType,
    i.minSize,
    i.sizeIncrement,
    i.suggestedSizeIncrement,
  ];
}

export function contractDataEnd(reqId: number): Fields {
  return [id(OUT.CONTRACT_DATA_END), '1', fmtInt(reqId)];
}

/** SYMBOL_SAMPLES: per description conId, symbol, secType, primaryExch, currency, derivative types, then
 * (sv ≥ 176) description and issuerId. */
export function symbolSamples(
  serverVersion: number,
  reqId: number,
  instruments: readonly Instrument[],
  derivatives: (i: Instrument) => string[],
): Fields {
  const out: Fields = [id(OUT.SYMBOL_SAMPLES), fmtInt(reqId), fmtInt(instruments.length)];
  for (const i of instruments) {
    const derivs = derivatives(i);
    out.push(
      fmtInt(i.conId),
      i.symbol,
      i.secType,
      i.primaryExchange || i.exchange,
      i.currency,
      fmtInt(derivs.length),
      ...derivs,
    );
    if (serverVersion >= SV.BOND_ISSUERID) out.push(asciiEscape(i.longName), '');
  }
  return out;
}

export function tickReqParams(
  tickerId: number,
  minTick: number,
  bboExchange: string,
  snapshotPermissions: number,
): Fields {
  return [id(OUT.TICK_REQ_PARAMS), fmtInt(tickerId), fmtDouble(minTick), bboExchange, fmtInt(snapshotPermissions)];
}

export function marketDataType(tickerId: number, type: number): Fields {
  return [id(OUT.MARKET_DATA_TYPE), '1', fmtInt(tickerId), fmtInt(type)];
}

/** TICK_PRICE version 6: 7 fields; size `""` when the price type has no size. attrMask: 1 canAutoExecute,
 * 2 pastLimit, 4 preOpen. */
export function tickPrice(tickerId: number, tickType: number, price: number, size: string, attrMask: number): Fields {
  return [id(OUT.TICK_PRICE), '6', fmtInt(tickerId), fmtInt(tickType), fmtDouble(price), size, fmtInt(attrMask)];
}

export function tickSize(tickerId: number, tickType: number, size: string): Fields {
  return [id(OUT.TICK_SIZE), '6', fmtInt(tickerId), fmtInt(tickType), size];
}

export function tickGeneric(tickerId: number, tickType: number, value: number): Fields {
  return [id(OUT.TICK_GENERIC), '6', fmtInt(tickerId), fmtInt(tickType), fmtDouble(value)];
}

export function tickString(tickerId: number, tickType: number, value: string): Fields {
  return [id(OUT.TICK_STRING), '6', fmtInt(tickerId), fmtInt(tickType), value];
}

/** An option computation; undefined values go out as TWS's "not computed" sentinels. */
export interface OptionComputationFields {
  readonly impliedVol?: number | undefined;
  readonly delta?: number | undefined;
  readonly optPrice?: number | undefined;
  readonly pvDividend?: number | undefined;
  readonly gamma?: number | undefined;
  readonly vega?: number | undefined;
  readonly theta?: number | undefined;
  readonly undPrice?: number | undefined;
}

const orSentinel = (value: number | undefined, sentinel: number): string =>
  value === undefined || !Number.isFinite(value) ? String(sentinel) : fmtDouble(value);

/**
 * TICK_OPTION_COMPUTATION at sv ≥ 156: no version, tickAttrib (0 return-based, 1 price-based), then always all
 * eight numbers (ib_async unpacks exactly 12 fields); −1 = not computed for iv/optPrice/pvDividend/undPrice,
 * −2 for delta/gamma/vega/theta.
 */
export function tickOptionComputation(
  tickerId: number,
  tickType: number,
  tickAttrib: number,
  c: OptionComputationFields,
): Fields {
  return [
    id(OUT.TICK_OPTION_COMPUTATION),
    fmtInt(tickerId),
    fmtInt(tickType),
    fmtInt(tickAttrib),
    orSentinel(c.impliedVol, -1),
    orSentinel(c.delta, -2),
    orSentinel(c.optPrice, -1),
    orSentinel(c.pvDividend, -1),
    orSentinel(c.gamma, -2),
    orSentinel(c.vega, -2),
    orSentinel(c.theta, -2),
    orSentinel(c.undPrice, -1),
  ];
}

/** SECURITY_DEFINITION_OPTION_PARAMETER: one per exchange; no version field. */
export function secDefOptParams(
  reqId: number,
  exchange: string,
  underlyingConId: number,
  tradingClass: string,
  multiplier: string,
  expirations: readonly string[],
  strikes: readonly number[],
): Fields {
  return [
    id(OUT.SECURITY_DEFINITION_OPTION_PARAMETER),
    fmtInt(reqId),
    exchange,
    fmtInt(underlyingConId),
    tradingClass,
    multiplier,
    fmtInt(expirations.length),
    ...expirations,
    fmtInt(strikes.length),
    ...strikes.map(fmtDouble),
  ];
}

export function secDefOptParamsEnd(reqId: number): Fields {
  return [id(OUT.SECURITY_DEFINITION_OPTION_PARAMETER_END), fmtInt(reqId)];
}

export function tickSnapshotEnd(tickerId: number): Fields {
  return [id(OUT.TICK_SNAPSHOT_END), '1', fmtInt(tickerId)];
}

export interface BarFields {
  readonly date: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Decimal string; `-1` when the data type has none. */
  readonly volume: string;
  readonly wap: string;
  readonly count: number;
}

/** REAL_TIME_BARS: 11 fields; `time` = bar start, epoch seconds. */
export function realtimeBar(reqId: number, timeSeconds: number, bar: Omit<BarFields, 'date'>): Fields {
  return [
    id(OUT.REAL_TIME_BARS),
    '3',
    fmtInt(reqId),
    fmtInt(timeSeconds),
    fmtDouble(bar.open),
    fmtDouble(bar.high),
    fmtDouble(bar.low),
    fmtDouble(bar.close),
    bar.volume,
    bar.wap,
    fmtInt(bar.count),
  ];
}

/** HISTORICAL_DATA at sv ≥ 124: no version; all bars and the request window (historicalDataEnd). */
export function historicalData(reqId: number, startDate: string, endDate: string, bars: readonly BarFields[]): Fields {
  const out: Fields = [id(OUT.HISTORICAL_DATA), fmtInt(reqId), startDate, endDate, fmtInt(bars.length)];
  for (const b of bars) {
    out.push(
      b.date,
      fmtDouble(b.open),
      fmtDouble(b.high),
      fmtDouble(b.low),
      fmtDouble(b.close),
      b.volume,
      b.wap,
      fmtInt(b.count),
    );
  }
  return out;
}

/** HISTORICAL_DATA_UPDATE: note the order open, close, high, low, wap, volume. */
export function historicalDataUpdate(reqId: number, bar: BarFields): Fields {
  return [
    id(OUT.HISTORICAL_DATA_UPDATE),
    fmtInt(reqId),
    fmtInt(bar.count),
    bar.date,
    fmtDouble(bar.open),
    fmtDouble(bar.close),
    fmtDouble(bar.high),
    fmtDouble(bar.low),
    bar.wap,
    bar.volume,
  ];
}

export function headTimestamp(reqId: number, timestamp: string): Fields {
  return [id(OUT.HEAD_TIMESTAMP), fmtInt(reqId), timestamp];
}
