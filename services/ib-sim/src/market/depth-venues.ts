/**
 * Where the sim serves market depth, as TWS lists it in reqMktDepthExchanges (MKT_DEPTH_EXCHANGES). A depth request
 * names one of these exchanges for its secType, or asks for SMART depth (isSmartDepth) aggregated over them; any
 * other combination is refused with 10092. `Deep2` venues carry a market maker per row, so TWS answers them with
 * MARKET_DEPTH_L2 (13); `Deep` venues with MARKET_DEPTH (12).
 */
import type { SecType } from '../instruments/instrument.js';

export interface DepthVenue {
  readonly exchange: string;
  readonly secType: SecType;
  /** Listing exchange the feed is limited to; empty = every listing. */
  readonly listingExch: string;
  readonly serviceDataType: 'Deep' | 'Deep2';
  /** TWS's aggregation group; 2147483647 = none (clients read it as an integer: never ""). */
  readonly aggGroup: number;
}

const NO_GROUP = 2147483647;

export const DEPTH_VENUES: readonly DepthVenue[] = [
  { exchange: 'ISLAND', secType: 'STK', listingExch: '', serviceDataType: 'Deep2', aggGroup: 1 },
  { exchange: 'ARCA', secType: 'STK', listingExch: '', serviceDataType: 'Deep', aggGroup: 1 },
  { exchange: 'BATS', secType: 'STK', listingExch: '', serviceDataType: 'Deep', aggGroup: 1 },
  { exchange: 'IEX', secType: 'STK', listingExch: '', serviceDataType: 'Deep', aggGroup: 1 },
  { exchange: 'NYSE', secType: 'STK', listingExch: 'NYSE', serviceDataType: 'Deep', aggGroup: 1 },
  { exchange: 'CME', secType: 'FUT', listingExch: '', serviceDataType: 'Deep', aggGroup: NO_GROUP },
  { exchange: 'IDEALPRO', secType: 'CASH', listingExch: '', serviceDataType: 'Deep', aggGroup: 4 },
];

/** Market-maker ids on the ISLAND (TotalView) book: NSDQ is Nasdaq's own aggregate, the rest dealers. */
export const ISLAND_MARKET_MAKERS: readonly string[] = [
  'NSDQ',
  'ARCX',
  'GSCO',
  'MSCO',
  'CDRG',
  'UBSS',
  'NITE',
  'JPMS',
  'SUSQ',
  'VIRT',
];

/** SMART depth names the exchange of each row in the market-maker field (TWS's abbreviations). */
const SMART_STOCK_VENUES: readonly string[] = ['NSDQ', 'ARCA', 'BATS', 'IEX', 'NYSE', 'EDGX', 'MEMX', 'BYX'];

export function depthVenue(secType: SecType, exchange: string): DepthVenue | undefined {
  const wanted = exchange.trim().toUpperCase();
  return DEPTH_VENUES.find((v) => v.secType === secType && v.exchange === wanted);
}

/** The row-level venue names of a SMART depth book for this secType; empty when SMART depth has no venue. */
export function smartDepthVenues(secType: SecType): readonly string[] {
  if (secType === 'STK') return SMART_STOCK_VENUES;
  return DEPTH_VENUES.filter((v) => v.secType === secType).map((v) => v.exchange);
}
