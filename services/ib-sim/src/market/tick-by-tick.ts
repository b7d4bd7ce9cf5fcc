/**
 * Tick-by-tick data (TWS's Time & Sales) for one subscription, from the same quotes and trades as reqMktData:
 * Last/AllLast are the trades of the one-second trade grid (price = `quoteAt(conId, second).last`, size = its
 * `lastSize`), BidAsk / MidPoint every change of the quote sampled on the instrument's tick grid. Unlike the
 * batched reqMktData stream nothing is skipped: a late timer pass walks every grid point since the last one.
 * Times are epoch seconds. Outside trading hours the quote is frozen, so nothing ticks.
 */
import type { Instrument } from '../instruments/instrument.js';
import { unit } from './hash.js';
import type { Quote, QuoteSource } from './quote-source.js';

export const TICK_BY_TICK_TYPES = ['Last', 'AllLast', 'BidAsk', 'MidPoint'] as const;
export type TickByTickType = (typeof TICK_BY_TICK_TYPES)[number];

/** The tickType number TICK_BY_TICK (99) carries. */
export const TICK_BY_TICK_WIRE: Readonly<Record<TickByTickType, number>> = {
  Last: 1,
  AllLast: 2,
  BidAsk: 3,
  MidPoint: 4,
};

export function parseTickByTickType(text: string): TickByTickType | undefined {
  // TWS matches case-sensitively ("The tick type field is case sensitive").
  return (TICK_BY_TICK_TYPES as readonly string[]).includes(text) ? (text as TickByTickType) : undefined;
}

export interface LastTick {
  readonly kind: 'last';
  readonly timeS: number;
  readonly price: number;
  readonly size: number;
  readonly pastLimit: boolean;
  readonly unreported: boolean;
  readonly exchange: string;
  readonly specialConditions: string;
}

export interface BidAskTick {
  readonly kind: 'bidAsk';
  readonly timeS: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly bidPastLow: boolean;
  readonly askPastHigh: boolean;
}

export interface MidPointTick {
  readonly kind: 'midPoint';
  readonly timeS: number;
  readonly midPoint: number;
}

export type TickByTick = LastTick | BidAskTick | MidPointTick;

/** TWS returns at most 1000 historical ticks ahead of the stream. */
export const MAX_HISTORICAL_TICKS = 1_000;
/** Most grid points one pass (or one history walk) looks at: a stalled or fast clock skips instead of flooding. */
const MAX_GRID_STEPS = 200_000;
/** Venues a US stock trade prints on (deterministic per trade second). */
const STOCK_TRADE_VENUES = ['NASDAQ', 'ARCA', 'NYSE', 'BATS', 'DRCTEDGE', 'IEX', 'FINRA'] as const;

const alignDown = (t: number, step: number): number => Math.floor(t / step) * step;

export class TickByTickStream {
  private lastTradeSecond = Number.NEGATIVE_INFINITY;
  private lastGridMs = Number.NaN;
  private lastQuote: Quote | undefined;
  private readonly step: number;

  constructor(
    private readonly quotes: QuoteSource,
    readonly instrument: Instrument,
    readonly type: TickByTickType,
    /** BidAsk only: skip changes of size alone (TWS's ignoreSize). */
    private readonly ignoreSize: boolean,
  ) {
    this.step = Math.max(1, instrument.tickIntervalMs);
  }

  private get trades(): boolean {
    return this.type === 'Last' || this.type === 'AllLast';
  }

  private effective(tMs: number): number {
    return this.quotes.effectiveTime(this.instrument, tMs);
  }

  /**
   * Opens the stream at nowMs: the `count` most recent ticks (oldest first), then for BidAsk / MidPoint with no
   * history asked the current quote, so a quiet market still shows where it stands. Later ticks come from `advance`.
   */
  start(nowMs: number, count: number): TickByTick[] {
    const n = Math.max(0, Math.min(count, MAX_HISTORICAL_TICKS));
    const grid = alignDown(this.effective(nowMs), this.step);
    this.lastGridMs = alignDown(nowMs, this.step);
    if (this.trades) {
      this.lastTradeSecond = Math.floor(this.effective(nowMs) / 1000);
      return n === 0 ? [] : this.tradesBack(this.lastTradeSecond, n, Number.NEGATIVE_INFINITY);
    }
    this.lastQuote = this.quoteOnGrid(grid);
    if (n === 0) return [this.quoteTick(this.lastQuote, grid)];
    return this.quoteChangesBack(grid, n);
  }

