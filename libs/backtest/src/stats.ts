/**
 * Performance statistics, computed online (constant memory whatever the number of bars) and defined here once:
 *
 *   period returns  r_i = E_i / E_{i-1} − 1 over `returnPeriod`: 'day' = equity at the last sample of each UTC day
 *                   (a sample at 00:00 closes the day before)
 *                   (the first day against the starting equity), 'bar' = every sample. Intraday bars use 'day'.
 *   totalReturn     E_end / E_start − 1
 *   cagr            (E_end / E_start)^(1 / years) − 1, years = (t_end − t_start) / 365.25 days; null under one day
 *   volatility      sample standard deviation of r × √periodsPerYear
 *   sharpe          (mean(r) − rf / periodsPerYear) / stdev(r) × √periodsPerYear; null with < 2 returns or stdev 0
 *   sortino         (mean(r) − rf / periodsPerYear) / √(Σ min(r, 0)² / n) × √periodsPerYear; null without a loss
 *   maxDrawdown     max over t of 1 − E_t / max_{s ≤ t} E_s (a fraction: 0.12 = 12 %)
 *   maxDrawdownDurationMs  longest time from a peak until equity is back at or above it (or the run ends)
 *   winRate         winning trades / closed trades (a trade: flat → position → flat; its PnL net of commissions)
 *   profitFactor    Σ winning PnL / |Σ losing PnL|; null without a losing trade
 *   exposure        fraction of samples with a position open
 *   turnover        Σ |fill notional| / mean equity
 *   commissions     Σ commissions paid
 * Null marks a statistic the run cannot define (never NaN or Infinity, which JSON cannot carry).
 */

export type ReturnPeriod = 'day' | 'bar';

export interface Statistics {
  readonly startEquity: number;
  readonly endEquity: number;
  readonly totalReturn: number;
  readonly cagr: number | null;
  readonly volatility: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly maxDrawdown: number;
  readonly maxDrawdownDurationMs: number;
  readonly trades: number;
  readonly winningTrades: number;
  readonly losingTrades: number;
  readonly winRate: number | null;
  readonly profitFactor: number | null;
  readonly exposure: number;
  readonly turnover: number;
  readonly commissions: number;
  readonly fills: number;
  readonly returnPeriod: ReturnPeriod;
  readonly returns: number;
  readonly periodsPerYear: number;
}

export interface StatsOptions {
  readonly startEquity: number;
  readonly startTime: number;
  readonly returnPeriod: ReturnPeriod;
  /** 252 for daily returns (default). */
  readonly periodsPerYear?: number;
  /** Annual risk-free rate for Sharpe and Sortino (default 0). */
  readonly riskFreeRate?: number;
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;

export class StatsAccumulator {
  private readonly period: ReturnPeriod;
  private readonly ppy: number;
  private readonly rf: number;
  private readonly startEquity: number;
  private startTime: number;
  // returns (Welford)
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private downside = 0;
  private anyLoss = false;
  private prevClose: number;
  private dayKey = Number.NaN;
  private dayLast = 0;
  // drawdown
  private peak: number;
  private peakTime: number;
  private below = false;
  private maxDd = 0;
  private maxDdDuration = 0;
  // samples
  private samples = 0;
  private exposed = 0;
  private equitySum = 0;
  private lastEquity: number;
  private lastTime: number;
  // trading
  private notional = 0;
  private commission = 0;
  private fillCount = 0;
  private tradeCount = 0;
  private wins = 0;
  private losses = 0;
  private grossWin = 0;
  private grossLoss = 0;

  constructor(o: StatsOptions) {
    this.period = o.returnPeriod;
    this.ppy = o.periodsPerYear ?? 252;
    this.rf = o.riskFreeRate ?? 0;
    this.startEquity = o.startEquity;
    this.startTime = o.startTime;
    this.prevClose = o.startEquity;
    this.peak = o.startEquity;
    this.peakTime = o.startTime;
    this.lastEquity = o.startEquity;
    this.lastTime = o.startTime;
  }

  private addReturn(r: number): void {
    this.n++;
    const d = r - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (r - this.mean);
    if (r < 0) {
      this.downside += r * r;
      this.anyLoss = true;
    }
  }

  /** Sets the run's start (the first bar's time) when it was not known at construction. */
  setStartTime(time: number): void {
    this.startTime = time;
    this.peakTime = time;
    this.lastTime = time;
  }

