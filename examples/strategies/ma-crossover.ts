/**
 * The original spec's strategy example, as a strategy file: a moving-average crossover, long only. When the fast
 * simple moving average of the closes crosses above the slow one the strategy buys `quantity` if it is flat; when
 * it crosses below it sells what it holds. Market orders, DAY.
 *
 * The same file runs in every mode:
 *   trading-system backtest examples/strategies/ma-crossover.ts --data sim:6E --from 2024-01-02 --to 2024-01-03
 *   trading-system backtest examples/strategies/ma-crossover.ts --symbol AAPL --bar "1 day" --from 2023-01-01 --to 2024-01-01
 *   trading-system run examples/strategies/ma-crossover.ts --broker sim --symbol AAPL --bar 1m
 */
import type { Bar, Strategy, StrategyContext } from '@trading-system/strategy';
import type { SMA } from 'trading-signals';

export default class MovingAverageCrossover implements Strategy {
  readonly name = 'ma-crossover';
  readonly params = { fast: 10, slow: 30, quantity: 100 };
  private readonly averages = new Map<string, { fast: SMA; slow: SMA; previousDiff: number | undefined }>();

  onStart(ctx: StrategyContext): void {
    const fast = Number(ctx.params.fast);
    const slow = Number(ctx.params.slow);
    if (!(fast > 0 && slow > fast)) throw new Error(`need 0 < fast < slow, got fast=${fast} slow=${slow}`);
    for (const symbol of ctx.symbols)
      this.averages.set(symbol, {
        fast: new ctx.indicators.SMA(fast),
        slow: new ctx.indicators.SMA(slow),
        previousDiff: undefined,
      });
    ctx.log.info(`SMA(${fast}) vs SMA(${slow}) on ${ctx.symbols.join(', ')}`);
  }

  onBar(bar: Bar, ctx: StrategyContext): void {
    const a = this.averages.get(bar.symbol);
    if (a === undefined) return;
    const fast = a.fast.add(bar.close);
    const slow = a.slow.add(bar.close);
    if (fast === null || slow === null) return;
    const diff = fast - slow;
    const previous = a.previousDiff;
    a.previousDiff = diff;
    if (previous === undefined || ctx.openOrders(bar.symbol).length > 0) return;
    const position = ctx.position(bar.symbol);
    if (previous <= 0 && diff > 0 && position === 0) ctx.buy(bar.symbol, Number(ctx.params.quantity));
    else if (previous >= 0 && diff < 0 && position > 0) ctx.sell(bar.symbol, position);
  }

  onFill(fill: { side: string; quantity: number; symbol: string; price: number }, ctx: StrategyContext): void {
    ctx.log.info(
      `${fill.side} ${fill.quantity} ${fill.symbol} @ ${fill.price} -> position ${ctx.position(fill.symbol)}`,
    );
  }
}
