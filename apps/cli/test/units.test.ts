/** The pure parts of the CLI: argument parsing, tables, the progress line, failure → exit code. */
import { NoRespondersError } from '@trading-system/bus';
import { ContractError } from '@trading-system/contracts';
import { OrderDeniedError, ValidationError } from '@trading-system/sdk';
import { describe, expect, test } from 'vitest';
import { parseHistoryArgs } from '../src/commands/history.js';
import { parseOrderArgs } from '../src/commands/order.js';
import { checkSubjectPattern } from '../src/commands/tail.js';
import { CommandFailedError, describeFailure, UsageError } from '../src/errors.js';
import { ExitCode } from '../src/exit-codes.js';
import { estimateRemainingMs, formatDuration, renderProgress } from '../src/format/progress.js';
import { formatTime, renderRecord, renderTable } from '../src/format/table.js';

describe('order arguments', () => {
  test('a limit order', () => {
    const a = parseOrderArgs(['buy', '10', 'aapl', '--type', 'lmt', '--limit', '150.25', '--tif', 'gtc']);
    expect(a).toMatchObject({
      side: 'BUY',
      quantity: '10',
      symbol: 'AAPL',
      type: 'lmt',
      limitPrice: '150.25',
      tif: 'GTC',
    });
    expect(a.orderId).toMatch(/^cli-/);
  });
  test('the type follows from the prices when --type is absent', () => {
    expect(parseOrderArgs(['sell', '1', 'AAPL']).type).toBe('mkt');
    expect(parseOrderArgs(['sell', '1', 'AAPL', '--limit', '1']).type).toBe('lmt');
    expect(parseOrderArgs(['sell', '1', 'AAPL', '--stop', '1']).type).toBe('stp');
    expect(parseOrderArgs(['sell', '1', 'AAPL', '--stop', '2', '--limit', '1']).type).toBe('stp-lmt');
  });
  test.each([
    [['buy', '-5', 'AAPL'], /positive/],
    [['buy', '0', 'AAPL'], /positive/],
    [['buy', 'ten', 'AAPL'], /positive/],
    [['hold', '5', 'AAPL'], /side must be one of BUY, SELL/],
    [['buy', '5', 'AAPL', '--type', 'lmt'], /needs --limit/],
    [['buy', '5', 'AAPL', '--type', 'stp-lmt', '--limit', '1'], /needs --stop/],
    [['buy', '5', 'AAPL', '--type', 'mkt', '--limit', '1'], /does not apply/],
    [['buy', '5', 'AAPL', '--tif', 'GTD'], /tif must be one of DAY, GTC, IOC, FOK/],
    [['buy', '5'], /missing argument/],
    [['buy', '5', 'AAPL', '--bogus'], /unknown option '--bogus'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseOrderArgs(argv)).toThrow(message);
    try {
      parseOrderArgs(argv);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).hint).not.toBe('');
    }
  });
});