  /** One equity observation (after every bar's time step); `exposed`: a position was open. */
  addSample(time: number, equity: number, exposed: boolean): void {
    this.samples++;
    if (exposed) this.exposed++;
    this.equitySum += equity;
    this.lastEquity = equity;
    this.lastTime = time;
    if (this.period === 'bar') {
      this.addReturn(equity / this.prevClose - 1);
      this.prevClose = equity;
    } else {
      // A sample is stamped with its bar's end: the bar ending at midnight belongs to the day before.
      const key = Math.floor((time - 1) / DAY_MS);
      if (key !== this.dayKey) {
        if (!Number.isNaN(this.dayKey)) {
          this.addReturn(this.dayLast / this.prevClose - 1);
          this.prevClose = this.dayLast;
        }
        this.dayKey = key;
      }
      this.dayLast = equity;
    }
    if (equity >= this.peak) {
      if (this.below && time - this.peakTime > this.maxDdDuration) this.maxDdDuration = time - this.peakTime;
      this.below = false;
      this.peak = equity;
      this.peakTime = time;
    } else {
      this.below = true;
      const dd = 1 - equity / this.peak;
      if (dd > this.maxDd) this.maxDd = dd;
    }
  }

  addFill(notional: number, commission: number): void {
    this.fillCount++;
    this.notional += Math.abs(notional);
    this.commission += commission;
  }

  /** A closed trade's PnL, net of commissions. */
  addTrade(pnl: number): void {
    this.tradeCount++;
    if (pnl > 0) {
      this.wins++;
      this.grossWin += pnl;
    } else if (pnl < 0) {
      this.losses++;
      this.grossLoss -= pnl;
    }
  }

  /** Current drawdown of `equity` from the peak so far (for the curve). */
  drawdownOf(equity: number): number {
    return equity >= this.peak ? 0 : 1 - equity / this.peak;
  }

  result(): Statistics {
    let n = this.n;
    let mean = this.mean;
    let m2 = this.m2;
    let downside = this.downside;
    let anyLoss = this.anyLoss;
    if (this.period === 'day' && !Number.isNaN(this.dayKey)) {
      // The day in progress closes with the run.
      const r = this.dayLast / this.prevClose - 1;
      n++;
      const d = r - mean;
      mean += d / n;
      m2 += d * (r - mean);
      if (r < 0) {
        downside += r * r;
        anyLoss = true;
      }
    }
    const underwater = this.lastTime - this.peakTime;
    const ddDuration = this.below ? Math.max(this.maxDdDuration, underwater) : this.maxDdDuration;
    const std = n >= 2 ? Math.sqrt(m2 / (n - 1)) : undefined;
    const sqrtPpy = Math.sqrt(this.ppy);
    const excess = mean - this.rf / this.ppy;
    const years = (this.lastTime - this.startTime) / YEAR_MS;
    const growth = this.lastEquity / this.startEquity;
    return {
      startEquity: this.startEquity,
      endEquity: this.lastEquity,
      totalReturn: growth - 1,
      cagr: this.lastTime - this.startTime >= DAY_MS && growth > 0 ? growth ** (1 / years) - 1 : null,
      volatility: std === undefined ? null : std * sqrtPpy,
      // A dispersion at rounding-noise level means "no dispersion": a ratio over it would be noise.
      sharpe: std === undefined || std < 1e-12 ? null : (excess / std) * sqrtPpy,
      sortino: n === 0 || !anyLoss ? null : (excess / Math.sqrt(downside / n)) * sqrtPpy,
      maxDrawdown: this.maxDd,
      maxDrawdownDurationMs: ddDuration,
      trades: this.tradeCount,
      winningTrades: this.wins,
      losingTrades: this.losses,
      winRate: this.tradeCount === 0 ? null : this.wins / this.tradeCount,
      profitFactor: this.grossLoss === 0 ? null : this.grossWin / this.grossLoss,
      exposure: this.samples === 0 ? 0 : this.exposed / this.samples,
      turnover: this.samples === 0 ? 0 : this.notional / (this.equitySum / this.samples),
      commissions: this.commission,
      fills: this.fillCount,
      returnPeriod: this.period,
      returns: n,
      periodsPerYear: this.ppy,
    };
  }
}
