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

  /** Called on every bar: kept small so V8 inlines it into the engine loop; the rare work is in `close`. */
  add(time: number, equity: number, drawdown: number): void {
    if (drawdown > this.worst) this.worst = drawdown;
    if (++this.inStride >= this.stride) this.close(time, equity);
  }

  private close(time: number, equity: number): void {
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
  /** Bars in the candle being built (0: none); its fields are numbers here, an object only once it is complete. */
  private inStride = 0;
  private time = 0;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;

  constructor(private readonly max = 4096) {}

  /** Called on every bar: kept small so V8 inlines it into the engine loop; the rare work is in `complete`. */
  add(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.inStride === 0) {
      this.time = time;
      this.open = open;
      this.high = high;
      this.low = low;
      this.volume = volume;
    } else {
      if (high > this.high) this.high = high;
      if (low < this.low) this.low = low;
      this.volume += volume;
    }
    this.close = close;
    if (++this.inStride >= this.stride) this.complete();
  }

  private current(): Candle {
    return { time: this.time, open: this.open, high: this.high, low: this.low, close: this.close, volume: this.volume };
  }

  private complete(): void {
    this.candles.push(this.current());
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
    if (this.inStride > 0) out.push(this.current());
    return { candles: out, barsPerCandle: this.stride };
  }
}
