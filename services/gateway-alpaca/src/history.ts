/**
 * Historical bars, pure parts: our timeframes in Alpaca's spelling, Alpaca's bars as the contract's, and what
 * the gateway announces it serves (the history service plans its chunks from that announcement).
 */
import { type BarData, type HistoryCapabilities, normalizeDecimal } from '@trading-system/contracts';
import type { AlpacaBar } from './wire.js';

/**
 * Bar sizes served directly, and the span one request may cover (kept well below the bus payload limit: a day of
 * crypto minutes is 1,440 bars). Stocks from the stock data API, crypto pairs from the crypto data API.
 */
export function historyCapabilities(requestsPerMinute: number): HistoryCapabilities {
  return {
    assetClasses: ['STK', 'CRYPTO'],
    bars: [
      { timeframe: '1m', maxSpanMs: 86_400_000 },
      { timeframe: '1h', maxSpanMs: 30 * 86_400_000 },
      { timeframe: '1d', maxSpanMs: 366 * 86_400_000 },
    ],
    requestWindow: { max: requestsPerMinute, windowMs: 60_000 },
  };
}

/** Alpaca's `timeframe` for one of ours (`5m` → `5Min`), or undefined when Alpaca has no such bar size. */
export function alpacaTimeframe(token: string): string | undefined {
  const m = /^([1-9][0-9]*)(m|h|d|w|mo)$/.exec(token);
  if (m === null) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'm':
      return n <= 59 ? `${n}Min` : undefined;
    case 'h':
      return n <= 23 ? `${n}Hour` : undefined;
    case 'd':
      return n === 1 ? '1Day' : undefined;
    case 'w':
      return n === 1 ? '1Week' : undefined;
    case 'mo':
      return [1, 2, 3, 4, 6, 12].includes(n) ? `${n}Month` : undefined;
    default:
      return undefined;
  }
}

/**
 * A JSON number as the contract's decimal text, Alpaca's digits kept: the shortest text that reads back as the same
 * double is the text Alpaca sent whenever it had at most 15 significant digits (crypto volumes such as 0.0123456 or
 * 12.3456789 stay exactly that). Only beyond the contract's 12 decimal places (or in exponent form) is it rounded,
 * to 12 places; a fixed toFixed would instead add or drop digits the broker never sent.
 */
export function decimalText(n: number): string {
  const s = String(n);
  if (!/e/i.test(s) && (s.split('.')[1]?.length ?? 0) <= 12) return normalizeDecimal(s);
  return normalizeDecimal(n.toFixed(12));
}
const text = decimalText;

/** An Alpaca bar (stamped at its start) as the contract's bar of `seconds`. */
export function toBarData(b: AlpacaBar, seconds: number): BarData {
  const start = Date.parse(b.t);
  return {
    tsStartMs: start,
    tsEndMs: start + seconds * 1_000,
    open: text(b.o),
    high: text(b.h),
    low: text(b.l),
    close: text(b.c),
    volume: text(b.v),
    ...(b.vw === undefined ? {} : { wap: text(b.vw) }),
    ...(b.n === undefined ? {} : { count: b.n }),
    gap: false,
  };
}
