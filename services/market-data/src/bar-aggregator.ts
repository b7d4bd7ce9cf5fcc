/**
 * Bars of one timeframe for one instrument, pure (time comes in with the data and as `flush(nowMs)`).
 * Input: trades (from ticks, see tick-trades.ts) or 5-second bars (`md.rtbar.*`). Output: completed bars via
 * `onBar`. Rules (README.md, "Bars"):
 * - a trade at time t belongs to `bucketOf(session, tf, t)` (sessions.ts); OHLC from trade prices, volume the sum
 *   of trade sizes, count the number of trades (of conflated trade messages, for ticks);
 * - a 5-s bar belongs to the bucket of its start; OHLC/volume/count combine the 5-s bars;
 * - a bar completes at the first input past its end, at a 5-s bar that ends at its end, or when
 *   `flush(now)` finds now ≥ end + grace; a completed bar is never reopened: an input older than the open bucket
 *   (or than the last completed bar) is dropped and counted in `late`;
 * - a bucket without input produces no bar (no synthetic flat bars);
 * - `gap`: after `feedLost()` (line stale or down, broker reset) the open bar and the next bar to open are
 *   flagged `gap: true` (the next one may straddle the outage).
 * Hot path (`addTrade` inside the open bucket): two comparisons, a few assignments, one volume add.
 */
import type { Bar } from '@trading-system/contracts';
import { type Bucket, bucketOf, type SessionSpec } from './sessions.js';
import { VolumeSum } from './volume.js';

export interface AggregatorOptions {
  readonly broker: string;
  readonly instrumentId: string;
  /** Canonical timeframe token, e.g. `7m`. */
  readonly timeframe: string;
  readonly tfMs: number;
  readonly session: SessionSpec;
  /** Called with every completed bar (complete: true). */
  readonly onBar: (bar: Bar) => void;
  /** Publisher time for `tsInitMs`. */
  readonly now: () => number;
}

export class BarAggregator {
  readonly timeframe: string;
  /** Inputs dropped because their bucket was already completed or passed. */
  late = 0;
  /** Completed bars emitted. */
  emitted = 0;
  private open = false;
  private startMs = 0;
  private endMs = -1;
  /** End of the last completed bucket: nothing older may open a bar again. */
  private doneUntilMs = Number.NEGATIVE_INFINITY;
  private o = '';
  private h = '';
  private hNum = 0;
  private l = '';
  private lNum = 0;
  private c = '';
  private count = 0;
  private readonly volume = new VolumeSum();
  private gap = false;
  private gapArmed = false;

  constructor(private readonly opts: AggregatorOptions) {
    this.timeframe = opts.timeframe;
  }

  /** One trade (price as its decimal string and as a number for comparisons). */
  addTrade(tsMs: number, price: string, priceNum: number, size: string): void {
    if (!this.open || tsMs >= this.endMs || tsMs < this.startMs) {
      if (!this.enter(tsMs)) return;
      this.o = this.h = this.l = this.c = price;
      this.hNum = this.lNum = priceNum;
    } else {
      if (priceNum > this.hNum) {
        this.h = price;
        this.hNum = priceNum;
      } else if (priceNum < this.lNum) {
        this.l = price;
        this.lNum = priceNum;
      }
      this.c = price;
    }
    this.count++;
    this.volume.add(size);
  }

  /** One 5-second bar (or any bar shorter than the timeframe that tiles it). */
  addBar(b: {
    readonly tsStartMs: number;
    readonly tsEndMs: number;
    readonly open: string;
    readonly high: string;
    readonly low: string;
    readonly close: string;
    readonly volume: string;
    readonly count?: number | undefined;
  }): void {
    const hi = Number(b.high);
    const lo = Number(b.low);
    if (!this.open || b.tsStartMs >= this.endMs || b.tsStartMs < this.startMs) {
      if (!this.enter(b.tsStartMs)) return;
      this.o = b.open;
      this.h = b.high;
      this.hNum = hi;
      this.l = b.low;
      this.lNum = lo;
    } else {
      if (hi > this.hNum) {
        this.h = b.high;
        this.hNum = hi;
      }
      if (lo < this.lNum) {
        this.l = b.low;
        this.lNum = lo;
      }
    }
    this.c = b.close;
    this.count += b.count ?? 0;
    this.volume.add(b.volume);
    if (b.tsEndMs >= this.endMs) this.complete();
  }

  /** Completes the open bar when its end plus `graceMs` has passed at `nowMs` (the timer rule). */
  flush(nowMs: number, graceMs: number): void {
    if (this.open && nowMs >= this.endMs + graceMs) this.complete();
  }

  /** Data was lost (feed stale/down, broker reset): flag the open bar and the next one. */
  feedLost(): void {
    if (this.open) this.gap = true;
    this.gapArmed = true;
  }

  /** The bucket currently being built, if any (for tests and health). */
  current(): Bucket | undefined {
    return this.open ? { startMs: this.startMs, endMs: this.endMs } : undefined;
  }

  /** Completes the open bar (if any) when the input's time is past it, then opens the input's bucket. */
  private enter(tsMs: number): boolean {
    if (this.open) {
      if (tsMs < this.startMs) {
        this.late++;
        return false;
      }
      this.complete();
    }
    if (tsMs < this.doneUntilMs) {
      this.late++;
      return false;
    }
    const b = bucketOf(this.opts.session, this.opts.tfMs, tsMs);
    this.open = true;
    this.startMs = b.startMs;
    this.endMs = b.endMs;
    this.count = 0;
    this.volume.reset();
    this.gap = this.gapArmed;
    this.gapArmed = false;
    return true;
  }

  private complete(): void {
    this.open = false;
    this.doneUntilMs = this.endMs;
    this.emitted++;
    const { broker, instrumentId, timeframe } = this.opts;
    this.opts.onBar({
      v: 1,
      broker,
      instrumentId,
      timeframe,
      complete: true,
      tsInitMs: this.opts.now(),
      tsStartMs: this.startMs,
      tsEndMs: this.endMs,
      open: this.o,
      high: this.h,
      low: this.l,
      close: this.c,
      volume: this.volume.toString(),
      count: this.count,
      gap: this.gap,
    });
  }
}