describe('history arguments', () => {
  test('defaults and flags', () => {
    const a = parseHistoryArgs(['aapl']);
    expect(a.query).toMatchObject({ duration: '5d', barSize: '1 hour', useRth: true });
    // No --what: history picks the instrument's default (MIDPOINT for forex and metals, TRADES otherwise).
    expect(a.query.whatToShow).toBeUndefined();
    expect(a.query.instrument).toMatchObject({ symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' });
    const b = parseHistoryArgs([
      'EUR',
      '--sec-type',
      'cash',
      '--what',
      'midpoint',
      '--no-rth',
      '--duration',
      '1 M',
      '--bar',
      '1 min',
      '--csv',
      'x.csv',
    ]);
    expect(b.query).toMatchObject({ duration: '1 M', barSize: '1 min', whatToShow: 'MIDPOINT', useRth: false });
    expect(b.query.instrument).toMatchObject({ secType: 'CASH', exchange: 'IDEALPRO' });
    expect(b.csv).toBe('x.csv');
  });
  test('bad values are usage errors with a hint', () => {
    expect(() => parseHistoryArgs(['AAPL', '--duration', '1 month'])).toThrow(/bad --duration/);
    expect(() => parseHistoryArgs(['AAPL', '--bar', '1 fortnight'])).toThrow(/bad --bar/);
    expect(() => parseHistoryArgs(['AAPL', '--what', 'PRICES'])).toThrow(/what must be one of/);
    expect(() => parseHistoryArgs([])).toThrow(/missing argument/);
  });
  test("a date range: --from / --to instead of --duration (the seed's start_date, end_date)", () => {
    const r = parseHistoryArgs(['AAPL', '--from', '2024-01-02', '--to', '2024-02-01T00:00:00Z']);
    expect(r.query).toMatchObject({ startMs: Date.parse('2024-01-02'), endMs: Date.parse('2024-02-01') });
    expect(r.query.duration).toBeUndefined();
    expect(parseHistoryArgs(['AAPL', '--from', '2024-01-02']).query.endMs).toBeUndefined();
    expect(() => parseHistoryArgs(['AAPL', '--from', '2024-01-02', '--duration', '1 M'])).toThrow(/not both/);
    expect(() => parseHistoryArgs(['AAPL', '--to', '2024-01-02'])).toThrow(/--to needs --from/);
    expect(() => parseHistoryArgs(['AAPL', '--from', 'monday'])).toThrow(/bad --from 'monday'/);
    expect(() => parseHistoryArgs(['AAPL', '--from', '2024-02-01', '--to', '2024-01-02'])).toThrow(/is not after/);
  });
});

test('subject patterns', () => {
  for (const ok of ['md.tick.>', 'orders.evt.*.*.filled', 'broker.sim.status', '>'])
    expect(() => checkSubjectPattern(ok)).not.toThrow();
  for (const bad of ['md..tick', 'md.>.tick', 'md.ti*', 'md. tick', ''])
    expect(() => checkSubjectPattern(bad)).toThrow(UsageError);
});

describe('tables', () => {
  test('columns padded, numbers right-aligned, missing cells blank', () => {
    const text = renderTable(
      [
        { s: 'AAPL', px: '187.25', n: 10 },
        { s: 'MSFT', px: '1.5', n: undefined },
      ],
      [
        { header: 'symbol', value: (r) => r.s },
        { header: 'price', value: (r) => r.px },
        { header: 'n', value: (r) => r.n },
      ],
    );
    expect(text).toBe('symbol   price   n\n------  ------  --\nAAPL    187.25  10\nMSFT       1.5\n');
  });
  test('records and times', () => {
    expect(
      renderRecord([
        ['a', '1'],
        ['long key', 'x'],
      ]),
    ).toBe('a         1\nlong key  x\n');
    expect(formatTime(Date.UTC(2026, 10, 24, 14, 30, 5, 250))).toBe('2026-11-24 14:30:05');
  });
});

describe('progress', () => {
  test('durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
  test('the service estimate wins; otherwise the pace so far', () => {
    expect(estimateRemainingMs({ done: 1, total: 4, etaMs: 5_000, elapsedMs: 1_000 })).toBe(5_000);
    expect(estimateRemainingMs({ done: 2, total: 6, elapsedMs: 10_000 })).toBe(20_000);
    expect(estimateRemainingMs({ done: 0, total: 6, elapsedMs: 10_000 })).toBeUndefined();
  });
  test('the line', () => {
    expect(renderProgress({ done: 3, total: 12, etaMs: 81_000, elapsedMs: 9_000 }, 12)).toBe(
      '[###---------] 3/12 requests  25%  ETA 1m 21s  elapsed 9s',
    );
    expect(renderProgress({ done: 0, total: 0, elapsedMs: 0 }, 4)).toBe('[----] 0/0 requests   0%  ETA --  elapsed 0s');
  });
});

describe('exit codes', () => {
  const url = 'nats://127.0.0.1:4222';
  test.each([
    [new UsageError('x', 'y'), ExitCode.usage],
    [new ValidationError('VALIDATION_FAILED', 'bad'), ExitCode.usage],
    [new ContractError('PRICE_NOT_ON_TICK', 'bad tick'), ExitCode.usage],
    [new OrderDeniedError('RISK_MAX_QUANTITY', 'too big'), ExitCode.failed],
    [new ContractError('ORDER_NOT_FOUND', 'no such order'), ExitCode.failed],
    [new ContractError('TIMEOUT', 'slow'), ExitCode.unreachable],
    [new NoRespondersError('orders.submit'), ExitCode.unreachable],
    [new CommandFailedError('down', { exitCode: ExitCode.unreachable }), ExitCode.unreachable],
    [new Error('boom'), ExitCode.failed],
  ])('%s → %i', (err, code) => {
    const f = describeFailure(err, url);
    expect(f.exitCode).toBe(code);
    if (code === ExitCode.unreachable && !(err instanceof CommandFailedError))
      expect(f.hint).toMatch(/trading-system start/);
  });
});
