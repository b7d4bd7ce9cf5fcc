/**
 * `backtest <strategy file>`: a strategy over bars from the history cache, a CSV file or the data shipped with
 * ib-sim; statistics on stdout, a progress bar on stderr, results (JSON, CSV, HTML report, PNG charts) in --out.
 * With --sweep, every parameter combination over worker threads and a ranked table.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BacktestResult,
  type BarSeriesInput,
  expandGrid,
  formatStatistics,
  type InputBar,
  loadShipped,
  type RankKey,
  rankRows,
  readCsvBars,
  runBacktest,
  runSweep,
  writePngs,
  writeResult,
} from '@trading-system/backtest';
import { barSizeToTimeframe, spanCovering } from '@trading-system/contracts';
import {
  importStrategy,
  instantiate,
  parseParamAssignments,
  strategyName,
  timeframeMs,
} from '@trading-system/strategy';
import { oneOf, parseCommandArgs } from '../args.js';
import type { Io } from '../context.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format/progress.js';
import { renderTable } from '../format/table.js';
import { INSTRUMENT_OPTIONS } from '../instrument-args.js';
import { backtestCommand, usage } from './backtest-command.js';

const options = {
  ...INSTRUMENT_OPTIONS,
  symbol: { type: 'string', multiple: true },
  data: { type: 'string' },
  csv: { type: 'string' },
  'time-zone': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  bar: { type: 'string' },
  cash: { type: 'string', default: '100000' },
  param: { type: 'string', multiple: true },
  sweep: { type: 'string', multiple: true },
  workers: { type: 'string' },
  rank: { type: 'string', default: 'sharpe' },
  latency: { type: 'string', default: '0' },
  'spread-ticks': { type: 'string', default: '0' },
  'slippage-ticks': { type: 'string', default: '0' },
  out: { type: 'string' },
  png: { type: 'boolean', default: false },
  'log-level': { type: 'string', default: 'warn' },
} as const;

const SIM_DATA_DIR = fileURLToPath(new URL('../../../../services/ib-sim/data/', import.meta.url));
const RANK_KEYS: readonly RankKey[] = [
  'sharpe',
  'sortino',
  'totalReturn',
  'cagr',
  'profitFactor',
  'winRate',
  'maxDrawdown',
];

function dateArg(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms))
    throw new UsageError(`bad --${what} '${text}'`, 'a date like 2024-01-02 or 2024-01-02T14:30:00Z (UTC)');
  return ms;
}

function numberArg(text: string, what: string, min = 0): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min)
    throw new UsageError(`--${what} must be a number >= ${min}, got '${text}'`, `usage: ${usage}`);
  return n;
}

/** Redraws `[####----] 512000/1000000 bars 51% ETA 1s` on a terminal; elsewhere one line per 10 %. */
function progressBar(io: Io, unit: string): { update(done: number, total: number | undefined): void; end(): void } {
  const started = Date.now();
  const tty = io.stderr.isTTY === true;
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done, total) {
      const fraction = total === undefined || total === 0 ? 0 : Math.min(1, done / total);
      const elapsed = Date.now() - started;
      const eta = fraction > 0 ? formatDuration((elapsed / fraction) * (1 - fraction)) : '--';
      const bar = `[${'#'.repeat(Math.round(fraction * 24)).padEnd(24, '-')}]`;
      const line = `${bar} ${done}/${total ?? '?'} ${unit} ${Math.floor(fraction * 100)}%  ETA ${eta}  elapsed ${formatDuration(elapsed)}`;
      if (tty) {
        io.stderr.write(`\r${line}\u001b[K`);
        drawn = true;
      } else if (Math.floor(fraction * 10) !== lastDecile) {
        lastDecile = Math.floor(fraction * 10);
        io.stderr.write(`${line}\n`);
      }
    },
    end() {
      if (drawn) io.stderr.write('\n');
    },
  };
}

/** The bars in [from, to), so the progress bar counts what will run. */
function inRange(bars: readonly InputBar[], from: number | undefined, to: number | undefined): InputBar[] {
  return bars.filter((b) => (from === undefined || b.time >= from) && (to === undefined || b.time < to));
}

/**
 * JSON on stdout, resolved once written: main exits the process right after the command, and a large document
 * written to a pipe would otherwise be cut short.
 */
