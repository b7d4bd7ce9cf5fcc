/**
 * A breakout on a custom timeframe with a stop-limit exit. On 7-minute bars (built from the run's 1-minute bars)
 * it buys when a bar closes above the highest high of the previous `lookback` bars; the exit is a protective
 * STP LMT order `stopTicks` below the entry (limit `limitTicks` under the stop), moved up (modify) as new 7-minute
 * highs are made, and cancelled when a 7-minute bar closes below its EMA(`ema`), which exits at market instead.
 *
 *   trading-system backtest examples/strategies/breakout-stop-limit.ts --data sim:6E --from 2024-01-02 --to 2024-01-06
 */
import type { Bar, Fill, Strategy, StrategyContext } from '@trading-system/strategy';
import type { EMA } from 'trading-signals';

export default class BreakoutStopLimit implements Strategy {
  readonly name = 'breakout-stop-limit';
  readonly params = { lookback: 6, ema: 12, stopTicks: 30, limitTicks: 10, quantity: 1 };
  readonly timeframes = ['7m'];
  private highs: number[] = [];
  private ema!: EMA;
  private stopId: string | undefined;
  private stopPrice = 0;

  onStart(ctx: StrategyContext): void {
    this.ema = new ctx.indicators.EMA(Number(ctx.params.ema));
  }

  onBar(bar: Bar, ctx: StrategyContext): void {
    const lookback = Number(ctx.params.lookback);
    const average = this.ema.add(bar.close);
    const previousHigh = this.highs.length >= lookback ? Math.max(...this.highs.slice(-lookback)) : undefined;
    this.highs.push(bar.high);
    if (this.highs.length > lookback) this.highs.shift();
    const position = ctx.position(bar.symbol);
    if (
      position === 0 &&
      ctx.openOrders(bar.symbol).length === 0 &&
      previousHigh !== undefined &&
      bar.close > previousHigh
    ) {
      ctx.buy(bar.symbol, Number(ctx.params.quantity));
      return;
    }
    if (position > 0 && average !== null && bar.close < average) {
      if (this.stopId !== undefined) ctx.cancel(this.stopId);
      this.stopId = undefined;
      ctx.sell(bar.symbol, position);
      return;
    }
    if (position > 0 && this.stopId !== undefined) {
      const raised = this.stopFor(bar.high, ctx, bar.symbol);
      if (raised > this.stopPrice) {
        this.stopPrice = raised;
        ctx.modify(this.stopId, { stopPrice: raised, limitPrice: this.limitFor(raised, ctx, bar.symbol) });
      }
    }
  }

  onFill(fill: Fill, ctx: StrategyContext): void {
    if (fill.side === 'BUY' && ctx.position(fill.symbol) > 0) {
      this.stopPrice = this.stopFor(fill.price, ctx, fill.symbol);
      this.stopId = ctx.sell(fill.symbol, ctx.position(fill.symbol), {
        type: 'STP LMT',
        stopPrice: this.stopPrice,
        limitPrice: this.limitFor(this.stopPrice, ctx, fill.symbol),
        tif: 'GTC',
      });
    } else if (fill.orderId === this.stopId && ctx.position(fill.symbol) === 0) this.stopId = undefined;
  }

  private stopFor(price: number, ctx: StrategyContext, symbol: string): number {
    return ctx.roundToTick(price - Number(ctx.params.stopTicks) * ctx.tickSize(symbol), symbol);
  }

  private limitFor(stop: number, ctx: StrategyContext, symbol: string): number {
    return ctx.roundToTick(stop - Number(ctx.params.limitTicks) * ctx.tickSize(symbol), symbol);
  }
}
