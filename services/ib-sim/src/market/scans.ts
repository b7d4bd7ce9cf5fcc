/**
 * Market scanner over the sim's catalog: which scans, instruments and locations exist, and the ranked rows of a
 * scan at an instant. Pure (catalog + quote source + time in, rows out); the handler owns subscriptions.
 *
 * Only US stocks are scanned (instrument `STK`), by three scan codes computed from the sim's own day: percent
 * change of the last trade against the previous session's close (the close tick 9 shows) and session volume.
 * Everything else is refused the way TWS refuses a scan it does not offer (see handlers/scanner.ts).
 */
import type { Catalog } from '../instruments/catalog.js';
import type { Instrument } from '../instruments/instrument.js';
import type { QuoteSource } from './quote-source.js';

export interface ScanType {
  readonly code: string;
  readonly displayName: string;
  /** Orders instruments best first; `value` is the figure the scan ranks by. */
  readonly descending: boolean;
  readonly value: (m: DayFigures) => number;
}

export interface DayFigures {
  readonly last: number;
  readonly prevClose: number;
  readonly changePercent: number;
  readonly volume: number;
}

export const SCAN_TYPES: readonly ScanType[] = [
  { code: 'TOP_PERC_GAIN', displayName: 'Top % Gainers', descending: true, value: (m) => m.changePercent },
  { code: 'TOP_PERC_LOSE', displayName: 'Top % Losers', descending: false, value: (m) => m.changePercent },
  { code: 'MOST_ACTIVE', displayName: 'Most Active', descending: true, value: (m) => m.volume },
];

export interface ScanLocation {
  readonly code: string;
  readonly displayName: string;
  readonly includes: (i: Instrument) => boolean;
}

/** IB's US stock location codes (the ones @stoqey/ib's LocationCode lists) the sim can answer. */
export const SCAN_LOCATIONS: readonly ScanLocation[] = [
  { code: 'STK.US', displayName: 'US Stocks', includes: () => true },
  { code: 'STK.US.MAJOR', displayName: 'Listed/NASDAQ', includes: () => true },
  { code: 'STK.NASDAQ', displayName: 'NASDAQ', includes: (i) => i.primaryExchange === 'NASDAQ' },
  { code: 'STK.NYSE', displayName: 'NYSE', includes: (i) => i.primaryExchange === 'NYSE' },
  { code: 'STK.ARCA', displayName: 'NYSE Arca', includes: (i) => i.primaryExchange === 'ARCA' },
];

export const SCAN_INSTRUMENTS = [{ type: 'STK', name: 'US Stocks' }] as const;

/** Rows of a scan when the client asks for none or too many (IB's default and cap for API scans). */
export const MAX_SCAN_ROWS = 50;

export interface ScanRequest {
  readonly instrument: string;
  readonly locationCode: string;
  readonly scanCode: string;
  /** undefined or negative: the default. */
  readonly numberOfRows: number | undefined;
  readonly abovePrice: number | undefined;
  readonly belowPrice: number | undefined;
  readonly aboveVolume: number | undefined;
  /** IB's stockTypeFilter: ALL, CORP, ADR, ETF, REIT, CEF (and STOCK = no ETFs). */
  readonly stockTypeFilter: string;
}

export type ScanOutcome =
  | { readonly kind: 'rows'; readonly rows: ReadonlyArray<{ instrument: Instrument; figures: DayFigures }> }
  | { readonly kind: 'unknown-scan-code' }
  | { readonly kind: 'unknown-location' };

/** Last trade, previous close (as QuoteSource.daySummary defines it, without its minute walk) and volume. */
export function dayFigures(quotes: QuoteSource, instrument: Instrument, tMs: number): DayFigures {
  const session = instrument.schedule.lastSessionAtOrBefore(tMs, true);
  const previous = instrument.schedule.lastSessionAtOrBefore(session.startMs - 1, true);
  const q = quotes.quoteAt(instrument.conId, Math.min(tMs, session.endMs - 1));
  const prevClose = quotes.quoteAt(instrument.conId, previous.endMs - 1).last;
  const changePercent = prevClose > 0 ? ((q.last - prevClose) / prevClose) * 100 : 0;
  return { last: q.last, prevClose, changePercent, volume: q.volume };
}

function stockTypeAllows(filter: string, i: Instrument): boolean {
  switch (filter.trim().toUpperCase()) {
    case '':
    case 'ALL':
      return true;
    case 'ETF':
      return i.stockType === 'ETF';
    case 'CORP':
    case 'STOCK':
      return i.stockType !== 'ETF';
    default:
      return false; // ADR, REIT, CEF: the catalog has none
  }
}

export function rowLimit(numberOfRows: number | undefined): number {
  if (numberOfRows === undefined || numberOfRows < 0 || numberOfRows > MAX_SCAN_ROWS) return MAX_SCAN_ROWS;
  return numberOfRows;
}

export function runScan(catalog: Catalog, quotes: QuoteSource, request: ScanRequest, tMs: number): ScanOutcome {
  const type = SCAN_TYPES.find((t) => t.code === request.scanCode.trim().toUpperCase());
  if (type === undefined) return { kind: 'unknown-scan-code' };
  const location = SCAN_LOCATIONS.find((l) => l.code === request.locationCode.trim().toUpperCase());
  if (location === undefined || request.instrument.trim().toUpperCase() !== 'STK') return { kind: 'unknown-location' };
  const candidates = catalog.instruments
    .filter((i) => i.secType === 'STK' && location.includes(i) && stockTypeAllows(request.stockTypeFilter, i))
    .map((instrument) => ({ instrument, figures: dayFigures(quotes, instrument, tMs) }))
    .filter(({ figures }) => request.abovePrice === undefined || figures.last > request.abovePrice)
    .filter(({ figures }) => request.belowPrice === undefined || figures.last < request.belowPrice)
    .filter(({ figures }) => request.aboveVolume === undefined || figures.volume > request.aboveVolume);
  const sign = type.descending ? -1 : 1;
  // conId breaks ties so a rank never depends on catalog order.
  candidates.sort(
    (a, b) => sign * (type.value(a.figures) - type.value(b.figures)) || a.instrument.conId - b.instrument.conId,
  );
  return { kind: 'rows', rows: candidates.slice(0, rowLimit(request.numberOfRows)) };
}
