/** A real backtest result for the report tests (listing, HTTP, the browser's report link). */
import { type InputBar, runBacktest } from '@trading-system/backtest';
import type { Strategy } from '@trading-system/strategy';

const T0 = Date.parse('2024-01-02T14:30:00Z');

/** A small real run: buys on the first bar, sells on the third (one round trip). */
export function smallRun(name: string) {
  const bars: InputBar[] = [100, 102, 104, 103, 105].map((c, i) => ({
    time: T0 + i * 60_000,
    open: c - 1,
    high: c + 1,
    low: c - 2,
    close: c,
    volume: 10,
  }));
  let i = 0;
  const strategy: Strategy = {
    name,
    onBar(_bar, ctx) {
      if (i === 0) ctx.buy('AAPL', 10);
      if (i === 2) ctx.sell('AAPL', 10);
      i++;
    },
  };
  return runBacktest({ strategy, data: [{ instrument: { symbol: 'AAPL' }, bars }], timeframe: '1m' });
}
