/**
 * Fixed-memory series for charts: whatever the number of bars, at most `max` points are kept. When full, pairs of
 * neighbours are merged and the stride (samples per point) doubles, so the series keeps the whole run at an even
 * resolution. Equity keeps the last sample of each stride (and the deepest drawdown of it); candles merge OHLC.
 */

export interface CurvePoint {
  readonly time: number;
  readonly equity: number;
  /** Drawdown from the running peak, a fraction (0.05 = 5 %); the deepest within the point's stride. */
  readonly drawdown: number;
}

export interface Candle {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export class EquityCurve {
  private points: CurvePoint[] = [];
  private stride = 1;
  private inStride = 0;
  private worst = 0;

  constructor(private readonly max = 4096) {}

  add(time: number, equity: number, drawdown: number): void {
    if (drawdown > this.worst) this.worst = drawdown;
    if (++this.inStride < this.stride) return;
    this.points.push({ time, equity, drawdown: this.worst });
    this.inStride = 0;
    this.worst = 0;
    if (this.points.length >= this.max) {
      const merged: CurvePoint[] = [];
      for (let i = 0; i + 1 < this.points.length; i += 2) {
        const a = this.points[i] as CurvePoint;
        const b = this.points[i + 1] as CurvePoint;
        merged.push({ time: b.time, equity: b.equity, drawdown: Math.max(a.drawdown, b.drawdown) });
      }
      this.points = merged;
      this.stride *= 2;
    }
  }

  /** The points, with the samples of an unfinished stride as a last point. */
  finish(lastTime: number, lastEquity: number): CurvePoint[] {
    const out = [...this.points];
    if (this.inStride > 0) out.push({ time: lastTime, equity: lastEquity, drawdown: this.worst });
    return out;
  }
}

export class CandleSeries {
  private candles: Candle[] = [];
  private stride = 1;
  private current: { time: number; open: number; high: number; low: number; close: number; volume: number } | undefined;
  private inStride = 0;

  constructor(private readonly max = 4096) {}

  add(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    const c = this.current;
    if (c === undefined) this.current = { time, open, high, low, close, volume };
    else {
      if (high > c.high) c.high = high;
      if (low < c.low) c.low = low;
      c.close = close;
      c.volume += volume;
    }
    if (++this.inStride < this.stride) return;
    this.candles.push(this.current as Candle);
    this.current = undefined;
    this.inStride = 0;
    if (this.candles.length >= this.max) {
      const merged: Candle[] = [];
      for (let i = 0; i + 1 < this.candles.length; i += 2) {
        const a = this.candles[i] as Candle;
        const b = this.candles[i + 1] as Candle;
        merged.push({
          time: a.time,
          open: a.open,
          high: Math.max(a.high, b.high),
          low: Math.min(a.low, b.low),
          close: b.close,
          volume: a.volume + b.volume,
        });
      }
      this.candles = merged;
      this.stride *= 2;
    }
  }

  /** Candles in time order; each spans `barsPerCandle` of the run's bars. */
  finish(): { candles: Candle[]; barsPerCandle: number } {
    const out = [...this.candles];
    if (this.current !== undefined) out.push({ ...this.current });
    return { candles: out, barsPerCandle: this.stride };
  }
}
