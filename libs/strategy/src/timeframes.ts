/**
 * Bars of any timeframe built from the run's base bars, the same way in every mode (so a custom `7m` bar in a
 * backtest is the bar a live run sees). Slots are aligned to UTC multiples of the timeframe (a `1d` bar is a UTC
 * day). A slot's bar is complete when a base bar ends on the slot's end, or, when the data has a gap there, when
 * the first base bar of a later slot arrives (or the run ends).
 */
import { timeframeSeconds } from '@trading-system/contracts';
import { StrategyUsageError } from './errors.js';
import type { Bar } from './types.js';

/** Timeframe length in ms; calendar months are refused (no fixed length to align to). */
export function timeframeMs(token: string): number {
  try {
    return timeframeSeconds(token) * 1000;
  } catch (err) {
    throw new StrategyUsageError(`timeframe '${token}': ${(err as Error).message}`, { cause: err });
  }
}

export class BarAggregator {
  readonly timeframe: string;
  private readonly spanMs: number;
  private slot = Number.NaN;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;

  constructor(
    readonly symbol: string,
    timeframe: string,
    baseMs: number,
  ) {
    this.timeframe = timeframe;
    this.spanMs = timeframeMs(timeframe);
    if (this.spanMs % baseMs !== 0 || this.spanMs < baseMs)
      throw new StrategyUsageError(
        `timeframe ${timeframe} is not a whole multiple of the run's bar size (${baseMs / 1000} s)`,
      );
  }

  /** Adds one base bar; returns the bars it completes (0, 1 or 2: a gap closes the old slot first). */
  add(bar: Bar, out: Bar[]): void {
    const slot = Math.floor(bar.time / this.spanMs) * this.spanMs;
    if (slot !== this.slot) {
      this.flush(out);
      this.slot = slot;
      this.open = bar.open;
      this.high = bar.high;
      this.low = bar.low;
      this.close = bar.close;
      this.volume = bar.volume;
    } else {
      if (bar.high > this.high) this.high = bar.high;
      if (bar.low < this.low) this.low = bar.low;
      this.close = bar.close;
      this.volume += bar.volume;
    }
    if (bar.endTime >= slot + this.spanMs) this.flush(out);
  }

  /** Emits the slot in progress (end of data). */
  flush(out: Bar[]): void {
    if (Number.isNaN(this.slot)) return;
    out.push({
      symbol: this.symbol,
      timeframe: this.timeframe,
      time: this.slot,
      endTime: this.slot + this.spanMs,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
    });
    this.slot = Number.NaN;
  }
}

/**
 * Every timeframe a strategy asked for, per symbol, ordered shortest first; the base timeframe passes through.
 * `push(bar)` returns the bars to deliver, in delivery order.
 */
export class TimeframeFanout {
  private readonly aggregators = new Map<string, BarAggregator[]>();
  private readonly wantsBase: boolean;
  private readonly out: Bar[] = [];
  private readonly built: Bar[] = [];

  constructor(
    symbols: readonly string[],
    readonly baseTimeframe: string,
    timeframes: readonly string[],
  ) {
    const baseMs = timeframeMs(baseTimeframe);
    const unique = [...new Set(timeframes.length === 0 ? [baseTimeframe] : timeframes)].sort(
      (a, b) => timeframeMs(a) - timeframeMs(b),
    );
    this.wantsBase = unique.some((t) => timeframeMs(t) === baseMs);
    const others = unique.filter((t) => timeframeMs(t) !== baseMs);
    for (const symbol of symbols)
      this.aggregators.set(
        symbol,
        others.map((t) => new BarAggregator(symbol, t, baseMs)),
      );
  }

  /** True when the strategy receives the base bars as they are (no aggregation work at all). */
  get passthroughOnly(): boolean {
    for (const list of this.aggregators.values()) if (list.length > 0) return false;
    return this.wantsBase;
  }

  push(bar: Bar): readonly Bar[] {
    const out = this.out;
    out.length = 0;
    const list = this.aggregators.get(bar.symbol);
    if (list === undefined || list.length === 0) {
      if (this.wantsBase) out.push(bar);
      return out;
    }
    const built = this.built;
    built.length = 0;
    for (const a of list) a.add(bar, built);
    // A slot closed by a gap ended before this bar: it goes first.
    for (const b of built) if (b.endTime <= bar.time) out.push(b);
    if (this.wantsBase) out.push(bar);
    for (const b of built) if (b.endTime > bar.time) out.push(b);
    return out;
  }

  /** Bars still forming at the end of the run. */
  flush(): Bar[] {
    const out: Bar[] = [];
    for (const list of this.aggregators.values()) for (const a of list) a.flush(out);
    return out;
  }
}
