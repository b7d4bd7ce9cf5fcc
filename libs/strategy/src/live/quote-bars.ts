/**
 * Base bars of a live run built from the quotes the broker streams: a slot of the run's bar size, aligned to UTC
 * multiples of it (as the backtester's timeframes are), holds the prices of the quotes received inside it. A
 * quote's price is its last trade, or the mid when the instrument has no trades (FX). Slots follow this process's
 * clock, and the runner completes each one by a timer at its end, so a bar arrives on time even when the market
 * is quiet. Not the quotes' own stamps: a broker's tick times mix exchange stamps (IB's last-trade time) and
 * receive times, and would open and close slots out of order. The slot the run starts in is dropped (its bar would
 * hold only the prices after the start), and so is the one in progress when the run stops. Volume: quotes carry
 * the session's cumulative volume, so a slot's volume is the last cumulative figure inside it minus the last one
 * before it (a figure lower than the one before is a new session: counted from zero); 0 when the broker sends none.
 */
import { timeframeMs } from '../timeframes.js';
import type { Bar, QuoteUpdate } from '../types.js';

/** The price a quote contributes to a bar: last, else mid, else undefined (a one-sided book says nothing). */
export function quotePrice(q: QuoteUpdate): number | undefined {
  if (q.last !== undefined) return q.last;
  if (q.bid !== undefined && q.ask !== undefined) return (q.bid + q.ask) / 2;
  return undefined;
}

export class QuoteBarBuilder {
  readonly spanMs: number;
  private slot = Number.NaN;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  /** Whether the slot in progress has a price; false for the slot the run started inside (never delivered). */
  private priced = false;
  private whole = false;
  /** The session's cumulative volume, as last seen; and as it stood when the slot in progress began. */
  private cumVolume: number | undefined;
  private slotBaseVolume: number | undefined;

  constructor(
    readonly symbol: string,
    readonly timeframe: string,
  ) {
    this.spanMs = timeframeMs(timeframe);
  }

  /** End of the slot in progress (NaN before the first price). */
  get slotEnd(): number {
    return this.slot + this.spanMs;
  }

  /**
   * Adds a price received at `time`. Returns the bar of an earlier slot this completes, when its closing timer has
   * not run yet (a busy event loop); the caller then delivers it before anything of the new slot.
   */
  add(time: number, price: number, cumVolume?: number): Bar | undefined {
    const slot = Math.floor(time / this.spanMs) * this.spanMs;
    let done: Bar | undefined;
    if (slot !== this.slot) {
      done = this.closeAt(time);
      // The first slot is whole only when the run's first price came at its very start.
      this.whole = !Number.isNaN(this.slot) || time === slot;
      this.slot = slot;
      this.priced = false;
      this.slotBaseVolume = this.cumVolume;
    }
    if (cumVolume !== undefined && Number.isFinite(cumVolume)) this.cumVolume = cumVolume;
    if (!this.priced) {
      this.open = price;
      this.high = price;
      this.low = price;
      this.priced = true;
    } else {
      if (price > this.high) this.high = price;
      if (price < this.low) this.low = price;
    }
    this.close = price;
    return done;
  }

  /**
   * The slot's bar when `time` is at or past its end (undefined when it had no price or was the run's first);
   * afterwards the builder waits for the next price. Prices keep counting when a slot passes without any: the
   * next slot starts with the next price, and no bar is made for a slot without prices.
   */
  closeAt(time: number): Bar | undefined {
    if (Number.isNaN(this.slot) || time < this.slotEnd) return undefined;
    const bar: Bar | undefined =
      this.priced && this.whole
        ? {
            symbol: this.symbol,
            timeframe: this.timeframe,
            time: this.slot,
            endTime: this.slot + this.spanMs,
            open: this.open,
            high: this.high,
            low: this.low,
            close: this.close,
            volume: this.slotVolume(),
          }
        : undefined;
    // Following slots are whole: the run was already receiving prices when they began.
    this.whole = true;
    this.priced = false;
    this.slot = Math.floor(time / this.spanMs) * this.spanMs;
    this.slotBaseVolume = this.cumVolume;
    return bar;
  }

  private slotVolume(): number {
    const now = this.cumVolume;
    const before = this.slotBaseVolume;
    if (now === undefined) return 0;
    if (before === undefined) return 0; // no figure before the slot: its own share is unknown
    return now >= before ? now - before : now;
  }
}
