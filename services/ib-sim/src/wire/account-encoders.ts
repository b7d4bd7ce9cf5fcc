/**
 * Encoders of the account messages (spec §3.9–3.12): position (16 fields), positionEnd, accountSummary (7),
 * accountSummaryEnd, updateAccountValue (6), updatePortfolio (20), updateAccountTime, accountDownloadEnd,
 * accountUpdateMulti (8) and its end, pnl (5), pnlSingle (7).
 */
import type { Instrument } from '../instruments/instrument.js';
import { multiplierText } from '../instruments/instrument.js';
import type { Fields } from './encoders.js';
import { fmtDouble, fmtInt, UNSET_DOUBLE_TEXT } from './fields.js';
import { OUT } from './message-ids.js';

const id = (n: number): string => String(n);
const unsetOr = (v: number | undefined): string => (v === undefined ? UNSET_DOUBLE_TEXT : fmtDouble(v));

export function position(account: string, i: Instrument, qty: number, avgCost: number): Fields {
  return [
    id(OUT.POSITION),
    '3',
    account,
    fmtInt(i.conId),
    i.symbol,
    i.secType,
    i.lastTradeDate,
    fmtDouble(i.strike),
    i.right,
    multiplierText(i),
    i.exchange,
    i.currency,
    i.localSymbol,
    i.tradingClass,
    fmtDouble(qty),
    fmtDouble(avgCost),
  ];
}

/** positionMulti: 18 fields, like position with reqId first and modelCode last. */
export function positionMulti(
  reqId: number,
  account: string,
  i: Instrument,
  qty: number,
  avgCost: number,
  modelCode: string,
): Fields {
  return ['71', '1', fmtInt(reqId), ...position(account, i, qty, avgCost).slice(2), modelCode];
}

export function positionMultiEnd(reqId: number): Fields {
  return ['72', '1', fmtInt(reqId)];
}

export function positionEnd(): Fields {
  return [id(OUT.POSITION_END), '1'];
}

export function accountSummary(reqId: number, account: string, tag: string, value: string, currency: string): Fields {
  return [id(OUT.ACCOUNT_SUMMARY), '1', fmtInt(reqId), account, tag, value, currency];
}

export function accountSummaryEnd(reqId: number): Fields {
  return [id(OUT.ACCOUNT_SUMMARY_END), '1', fmtInt(reqId)];
}

export function accountValue(key: string, value: string, currency: string, account: string): Fields {
  return [id(OUT.ACCT_VALUE), '2', key, value, currency, account];
}

export interface PortfolioRow {
  readonly position: number;
  readonly marketPrice: number;
  readonly marketValue: number;
  readonly averageCost: number;
  readonly unrealizedPnL: number;
  readonly realizedPnL: number;
}

/** updatePortfolio version 8: note primaryExch and no exchange. */
export function portfolioValue(i: Instrument, row: PortfolioRow, account: string): Fields {
  return [
    id(OUT.PORTFOLIO_VALUE),
    '8',
    fmtInt(i.conId),
    i.symbol,
    i.secType,
    i.lastTradeDate,
    fmtDouble(i.strike),
    i.right,
    multiplierText(i),
    i.primaryExchange,
    i.currency,
    i.localSymbol,
    i.tradingClass,
    fmtDouble(row.position),
    fmtDouble(row.marketPrice),
    fmtDouble(row.marketValue),
    fmtDouble(row.averageCost),
    fmtDouble(row.unrealizedPnL),
    fmtDouble(row.realizedPnL),
    account,
  ];
}

/** `HH:mm` in TWS's zone. */
export function accountUpdateTime(hhmm: string): Fields {
  return [id(OUT.ACCT_UPDATE_TIME), '1', hhmm];
}

export function accountDownloadEnd(account: string): Fields {
  return [id(OUT.ACCT_DOWNLOAD_END), '1', account];
}

export function accountUpdateMulti(
  reqId: number,
  account: string,
  modelCode: string,
  key: string,
  value: string,
  currency: string,
): Fields {
  return ['73', '1', fmtInt(reqId), account, modelCode, key, value, currency];
}

export function accountUpdateMultiEnd(reqId: number): Fields {
  return ['74', '1', fmtInt(reqId)];
}

export function pnl(reqId: number, daily: number, unrealized: number, realized: number): Fields {
  return [id(OUT.PNL), fmtInt(reqId), fmtDouble(daily), fmtDouble(unrealized), fmtDouble(realized)];
}

export function pnlSingle(
  reqId: number,
  pos: number,
  daily: number | undefined,
  unrealized: number | undefined,
  realized: number | undefined,
  value: number | undefined,
): Fields {
  return [
    id(OUT.PNL_SINGLE),
    fmtInt(reqId),
    fmtDouble(pos),
    unsetOr(daily),
    unsetOr(unrealized),
    unsetOr(realized),
    unsetOr(value),
  ];
}
