/**
 * Executions as IB reports them (spec §3.8) and reqExecutions' filter. execIds follow IB's shape
 * `0000e0d5.65a3c2b1.01.01`: an 8-hex-digit sequence, the fill's epoch seconds in hex, then `.01.01`.
 */
import type { InstrumentId } from '@trading-system/contracts';
import { isValidZone, localToInstant } from '@trading-system/contracts';
import type { SecType } from './ports.js';

export interface ExecutionRecord {
  readonly execId: string;
  readonly orderId: number;
  readonly clientId: number;
  readonly permId: number;
  readonly account: string;
  readonly instrumentId: InstrumentId;
  readonly symbol: string;
  readonly secType: SecType;
  readonly currency: string;
  /** Routing exchange of the order (`SMART`, `IDEALPRO`, …), also reported as the execution venue. */
  readonly exchange: string;
  readonly side: 'BOT' | 'SLD';
  readonly shares: number;
  readonly price: number;
  /** Epoch ms of the fill; the wire front formats it as `yyyyMMdd HH:mm:ss <zone>`. */
  readonly timeMs: number;
  /** Order totals including this fill. */
  readonly cumQty: number;
  readonly avgPrice: number;
  readonly orderRef: string;
  /** 1 added liquidity, 2 removed, 3 routed: every sim fill takes the quote, so 2. */
  readonly lastLiquidity: number;
  readonly commissionMicros: bigint;
  readonly commissionCurrency: string;
  /** undefined for an opening fill (IB sends 1.7976931348623157E308). */
  readonly realizedPnLMicros: bigint | undefined;
}

export function makeExecId(sequence: number, timeMs: number): string {
  const seq = (sequence >>> 0).toString(16).padStart(8, '0');
  const secs = (Math.floor(timeMs / 1000) >>> 0).toString(16).padStart(8, '0');
  return `${seq}.${secs}.01.01`;
}

/** reqExecutions' filter; empty strings and clientId 0 mean "any". */
export interface ExecutionFilter {
  readonly clientId?: number;
  readonly acctCode?: string;
  /** Executions at or after: `yyyyMMdd HH:mm:ss` (UTC), `yyyyMMdd-HH:mm:ss` (UTC) or `yyyyMMdd HH:mm:ss Zone`. */
  readonly time?: string;
  readonly symbol?: string;
  readonly secType?: string;
  readonly exchange?: string;
  /** `BUY` / `SELL` (also accepts `BOT` / `SLD`). */
  readonly side?: string;
}

export class FilterTimeError extends Error {
  override readonly name = 'FilterTimeError';
}

/** Parses the filter's time; throws FilterTimeError on anything else. */
export function parseFilterTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})[ -]+(\d{2}):(\d{2}):(\d{2})(?:\s+(\S+))?$/.exec(text.trim());
  if (!m) throw new FilterTimeError(`unrecognised execution filter time: ${text}`);
  const [, y, mo, d, h, mi, s, zone] = m;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (!zone || zone === 'UTC' || zone === 'GMT') return asUtc;
  if (!isValidZone(zone)) throw new FilterTimeError(`unknown time zone in execution filter: ${zone}`);
  return localToInstant(zone, asUtc);
}

export function matchesFilter(e: ExecutionRecord, f: ExecutionFilter, sinceMs: number | undefined): boolean {
  if (f.clientId && e.clientId !== f.clientId) return false;
  if (f.acctCode && e.account !== f.acctCode) return false;
  if (sinceMs !== undefined && e.timeMs < sinceMs) return false;
  if (f.symbol && e.symbol.toUpperCase() !== f.symbol.toUpperCase()) return false;
  if (f.secType && e.secType !== f.secType.toUpperCase()) return false;
  if (f.exchange && e.exchange.toUpperCase() !== f.exchange.toUpperCase()) return false;
  if (f.side) {
    const side = f.side.toUpperCase();
    const want = side === 'BUY' || side === 'BOT' ? 'BOT' : side === 'SELL' || side === 'SLD' ? 'SLD' : side;
    if (e.side !== want) return false;
  }
  return true;
}

export function filterExecutions(all: readonly ExecutionRecord[], f: ExecutionFilter): ExecutionRecord[] {
  const sinceMs = f.time ? parseFilterTime(f.time) : undefined;
  return all.filter((e) => matchesFilter(e, f, sinceMs));
}
