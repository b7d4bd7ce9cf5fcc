/**
 * The statistics against values computed by hand (the arithmetic is in the comments), so a change of definition
 * shows up here rather than in a report.
 */
import { describe, expect, test } from 'vitest';
import { StatsAccumulator } from '../src/stats.js';

const DAY = 86_400_000;

describe('statistics', () => {
  test('daily bars: returns 10 %, -10 %, 10 % from 100', () => {
    const s = new StatsAccumulator({ startEquity: 100, startTime: 0, returnPeriod: 'bar', periodsPerYear: 252 });
    s.addSample(1 * DAY, 110, true);
    s.addSample(2 * DAY, 99, false);
    s.addSample(3 * DAY, 108.9, true);
    s.addFill(1000, 1);
    s.addFill(1100, 1);
    s.addTrade(50);
    s.addTrade(-20);
    s.addTrade(30);
    const r = s.result();
    // r = [0.1, 99/110 - 1 = -0.1, 108.9/99 - 1 = 0.1]; mean = 1/30; sample variance = (2·(1/15)² + (2/15)²)/2 = 1/75
    expect(r.returns).toBe(3);
    expect(r.totalReturn).toBeCloseTo(0.089, 12);
    // stdev = √(1/75) = 0.115470053837925; × √252
    expect(r.volatility).toBeCloseTo(1.8330302779823362, 10);
    // (1/30) / 0.1154700538 × √252
    expect(r.sharpe).toBeCloseTo(4.582575694955845, 10);
    // downside deviation √(0.01 / 3) = 0.0577350269; (1/30) / 0.0577350269 × √252
    expect(r.sortino).toBeCloseTo(9.165151389911694, 10);
    // peak 110 (day 1), trough 99: 1 − 99/110; still below 110 at the end (day 3): 2 days under water
    expect(r.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(r.maxDrawdownDurationMs).toBe(2 * DAY);
    // 1.089^(365.25 / 3) − 1
    expect(r.cagr).toBeCloseTo(32220.39658302575, 3);
    expect(r.winRate).toBeCloseTo(2 / 3, 12);
    // (50 + 30) / 20
    expect(r.profitFactor).toBe(4);
    expect(r.exposure).toBeCloseTo(2 / 3, 12);
    // 2100 / mean(110, 99, 108.9)
    expect(r.turnover).toBeCloseTo(19.81755268952501, 10);
    expect(r.commissions).toBe(2);
    expect(r.fills).toBe(2);
    expect(r.trades).toBe(3);
    expect(r.winningTrades).toBe(2);
    expect(r.losingTrades).toBe(1);
  });

  test('intraday samples become one return per UTC day, the first against the starting equity', () => {
    const s = new StatsAccumulator({ startEquity: 100, startTime: 0, returnPeriod: 'day' });
    s.addSample(10 * 3_600_000, 101, true);
    s.addSample(16 * 3_600_000, 102, true);
    s.addSample(DAY + 10 * 3_600_000, 99, true);
    s.addSample(DAY + 16 * 3_600_000, 104.04, false);
    const r = s.result();
    // 102/100 − 1 = 0.02 and 104.04/102 − 1 = 0.02: no dispersion, so no Sharpe; no losing day, so no Sortino
    expect(r.returns).toBe(2);
    expect(r.volatility).toBeCloseTo(0, 12);
    expect(r.sharpe).toBeNull();
    expect(r.sortino).toBeNull();
    // intraday dip 102 → 99 counts for the drawdown: 1 − 99/102, recovered at 104.04 (from 16:00 to 16:00 next day)
    expect(r.maxDrawdown).toBeCloseTo(1 - 99 / 102, 12);
    expect(r.maxDrawdownDurationMs).toBe(DAY);
    // 40 hours from the start: 1.0404^(365.25 · 24 / 40) − 1
    expect(r.cagr).toBeCloseTo(1.0404 ** ((365.25 * 24) / 40) - 1, 6);
  });

  test('undefined statistics are null, not NaN or Infinity', () => {
    const s = new StatsAccumulator({ startEquity: 100, startTime: 0, returnPeriod: 'bar' });
    s.addSample(DAY - 1, 100, false);
    s.addTrade(5);
    const r = s.result();
    expect(r.profitFactor).toBeNull();
    expect(r.winRate).toBe(1);
    expect(r.sharpe).toBeNull();
    expect(r.maxDrawdown).toBe(0);
    // a run shorter than a day has no meaningful annual growth
    expect(r.cagr).toBeNull();
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
  });
});
