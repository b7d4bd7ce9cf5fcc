import type { Bar } from '@trading-system/contracts';
import { priceOrUndefined, sizeOrUndefined, toDecimalString } from './numbers.js';

/** One IB 5-second real-time bar (`time` = bar start, epoch seconds) → contract Bar, or undefined if empty. */
export function toRtBar(
  broker: string,
  instrumentId: string,
  timeSec: number,
  ohlc: readonly [number, number, number, number],
  volume: number,
  wap: number,
  count: number,
  tsInitMs: number,
): Bar | undefined {
  const [o, h, l, c] = ohlc;
  const open = priceOrUndefined(o);
  const high = priceOrUndefined(h);
  const low = priceOrUndefined(l);
  const close = priceOrUndefined(c);
  if (open === undefined || high === undefined || low === undefined || close === undefined) return undefined;
  const tsStartMs = timeSec * 1000;
  const bar: Bar = {
    v: 1,
    broker,
    instrumentId,
    timeframe: '5s',
    complete: true,
    tsInitMs,
    tsStartMs,
    tsEndMs: tsStartMs + 5_000,
    open,
    high,
    low,
    close,
    volume: sizeOrUndefined(volume) ?? '0',
    gap: false,
  };
  const w = wap > 0 ? toDecimalString(wap) : undefined;
  if (w !== undefined) bar.wap = w;
  if (count >= 0) bar.count = count;
  return bar;
}
