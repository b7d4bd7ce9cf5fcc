/**
 * `trading-system backtest` as a user runs it, on the real 1-minute data shipped with ib-sim (no services needed):
 * both example strategies, the written report and tables, determinism across runs, and a parameter sweep on
 * worker threads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'backtest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const day = ['--data', 'sim:6E', '--from', '2024-01-02', '--to', '2024-01-03'];

describe('trading-system backtest', () => {
  test('the crossover example over one day of 6E: statistics on stdout, report and tables in --out, same bytes twice', async () => {
    const args = ['backtest', 'examples/strategies/ma-crossover.ts', ...day, '--param', 'quantity=1'];
    const a = await runCli([...args, '--out', join(dir, 'a')], { timeoutMs: 90_000 });
    expect(a.stderr).toMatch(/1368\/1368 bars 100%/);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/ma-crossover on 6E: 1368 1m bars, \d+ orders, \d+ fills, \d+ trades/);
    expect(a.stdout).toMatch(/Sortino/);
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(html).toContain('TradingView Lightweight Charts');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: nothing fetched
    const result = JSON.parse(readFileSync(join(dir, 'a', 'result.json'), 'utf8'));
    expect(result.fills.length).toBeGreaterThan(10);
    // every fill's commission is the core's FUT rate: 0.85 per contract
    expect(result.fills.every((f: { commission: number }) => f.commission === 0.85)).toBe(true);
    const fills = readFileSync(join(dir, 'a', 'fills.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(fills[0]).toBe('time,order_id,exec_id,symbol,side,quantity,price,commission');
    expect(fills.length).toBe(result.fills.length + 1);
    const b = await runCli([...args, '--out', join(dir, 'b')], { timeoutMs: 90_000 });
    expect(b.code).toBe(0);
    expect(readFileSync(join(dir, 'b', 'result.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'a', 'result.json'), 'utf8'),
    );
  }, 120_000);

  test('orders too large for the cash: the run says how many were rejected, why, and what to change', async () => {
    // 100 6E contracts (the example's default quantity) need far more initial margin than 100,000 of cash.
    const r = await runCli(['backtest', 'examples/strategies/ma-crossover.ts', ...day], { timeoutMs: 90_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/(\d+) orders, 0 fills/);
    const orders = Number(/(\d+) orders, 0 fills/.exec(r.stdout)?.[1]);
    expect(r.stderr).toContain(`${orders} of ${orders} orders were rejected:`);
    expect(r.stderr).toMatch(/\d+ × 201 Order rejected.*INITIAL MARGIN/);
    expect(r.stderr).toContain('--param quantity=');
  }, 120_000);

  test('the stop-limit example on a custom 7-minute timeframe: its protective STP LMT orders are placed, moved and cancelled', async () => {
    const r = await runCli(
      [
        'backtest',
        'examples/strategies/breakout-stop-limit.ts',
        '--data',
        'sim:6E',
        '--from',
        '2024-01-02',
        '--to',
        '2024-01-06',
        '--json',
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    const stops = result.orders.filter((o: { type: string }) => o.type === 'STP LMT');
    expect(stops.length).toBeGreaterThan(5);
    expect(stops.some((o: { status: string }) => o.status === 'cancelled')).toBe(true);
    expect(stops.every((o: { tif: string }) => o.tif === 'GTC')).toBe(true);
    expect(result.trades.length).toBeGreaterThan(5);
  }, 120_000);

  test('a sweep runs every combination on worker threads and ranks them', async () => {
    const r = await runCli(
      [
        'backtest',
        'examples/strategies/ma-crossover.ts',
        ...day,
        '--param',
        'quantity=1',
        '--sweep',
        'fast=5..15:5',
        '--sweep',
        'slow=20,40',
        '--workers',
        '2',
        '--rank',
        'totalReturn',
        '--json',
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code).toBe(0);
    const { rank, rows } = JSON.parse(r.stdout);
    expect(rank).toBe('totalReturn');
    expect(rows).toHaveLength(6);
    const returns = rows.map((row: { statistics: { totalReturn: number } }) => row.statistics.totalReturn);
    expect(returns).toEqual([...returns].sort((x, y) => y - x));
    expect(
      rows.map((row: { params: { fast: number; slow: number } }) => `${row.params.fast}/${row.params.slow}`).sort(),
    ).toEqual(['10/20', '10/40', '15/20', '15/40', '5/20', '5/40']);
  }, 120_000);

  test('mistakes are usage errors that say what to type', async () => {
    const r = await runCli(['backtest', 'examples/strategies/ma-crossover.ts', ...day, '--param', 'fats=3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown parameter 'fats'/);
    const none = await runCli(['backtest', 'examples/strategies/ma-crossover.ts']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --symbol/);
  }, 60_000);
});
