/**
 * SCANNER_PARAMETERS and SCANNER_DATA. Both keep a version field at every server version: Java's EDecoder and
 * @stoqey/ib read it first, ib_async skips it (`_, _, reqId, n, *fields`).
 */
import type { Instrument } from '../instruments/instrument.js';
import type { Fields } from './encoders.js';
import { fmtDouble, fmtInt } from './fields.js';
import { OUT } from './message-ids.js';

const id = (n: number): string => String(n);

/** SCANNER_PARAMETERS version 1: one field holding the whole XML document (ASCII, no NUL). */
export function scannerParameters(xml: string): Fields {
  return [id(OUT.SCANNER_PARAMETERS), '1', xml];
}

export interface ScanRow {
  /** 0-based, as TWS ranks. */
  readonly rank: number;
  readonly instrument: Instrument;
  /** Scan-specific columns; empty for the scans the sim runs. */
  readonly distance: string;
  readonly benchmark: string;
  readonly projection: string;
}

/**
 * SCANNER_DATA version 3 (≥ 3 adds conId, ≥ 2 legsStr): reqId, count, then 16 fields per row — rank, conId,
 * symbol, secType, lastTradeDateOrContractMonth, strike, right, exchange, currency, localSymbol, marketName,
 * tradingClass, distance, benchmark, projection, legsStr. ib_async unpacks exactly these 16 per row.
 */
export function scannerData(reqId: number, rows: readonly ScanRow[]): Fields {
  const out: Fields = [id(OUT.SCANNER_DATA), '3', fmtInt(reqId), fmtInt(rows.length)];
  for (const r of rows) {
    const i = r.instrument;
    out.push(
      fmtInt(r.rank),
      fmtInt(i.conId),
      i.symbol,
      i.secType,
      i.lastTradeDate,
      fmtDouble(i.strike),
      i.right,
      i.exchange,
      i.currency,
      i.localSymbol,
      i.marketName,
      i.tradingClass,
      r.distance,
      r.benchmark,
      r.projection,
      '', // legsStr: only combo (EFP) scans have legs
    );
  }
  return out;
}
