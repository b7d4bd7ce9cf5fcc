/** Bars as shared columns (one SharedArrayBuffer per field), so worker threads read one copy of the data. */
import type { BarSeriesInput, InputBar } from '../engine.js';
import type { InstrumentOptions } from '../instruments.js';

export interface SharedSeries {
  /** Serialisable instrument fields only (no session functions cross a thread). */
  readonly instrument: Omit<InstrumentOptions, 'isOpen' | 'sessionEndAfter'>;
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

const shared = (n: number): Float64Array => new Float64Array(new SharedArrayBuffer(n * 8));

export function toShared(series: BarSeriesInput): SharedSeries {
  const bars = [...series.bars];
  const n = bars.length;
  const s: SharedSeries = {
    instrument: {
      symbol: series.instrument.symbol,
      ...(series.instrument.secType === undefined ? {} : { secType: series.instrument.secType }),
      ...(series.instrument.currency === undefined ? {} : { currency: series.instrument.currency }),
      ...(series.instrument.exchange === undefined ? {} : { exchange: series.instrument.exchange }),
      ...(series.instrument.minTick === undefined ? {} : { minTick: series.instrument.minTick }),
      ...(series.instrument.multiplier === undefined ? {} : { multiplier: series.instrument.multiplier }),
      ...(series.instrument.instrumentId === undefined ? {} : { instrumentId: series.instrument.instrumentId }),
    },
    length: n,
    time: shared(n),
    open: shared(n),
    high: shared(n),
    low: shared(n),
    close: shared(n),
    volume: shared(n),
  };
  bars.forEach((b, i) => {
    s.time[i] = b.time;
    s.open[i] = b.open;
    s.high[i] = b.high;
    s.low[i] = b.low;
    s.close[i] = b.close;
    s.volume[i] = b.volume ?? 0;
  });
  return s;
}

/** Iterates columns as bars (a fresh object per bar: the strategy may keep them). */
export class ColumnBars implements Iterable<InputBar> {
  /** The engine reads these directly (no bar object per row); iterating still gives fresh bars. */
  constructor(readonly columns: Omit<SharedSeries, 'instrument'>) {}

  [Symbol.iterator](): Iterator<InputBar> {
    const s = this.columns;
    let i = 0;
    return {
      next(): IteratorResult<InputBar> {
        if (i >= s.length) return { done: true, value: undefined };
        const bar = {
          time: s.time[i] as number,
          open: s.open[i] as number,
          high: s.high[i] as number,
          low: s.low[i] as number,
          close: s.close[i] as number,
          volume: s.volume[i] as number,
        };
        i++;
        return { done: false, value: bar };
      },
    };
  }
}

export function fromShared(s: SharedSeries): BarSeriesInput {
  return { instrument: s.instrument, bars: new ColumnBars(s), length: s.length };
}
