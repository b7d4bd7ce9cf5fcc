/**
 * Resolving a client's contract description (as sent in reqContractDetails, reqMktData, placeOrder …) to
 * catalog instruments, the way TWS does it: conId > 0 identifies the contract; otherwise every non-empty
 * attribute filters, and several matches mean an ambiguous description (one contractDetails per match).
 */
import type { Catalog } from './catalog.js';
import type { Instrument } from './instrument.js';

export interface ContractQuery {
  readonly conId: number;
  readonly symbol: string;
  readonly secType: string;
  readonly lastTradeDateOrContractMonth: string;
  /** undefined or 0 = any */
  readonly strike: number | undefined;
  readonly right: string;
  readonly multiplier: string;
  readonly exchange: string;
  readonly primaryExch: string;
  readonly currency: string;
  readonly localSymbol: string;
  readonly tradingClass: string;
  readonly includeExpired: boolean;
}

/** A query naming only a symbol and security type (and a conId when the request carries one): every other attribute any. */
export function symbolQuery(symbol: string, secType: string, conId = 0): ContractQuery {
  return {
    conId,
    symbol,
    secType,
    lastTradeDateOrContractMonth: '',
    strike: undefined,
    right: '',
    multiplier: '',
    exchange: '',
    primaryExch: '',
    currency: '',
    localSymbol: '',
    tradingClass: '',
    includeExpired: false,
  };
}

const norm = (s: string): string => s.trim().toUpperCase();

function normRight(right: string): string {
  const r = norm(right);
  if (r === 'CALL') return 'C';
  if (r === 'PUT') return 'P';
  if (r === '?' || r === '0') return '';
  return r;
}

function matchesExchange(instrument: Instrument, exchange: string): boolean {
  if (exchange === '') return true;
  return instrument.exchange === exchange || instrument.validExchanges.split(',').includes(exchange);
}

/** All instruments matching the query; `todayYmd` (exchange-local) excludes expired ones unless asked. */
export function findInstruments(catalog: Catalog, q: ContractQuery, todayYmd: string): Instrument[] {
  if (q.conId > 0) {
    const hit = catalog.get(q.conId);
    return hit ? [hit] : [];
  }
  const symbol = norm(q.symbol);
  const localSymbol = norm(q.localSymbol).replace(/\s+/g, ' ');
  if (symbol === '' && localSymbol === '') return [];
  const secType = norm(q.secType);
  const expiry = q.lastTradeDateOrContractMonth.trim().split(/[\s-]/)[0] ?? '';
  const right = normRight(q.right);
  const exchange = norm(q.exchange);
  const primary = norm(q.primaryExch);
  const currency = norm(q.currency);
  const tradingClass = norm(q.tradingClass);
  const multiplier = q.multiplier.trim() === '' ? undefined : Number(q.multiplier);
  const strike = q.strike !== undefined && q.strike > 0 && Number.isFinite(q.strike) ? q.strike : undefined;
  return catalog.instruments.filter((i) => {
    if (symbol !== '' && i.symbol !== symbol && !(i.secType === 'FUT' && i.tradingClass === symbol)) {
      // `EUR.USD` as a symbol is common user input for CASH.
      if (!(i.secType === 'CASH' && i.localSymbol === symbol)) return false;
    }
    if (localSymbol !== '' && i.localSymbol.replace(/\s+/g, ' ') !== localSymbol) return false;
    if (secType !== '' && i.secType !== secType) return false;
    if (expiry !== '' && !(i.lastTradeDate === expiry || (expiry.length === 6 && i.contractMonth === expiry))) {
      return false;
    }
    if (strike !== undefined && Math.abs(i.strike - strike) > 1e-9) return false;
    if (right !== '' && i.right !== right) return false;
    if (multiplier !== undefined && !Number.isNaN(multiplier) && i.multiplier !== multiplier) return false;
    if (!matchesExchange(i, exchange)) return false;
    if (primary !== '' && i.primaryExchange !== '' && i.primaryExchange !== primary) return false;
    if (currency !== '' && i.currency !== currency) return false;
    if (tradingClass !== '' && i.tradingClass !== tradingClass) return false;
    if (!q.includeExpired && i.lastTradeDate !== '' && i.lastTradeDate < todayYmd) return false;
    return true;
  });
}

/** Exactly one instrument, or undefined (unknown or ambiguous): what market data and history need. */
export function resolveInstrument(catalog: Catalog, q: ContractQuery, todayYmd: string): Instrument | undefined {
  const hits = findInstruments(catalog, q, todayYmd);
  return hits.length === 1 ? hits[0] : undefined;
}

/** Instruments whose symbol or name starts with / contains the pattern (reqMatchingSymbols), at most 16. */
export function matchSymbols(catalog: Catalog, pattern: string): Instrument[] {
  const p = norm(pattern);
  if (p === '') return [];
  const seen = new Set<string>();
  const out: Instrument[] = [];
  const candidates = catalog.instruments.filter((i) => i.secType !== 'OPT' && i.secType !== 'FUT');
  const ranked = [
    ...candidates.filter((i) => i.symbol.startsWith(p) || i.localSymbol.startsWith(p)),
    ...candidates.filter((i) => i.longName.toUpperCase().includes(p)),
  ];
  for (const i of ranked) {
    if (seen.has(i.localSymbol)) continue;
    seen.add(i.localSymbol);
    out.push(i);
    if (out.length >= 16) break;
  }
  return out;
}
