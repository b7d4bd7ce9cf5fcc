/**
 * A deterministic order book around the sim's quote, and the row operations that move a client's copy of one book
 * to the next. The best level of each side is exactly `QuoteSource.quoteAt` (price and size), so depth agrees with
 * top-of-book market data and with what the matching engine fills against; deeper levels sit one tick apart with
 * sizes that are a pure function of (seed, conId, price, side, time) and change every few seconds, level by level.
 */
import type { Instrument } from '../instruments/instrument.js';
import { mix, unit } from './hash.js';
import { type QuoteSource, roundToTick } from './quote-source.js';

export interface BookLevel {
  readonly price: number;
  /** Shares / contracts / units of base currency. */
  readonly size: number;
  /** Market maker (Deep2 venues) or exchange (SMART depth) of the row; empty when the venue has none. */
  readonly marketMaker: string;
}

export interface Book {
  /** Best (lowest) first. */
  readonly asks: readonly BookLevel[];
  /** Best (highest) first. */
  readonly bids: readonly BookLevel[];
}

/** TWS's side codes in MARKET_DEPTH / MARKET_DEPTH_L2. */
export const SIDE = { ask: 0, bid: 1 } as const;
/** TWS's row operations. */
export const OPERATION = { insert: 0, update: 1, delete: 2 } as const;

export interface BookOp {
  readonly position: number;
  readonly operation: 0 | 1 | 2;
  readonly side: 0 | 1;
  /** The row inserted or updated; for a delete, the row removed. */
  readonly level: BookLevel;
}

/** A deeper level keeps its size for this long; each level starts its period at its own phase. */
const SIZE_PERIOD_MS = 3_000;

function lotUnit(instrument: Instrument): number {
  if (instrument.secType === 'STK') return 100;
  if (instrument.secType === 'CASH') return 100_000;
  return 1;
}

export interface BookSpec {
  readonly rows: number;
  /** Names drawn for the market-maker field, per price level; empty = no market maker. */
  readonly venues: readonly string[];
}

export function bookAt(quotes: QuoteSource, instrument: Instrument, tMs: number, spec: BookSpec): Book {
  const q = quotes.quoteAt(instrument.conId, tMs);
  const t = quotes.effectiveTime(instrument, tMs);
  const side = (best: number, bestSize: number, direction: 1 | -1, salt: number): BookLevel[] => {
    const levels: BookLevel[] = [];
    const tick = instrument.minTick;
    for (let k = 0; k < spec.rows; k++) {
      const price = roundToTick(best + direction * k * tick, tick);
      if (price <= 0) break;
      const index = Math.round(price / tick);
      levels.push({
        price,
        size: k === 0 ? bestSize : deeperSize(quotes.seed, instrument, index, k, salt, t),
        marketMaker: pick(spec.venues, mix(quotes.seed, instrument.conId, index, salt)),
      });
    }
    return levels;
  };
  return { asks: side(q.ask, q.askSize, 1, 31), bids: side(q.bid, q.bidSize, -1, 37) };
}

function deeperSize(seed: number, instrument: Instrument, index: number, k: number, salt: number, t: number): number {
  const phase = Math.floor(unit(seed, instrument.conId, index, salt + 1) * SIZE_PERIOD_MS);
  const period = Math.floor((t + phase) / SIZE_PERIOD_MS);
  // Liquidity thickens away from the touch, as on real books.
  return lotUnit(instrument) * (1 + Math.floor(unit(seed, instrument.conId, index, salt, period) * (10 + 6 * k)));
}

function pick(venues: readonly string[], hash: number): string {
  return venues.length === 0 ? '' : (venues[hash % venues.length] ?? '');
}

const sameLevel = (a: BookLevel, b: BookLevel): boolean =>
  a.price === b.price && a.size === b.size && a.marketMaker === b.marketMaker;

/**
 * Operations turning the client's rows `from` into `to` for one side. A new better price is inserted (the rows
 * below shift down), a row whose price left the book is overwritten in place, and surplus rows are deleted from the
 * end only: ib_async shifts rows on delete while @stoqey/ib's IBApiNext keys them by position, and both agree on a
 * book where deletes only ever hit the last row.
 */
export function diffSide(from: readonly BookLevel[], to: readonly BookLevel[], side: 0 | 1): BookOp[] {
  const better = (a: number, b: number): boolean => (side === SIDE.bid ? a > b : a < b);
  const rows = [...from];
  const ops: BookOp[] = [];
  for (let i = 0; i < to.length; i++) {
    const want = to[i] as BookLevel;
    const have = rows[i];
    if (have === undefined || better(want.price, have.price)) {
      rows.splice(i, 0, want);
      ops.push({ position: i, operation: OPERATION.insert, side, level: want });
    } else if (!sameLevel(have, want)) {
      rows[i] = want;
      ops.push({ position: i, operation: OPERATION.update, side, level: want });
    }
  }
  while (rows.length > to.length) {
    const position = rows.length - 1;
    ops.push({ position, operation: OPERATION.delete, side, level: rows.pop() as BookLevel });
  }
  return ops;
}

/** Asks then bids: the operations from one book to the next (from an empty book: all inserts). */
export function diffBook(from: Book, to: Book): BookOp[] {
  return [...diffSide(from.asks, to.asks, SIDE.ask), ...diffSide(from.bids, to.bids, SIDE.bid)];
}

export const EMPTY_BOOK: Book = { asks: [], bids: [] };
