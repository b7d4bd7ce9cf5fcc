/** Real-time 5-second bars (reqRealTimeBars): the bar over [startMs, startMs + 5 s). */
import type { Instrument } from '../instruments/instrument.js';
import type { QuoteSource } from '../market/quote-source.js';
import * as enc from '../wire/encoders.js';
import type { WhatToShow } from './bar-size.js';
import { barOver } from './bars.js';

export interface RealtimeBar {
  fields(tickerId: number): enc.Fields;
}

export function realtimeBarAt(
  source: QuoteSource,
  instrument: Instrument,
  whatToShow: WhatToShow,
  useRth: boolean,
  startMs: number,
): RealtimeBar | undefined {
  const bar = barOver(source, instrument, whatToShow, useRth, startMs, startMs + 5_000);
  if (!bar) return undefined;
  const volume = bar.volume < 0 ? '0' : String(bar.volume);
  const wap = bar.wap < 0 ? String((bar.high + bar.low + bar.close) / 3) : String(bar.wap);
  return {
    fields: (tickerId) =>
      enc.realtimeBar(tickerId, Math.floor(startMs / 1000), {
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume,
        wap,
        count: Math.max(0, bar.count),
      }),
  };
}
