/**
 * The CLI on a bare machine (no NATS_URL): each command starts the embedded system in its own process. The issue's
 * "done when": a month of 1-minute bars downloaded with a progress bar and written as CSV. Plus the command-line
 * errors that must not start anything (exit 2 with a hint).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpan, sessionOn, tradingDaysBetween } from '@trading-system/contracts';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
let child: number | undefined;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded default (no NATS_URL)', () => {
  test('history AAPL --duration "1 M" --bar "1 min" --csv: a month of minute bars in a CSV, progress on stderr', async () => {
    const file = join(dir, 'aapl.csv');
    const before = Date.now();
    const r = await runCli(['history', 'AAPL', '--duration', '1 M', '--bar', '1 min', '--csv', file], {
      timeoutMs: 90_000,
    });
    const after = Date.now();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no NATS_URL: starting the system in this process/);
    // Progress lines with request counts, percentage and an ETA; the last one complete.
    expect(r.stderr).toMatch(/\[[#-]{24}\] \d+\/\d+ requests +\d+% {2}ETA /);
    expect(r.stderr).toMatch(/\[#{24}\] (\d+)\/\1 requests 100%/);
    const wrote = /wrote (\d+) bars \(1 M of 1 min AAPL\) to .*aapl\.csv in [\d.]+ s/.exec(r.stdout);
    expect(wrote, r.stdout).not.toBeNull();
    const lines = readFileSync(file, 'utf8').trimEnd().split(/\r?\n/);
    expect(lines[0]).toBe('symbol,instrumentId,timeframe,tsStartMs,start,open,high,low,close,volume,wap,count,gap');
    expect(lines.length - 1).toBe(Number(wrote?.[1]));
    const starts = lines.slice(1).map((l) => Number(l.split(',')[3]));
    // One bar per RTH minute (390 a full day, fewer on an early close) of every session of the span, strictly in
    // time order. The span is "1 M" back from the run's end (somewhere between `before` and `after`): at least
    // the AAPL (NASDAQ) sessions wholly inside [after − 1 M, before] — 18 in a holiday-heavy January, 22 in others.
    const spanMs = parseSpan('1 M').maxSeconds * 1_000;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const sessions = tradingDaysBetween('NASDAQ', iso(after - spanMs), iso(before))
      .map((d) => sessionOn('NASDAQ', d)?.regular)
      .filter((w) => w !== undefined && w.openMs >= after - spanMs && w.closeMs <= before);
    const minBars = sessions.reduce((n, w) => n + ((w?.closeMs ?? 0) - (w?.openMs ?? 0)) / 60_000, 0);
    expect(sessions.length).toBeGreaterThanOrEqual(15);
    expect(starts.length).toBeGreaterThanOrEqual(minBars);
    expect(starts.every((t, i) => i === 0 || t - (starts[i - 1] ?? 0) >= 60_000)).toBe(true);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[2]))).toEqual(new Set(['1m']));
    const days = new Set(lines.slice(1).map((l) => l.split(',')[4]?.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(sessions.length);
  }, 100_000);

  test('order buy lmt on the embedded system: submitted, exit 0', async () => {
    const r = await runCli(['order', 'buy', '10', 'AAPL', '--type', 'lmt', '--limit', '100', '--tif', 'GTC']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/order cli-[0-9a-f-]+: BUY 10 AAPL LMT 100 GTC/);
    expect(r.stdout).toMatch(/status: submitted \(filled 0 of 10, broker order id \d+\)/);
  }, 60_000);

  const usageErrors: [string[], RegExp, RegExp][] = [
    [
      ['order', 'buy', '-5', 'AAPL', '--limit', '100'],
      /quantities and prices must be positive/,
      /usage: trading-system order/,
    ],
    [['order', 'buy', '5', 'AAPL', '--type', 'lmt'], /a lmt order needs --limit/, /--limit 150\.25/],
    [['history', 'AAPL', '--duration', 'forever'], /bad --duration/, /"5d".*"5 D"/],
    [['tail', 'md..tick'], /bad subject pattern/, /md\.tick\.>/],
    [['frobnicate'], /unknown command 'frobnicate'/, /trading-system --help/],
  ];
  test('bad command lines: exit 2 with a hint, nothing started', async () => {
    const results = await Promise.all(usageErrors.map(([args]) => runCli(args)));
    usageErrors.forEach(([args, message, hint], i) => {
      const r = results[i];
      expect(r?.code, args.join(' ')).toBe(2);
      expect(r?.stderr).toMatch(message);
      expect(r?.stderr).toMatch(new RegExp(`hint: .*${hint.source}`));
      expect(r?.stderr).not.toMatch(/starting the system/);
    });
  });

  test('sim runs ib-sim from any directory, passes its flags through, and stops on SIGTERM', async () => {
    // `control port listening` is logged in the same tick as ib-sim installs its signal handlers.
    const r = await runCli(['sim', '--port', '0', '--control-port', '0', '--log-level', 'info'], {
      cwd: dir,
      onStdout: (text) => {
        if (/control port listening/.test(text)) process.kill(child ?? 0, 'SIGTERM');
      },
      onSpawn: (c) => {
        child = c.pid;
      },
    });
    expect(r.stdout).toMatch(/ib-sim listening/);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const bad = await runCli(['sim', '--bogus'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--bogus'.*--help/);
  }, 60_000);

  test('--help documents the commands and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'start',
      'sim',
      'history',
      'quote',
      'watch',
      'order',
      'cancel',
      'orders',
      'positions',
      'account',
      'tail',
      'status',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toMatch(
      /Exit codes:\n {2}0 +ok\n {2}1 .*\n {2}2 +usage error.*\n {2}3 +system unreachable.*\n {2}130 +interrupted/,
    );
  });
});
