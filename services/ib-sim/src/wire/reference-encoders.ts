/**
 * Encoders of the reference-data and miscellaneous answers (server version 176–178 share every layout here).
 * Field counts are pinned by test/reference-data.test.ts. Layouts read off IB's Java EDecoder (stoqey/ib
 * ref/client, 10.32.01), @stoqey/ib's decoder.js and ib_async's decoder.py; "no version" means the decoders read
 * no version field for that message at sv ≥ 100.
 */
import type { PriceIncrement } from '../instruments/market-rules.js';
import type { Fields } from './encoders.js';
import { fmtDouble, fmtInt } from './fields.js';
import { OUT } from './message-ids.js';

const id = (n: number): string => String(n);

/** MARKET_RULE (no version): ruleId, count, then lowEdge|increment per band. */
export function marketRule(ruleId: number, increments: readonly PriceIncrement[]): Fields {
  const out: Fields = [id(OUT.MARKET_RULE), fmtInt(ruleId), fmtInt(increments.length)];
  for (const band of increments) out.push(fmtDouble(band.lowEdge), fmtDouble(band.increment));
  return out;
}

export interface FamilyCode {
  readonly accountId: string;
  readonly familyCode: string;
}

/** FAMILY_CODES (no version, no request id): count, then accountID|familyCode. */
export function familyCodes(codes: readonly FamilyCode[]): Fields {
  const out: Fields = [id(OUT.FAMILY_CODES), fmtInt(codes.length)];
  for (const c of codes) out.push(c.accountId, c.familyCode);
  return out;
}

export interface SmartComponent {
  readonly bitNumber: number;
  readonly exchange: string;
  /** One character (Java reads it with readChar). */
  readonly exchangeLetter: string;
}

/** SMART_COMPONENTS (no version): reqId, count, then bitNumber|exchange|exchangeLetter. */
export function smartComponents(reqId: number, components: readonly SmartComponent[]): Fields {
  const out: Fields = [id(OUT.SMART_COMPONENTS), fmtInt(reqId), fmtInt(components.length)];
  for (const c of components) out.push(fmtInt(c.bitNumber), c.exchange, c.exchangeLetter);
  return out;
}

export interface NewsProvider {
  readonly code: string;
  readonly name: string;
}

/** NEWS_PROVIDERS (no version, no request id): count, then code|name. */
export function newsProviders(providers: readonly NewsProvider[]): Fields {
  const out: Fields = [id(OUT.NEWS_PROVIDERS), fmtInt(providers.length)];
  for (const p of providers) out.push(p.code, p.name);
  return out;
}

/** HISTORICAL_NEWS_END (no version): reqId, hasMore as 0/1. */
export function historicalNewsEnd(reqId: number, hasMore: boolean): Fields {
  return [id(OUT.HISTORICAL_NEWS_END), fmtInt(reqId), hasMore ? '1' : '0'];
}

/** SOFT_DOLLAR_TIERS (no version): reqId, count, then name|value|displayName per tier (none for the sim). */
export function softDollarTiers(reqId: number): Fields {
  return [id(OUT.SOFT_DOLLAR_TIERS), fmtInt(reqId), '0'];
}

/** USER_INFO (no version, sv ≥ 167): reqId, whiteBrandingId. */
export function userInfo(reqId: number, whiteBrandingId: string): Fields {
  return [id(OUT.USER_INFO), fmtInt(reqId), whiteBrandingId];
}

/** DISPLAY_GROUP_LIST (version 1): reqId, the group ids separated by `|` in one field. */
export function displayGroupList(reqId: number, groups: readonly number[]): Fields {
  return [id(OUT.DISPLAY_GROUP_LIST), '1', fmtInt(reqId), groups.join('|')];
}

/** DISPLAY_GROUP_UPDATED (version 1): reqId, contractInfo (`none`, or `conId@exchange`). */
export function displayGroupUpdated(reqId: number, contractInfo: string): Fields {
  return [id(OUT.DISPLAY_GROUP_UPDATED), '1', fmtInt(reqId), contractInfo];
}