function writeJsonFully(io: Io, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    io.stdout.write(`${JSON.stringify(value, null, 2)}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

async function loadData(
  v: Values,
  io: Io,
  from: number | undefined,
  to: number | undefined,
): Promise<{ data: BarSeriesInput[]; timeframe: string }> {
  const symbols = (v.symbol ?? []).map((s) => s.toUpperCase());
  if (v.data !== undefined) {
    const m = /^sim:(.+)$/i.exec(v.data);
    if (m === null) throw new UsageError(`bad --data '${v.data}'`, 'sim:6E, sim:SPY, sim:AAPL, sim:SPX or sim:USDJPY');
    const s = loadShipped(m[1] as string, SIM_DATA_DIR);
    const bars = inRange(s.bars as InputBar[], from, to);
    return { data: [{ instrument: s.instrument, bars, length: bars.length }], timeframe: s.timeframe };
  }
  const timeframe = barSizeToTimeframe(v.bar ?? '1 min');
  if (v.csv !== undefined) {
    if (symbols.length !== 1)
      throw new UsageError('--csv needs one --symbol (the name of the series)', `usage: ${usage}`);
    const bars = inRange(readCsvBars(v.csv, { timeZone: v['time-zone'] ?? 'UTC' }), from, to);
    const secType = v['sec-type']?.toUpperCase();
    const instrument = {
      symbol: symbols[0] as string,
      ...(secType === undefined ? {} : { secType: secType as never }),
      ...(v.currency === undefined ? {} : { currency: v.currency.toUpperCase() }),
      ...(v.exchange === undefined ? {} : { exchange: v.exchange }),
    };
    return { data: [{ instrument, bars, length: bars.length }], timeframe };
  }
  if (symbols.length === 0)
    throw new UsageError('no bars: give --symbol (history cache), --data sim:NAME or --csv FILE', `usage: ${usage}`);
  if (from === undefined || to === undefined) throw new UsageError('--symbol needs --from and --to', `usage: ${usage}`);
  const ts = await io.system({ broker: v.broker });
  const data: BarSeriesInput[] = [];
  for (const symbol of symbols) {
    const bars = await ts.getHistoricalData(symbol, v.exchange, spanCovering((to - from) / 1000), v.bar ?? '1 min', {
      end: new Date(to),
      useRTH: false,
      ...(v['sec-type'] === undefined ? {} : { secType: v['sec-type'].toUpperCase() as never }),
      ...(v.currency === undefined ? {} : { currency: v.currency.toUpperCase() }),
      ...(v.expiry === undefined ? {} : { expiry: v.expiry }),
    });
    const inRange = bars.filter((b) => b.time.getTime() >= from && b.time.getTime() < to);
    const i = bars.instrument;
    data.push({
      instrument: {
        symbol,
        ...(i === undefined
          ? {}
          : {
              instrumentId: i.id,
              // The backtest core knows IB's asset classes; a crypto pair's bars run as the default class.
              ...(i.secType === 'CRYPTO' ? {} : { secType: i.secType }),
              currency: i.currency,
              exchange: i.exchange ?? 'SMART',
            }),
      },
      bars: inRange.map((b) => ({
        time: b.time.getTime(),
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
      })),
      length: inRange.length,
    });
    io.stderr.write(
      `${symbol}: ${inRange.length} bars from the history cache${bars.partial ? ' (partial: some ranges missing)' : ''}\n`,
    );
  }
  return { data, timeframe };
}

function printResult(io: Io, r: BacktestResult): void {
  io.stdout.write(
    `${r.strategy} on ${r.symbols.join(', ')}: ${r.bars} ${r.timeframe} bars, ${r.orders.length} orders, ${r.fills.length} fills, ${r.trades.length} trades\n`,
  );
  io.stdout.write(
    renderTable(formatStatistics(r.statistics), [
      { header: 'statistic', value: (row) => row[0] },
      { header: 'value', value: (row) => row[1] },
    ]),
  );
  const refused = rejectionSummary(r);
  if (refused !== undefined) io.stderr.write(`${refused}\n`);
}

/**
 * Orders the exchange core refused, said plainly: a run whose every order was rejected (the default quantity over
 * the margin of the cash given, say) otherwise shows only flat statistics.
 */
export function rejectionSummary(r: Pick<BacktestResult, 'orders'>): string | undefined {
  const rejected = r.orders.filter((o) => o.status === 'rejected');
  if (rejected.length === 0) return undefined;
  const byReason = new Map<string, number>();
  for (const o of rejected)
    byReason.set(o.reason ?? 'no reason given', (byReason.get(o.reason ?? 'no reason given') ?? 0) + 1);
  const lines = [...byReason].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `  ${n} × ${reason}`);
  return [
    `${rejected.length} of ${r.orders.length} orders were rejected:`,
    ...lines,
    'A margin or buying-power rejection means the orders are too large for the cash: lower the quantity',
    '(--param quantity=…) or raise --cash. Each order and its reason: orders.csv under --out.',
  ].join('\n');
}

export async function runBacktestCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, options, usage, { min: 1, max: 1 });
  if (v.help) {
    io.stdout.write(`${usage}\n\n${backtestCommand.help}\n`);
    return ExitCode.ok;
  }
  const file = positionals[0] as string;
  const from = dateArg(v.from, 'from');
  const to = dateArg(v.to, 'to');
  const exported = await importStrategy(file);
  const { data, timeframe } = await loadData(v, io, from, to);
  timeframeMs(timeframe);
  const fixed = parseParamAssignments(v.param ?? []);
  const cash = numberArg(v.cash, 'cash', 1);
  const currency = v.currency?.toUpperCase() ?? data[0]?.instrument.currency ?? 'USD';
  const common = {
    timeframe,
    cash,
    currency,
    latencyMs: numberArg(v.latency, 'latency'),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
  const spreadTicks = numberArg(v['spread-ticks'], 'spread-ticks');
  const slippageTicks = numberArg(v['slippage-ticks'], 'slippage-ticks');

  if ((v.sweep ?? []).length > 0) {
    const combos = expandGrid(v.sweep ?? []);
    const rank = oneOf(v.rank, RANK_KEYS, 'rank');
    const workers = v.workers === undefined ? Math.max(1, availableParallelism()) : numberArg(v.workers, 'workers', 1);
    const progress = progressBar(io, 'runs');
    const started = Date.now();
    const rows = await runSweep({
      strategyFile: file,
      data,
      base: { ...common, spreadTicks, slippageTicks },
      fixed,
      combos,
      workers,
      onProgress: progress.update,
    });
    progress.end();
    const ranked = rankRows(rows, rank);
    if (v.json) await writeJsonFully(io, { rank, rows: ranked });
    else {
      const names = Object.keys(combos[0] ?? {});
      const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
      const fix = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(2));
      io.stdout.write(
        renderTable(ranked, [
          ...names.map((n) => ({ header: n, value: (r: (typeof ranked)[number]) => String(r.params[n]) })),
          { header: 'return', value: (r) => pct(r.statistics.totalReturn) },
          { header: 'sharpe', value: (r) => fix(r.statistics.sharpe) },
          { header: 'sortino', value: (r) => fix(r.statistics.sortino) },
          { header: 'max dd', value: (r) => pct(r.statistics.maxDrawdown) },
          { header: 'trades', value: (r) => String(r.statistics.trades) },
          { header: 'win rate', value: (r) => pct(r.statistics.winRate) },
          { header: 'PF', value: (r) => fix(r.statistics.profitFactor) },
        ]),
      );
      io.stderr.write(
        `${rows.length} runs on ${Math.min(workers, combos.length)} worker threads in ${formatDuration(Date.now() - started)}, ranked by ${rank}\n`,
      );
    }
    return ExitCode.ok;
  }

  const strategy = instantiate(exported);
  const progress = progressBar(io, 'bars');
  const result = runBacktest({
    ...common,
    strategy,
    strategyId: strategyName(strategy, 'strategy'),
    data,
    params: fixed,
    fills: { mode: 'bars', spreadTicks, slippageTicks },
    log: oneOf(v['log-level'], ['debug', 'info', 'warn', 'error', 'silent'] as const, 'log-level'),
    onProgress: progress.update,
  });
  progress.end();
  if (v.json) await writeJsonFully(io, result);
  else printResult(io, result);
  if (v.out !== undefined) {
    const files = writeResult(v.out, result);
    if (v.png) files.push(...(await writePngs(join(v.out, 'report.html'), v.out)));
    io.stderr.write(`wrote ${files.join(', ')}\n`);
  } else if (v.png) throw new UsageError('--png needs --out DIR', `usage: ${usage}`);
  return ExitCode.ok;
}