  /** Every tick after the last emission up to nowMs, in time order. */
  advance(nowMs: number): TickByTick[] {
    if (this.trades) {
      const second = Math.floor(this.effective(nowMs) / 1000);
      if (second <= this.lastTradeSecond) return [];
      const out = this.tradesBack(second, MAX_HISTORICAL_TICKS, this.lastTradeSecond);
      this.lastTradeSecond = second;
      return out;
    }
    const out: TickByTick[] = [];
    const end = alignDown(nowMs, this.step);
    let g = Math.max(this.lastGridMs, end - MAX_GRID_STEPS * this.step);
    while (g + this.step <= end) {
      g += this.step;
      const grid = alignDown(this.effective(g), this.step);
      const q = this.quoteOnGrid(grid);
      if (this.lastQuote === undefined || this.changed(this.lastQuote, q)) out.push(this.quoteTick(q, grid));
      this.lastQuote = q;
    }
    this.lastGridMs = Math.max(this.lastGridMs, end);
    return out;
  }

  /** Up to `count` trades of the seconds in (afterSecond, fromSecond], oldest first; closed periods have none. */
  private tradesBack(fromSecond: number, count: number, afterSecond: number): LastTick[] {
    const out: LastTick[] = [];
    let second = fromSecond;
    while (out.length < count && second > afterSecond) {
      out.push(this.trade(second));
      const previous = Math.floor(this.effective(second * 1000 - 1) / 1000);
      if (previous >= second) break;
      second = previous;
    }
    return out.reverse();
  }

  private trade(second: number): LastTick {
    const q = this.quotes.quoteAt(this.instrument.conId, second * 1000);
    return {
      kind: 'last',
      timeS: second,
      price: q.last,
      size: q.lastSize,
      pastLimit: false,
      unreported: false,
      exchange: this.tradeVenue(second),
      specialConditions: '',
    };
  }

  private tradeVenue(second: number): string {
    if (this.instrument.secType !== 'STK') return this.instrument.exchange;
    const i = Math.floor(unit(this.quotes.seed, this.instrument.conId, second, 21) * STOCK_TRADE_VENUES.length);
    return STOCK_TRADE_VENUES[i] ?? 'NASDAQ';
  }

  /** The `count` latest quote changes at or before the grid point `fromGrid` (effective time), oldest first. */
  private quoteChangesBack(fromGrid: number, count: number): TickByTick[] {
    const out: TickByTick[] = [];
    let cursor = fromGrid;
    let state = this.quoteOnGrid(cursor);
    for (let i = 0; i < MAX_GRID_STEPS && out.length < count; i++) {
      const earlier = alignDown(this.effective(cursor - this.step), this.step);
      if (earlier >= cursor) break;
      const before = this.quoteOnGrid(earlier);
      if (this.changed(before, state)) out.push(this.quoteTick(state, cursor));
      cursor = earlier;
      state = before;
    }
    return out.reverse();
  }

  private quoteOnGrid(gridMs: number): Quote {
    return this.quotes.quoteAt(this.instrument.conId, gridMs);
  }

  private changed(a: Quote, b: Quote): boolean {
    if (this.type === 'MidPoint') return a.bid + a.ask !== b.bid + b.ask;
    if (a.bid !== b.bid || a.ask !== b.ask) return true;
    return !this.ignoreSize && (a.bidSize !== b.bidSize || a.askSize !== b.askSize);
  }

  private quoteTick(q: Quote, gridMs: number): BidAskTick | MidPointTick {
    const timeS = Math.floor(gridMs / 1000);
    if (this.type === 'MidPoint') return { kind: 'midPoint', timeS, midPoint: (q.bid + q.ask) / 2 };
    return {
      kind: 'bidAsk',
      timeS,
      bid: q.bid,
      ask: q.ask,
      bidSize: q.bidSize,
      askSize: q.askSize,
      bidPastLow: false,
      askPastHigh: false,
    };
  }
}
