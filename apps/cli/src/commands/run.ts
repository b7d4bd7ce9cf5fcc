/**
 * `run <strategy file>`: the same strategy file a backtest runs, live or on paper through the system: quotes and
 * bars built from them, the OMS's order updates and fills, orders tagged with the strategy (so the OMS's
 * per-strategy risk limits apply). Ends on Ctrl-C or after --seconds: onStop, the run's working orders cancelled,
 * and a summary of its orders, fills, commissions and position.
 */
import { barSizeToTimeframe } from '@trading-system/contracts';
import type { Contract } from '@trading-system/sdk';
import { importStrategy, instantiate, type LogLevel, parseParamAssignments } from '@trading-system/strategy';
import { LiveRun, type LiveRunSummary } from '@trading-system/strategy/live';
import { oneOf, parseCommandArgs } from '../args.js';
import type { Io } from '../context.js';
import { CommandFailedError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { contractOptions, INSTRUMENT_OPTIONS } from '../instrument-args.js';
import { runCommand, usage } from './run-command.js';

const options = {
  ...INSTRUMENT_OPTIONS,
  symbol: { type: 'string', multiple: true },
  bar: { type: 'string', default: '1m' },
  bars: { type: 'string', default: 'quotes' },
  param: { type: 'string', multiple: true },
  seconds: { type: 'string' },
  'strategy-id': { type: 'string' },
  mode: { type: 'string', default: 'paper' },
  'keep-orders': { type: 'boolean', default: false },
  'log-level': { type: 'string', default: 'info' },
} as const;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

function printSummary(io: Io, s: LiveRunSummary): void {
  const out = io.stdout;
  const seconds = ((s.stoppedAt - s.startedAt) / 1000).toFixed(1);
  out.write(
    `${s.strategy} (orders tagged ${s.strategyId}) on ${s.broker}: ${seconds} s, ${s.quotes} quotes, ${s.bars} bars\n`,
  );
  out.write(
    `params: ${
      Object.entries(s.params)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ') || 'none'
    }\n\n`,
  );
  const filled = s.orders.filter((o) => o.filledQuantity > 0).length;
  out.write(`orders: ${s.orders.length} (${filled} with fills)\n`);
  if (s.orders.length > 0)
    out.write(
      `${renderTable(s.orders, [
        { header: 'ORDER', value: (o) => o.id },
        { header: 'SIDE', value: (o) => o.side },
        { header: 'QTY', value: (o) => o.quantity },
        { header: 'SYMBOL', value: (o) => o.symbol },
        { header: 'TYPE', value: (o) => o.type },
        { header: 'STATUS', value: (o) => o.status },
        { header: 'FILLED', value: (o) => o.filledQuantity },
        { header: 'AVG', value: (o) => o.avgFillPrice ?? '' },
        { header: 'REASON', value: (o) => o.reason ?? '' },
      ])}\n`,
    );
  out.write(`\nfills: ${s.fills.length}\n`);
  if (s.fills.length > 0)
    out.write(
      `${renderTable(s.fills, [
        { header: 'TIME', value: (f) => new Date(f.time).toISOString() },
        { header: 'SIDE', value: (f) => f.side },
        { header: 'QTY', value: (f) => f.quantity },
        { header: 'SYMBOL', value: (f) => f.symbol },
        { header: 'PRICE', value: (f) => f.price },
        { header: 'COMMISSION', value: (f) => f.commission ?? '' },
      ])}\n`,
    );
  const pending = s.commissionsPending > 0 ? ` (${s.commissionsPending} fills without a commission report yet)` : '';
  out.write(`commissions: ${s.commissions}${pending}\n`);
  const positions = s.positions.map((p) => `${p.symbol} ${p.quantity} @ ${p.avgPrice}`).join(', ');
  out.write(`position: ${positions === '' ? 'flat' : positions}\n`);
  if (s.failure !== undefined) out.write(`stopped early: ${s.failure}\n`);
}

export async function runStrategyCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, options, usage, { min: 1, max: 1 });
  if (v.help) {
    io.stdout.write(`${usage}\n\n${runCommand.help}\n`);
    return ExitCode.ok;
  }
  const symbols = (v.symbol ?? []).map((s) => s.toUpperCase());
  if (symbols.length === 0) throw new UsageError('--symbol is required (repeat it for several)', `usage: ${usage}`);
  const seconds = v.seconds === undefined ? undefined : Number(v.seconds);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0))
    throw new UsageError(`--seconds must be a number > 0, got '${v.seconds}'`, `usage: ${usage}`);
  let timeframe: string;
  try {
    timeframe = barSizeToTimeframe(v.bar);
  } catch (err) {
    throw new UsageError(`bad --bar '${v.bar}': ${(err as Error).message}`, 'e.g. --bar 1m, --bar "5 mins", --bar 5s');
  }
  const mode = oneOf(v.mode, ['paper', 'live'] as const, 'mode');
  const bars = oneOf(v.bars, ['quotes', 'broker'] as const, 'bars');
  const logLevel = oneOf(v['log-level'], LOG_LEVELS, 'log-level') as LogLevel;
  const exported = await importStrategy(positionals[0] as string);
  const params = parseParamAssignments(v.param ?? []);
  const contract = contractOptions(v);
  const instruments: Contract[] = symbols.map((symbol) => ({
    symbol,
    ...contract,
    ...(v.exchange === undefined ? {} : { exchange: v.exchange }),
  }));
  const ts = await io.system({ broker: v.broker });
  const liveRun = await LiveRun.start({
    ts,
    strategy: instantiate(exported),
    params,
    instruments,
    timeframe,
    bars,
    mode,
    log: logLevel,
    keepOrdersOnStop: v['keep-orders'],
    ...(v.broker === undefined ? {} : { broker: v.broker }),
    ...(v['strategy-id'] === undefined ? {} : { strategyId: v['strategy-id'] }),
  });
  if (!v.json)
    io.stderr.write(
      `running ${positionals[0]} on ${v.broker ?? ts.defaultBroker}: ${symbols.join(' ')} ${timeframe} bars; ${seconds === undefined ? 'Ctrl-C to stop' : `stopping after ${seconds} s`}\n`,
    );
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<'seconds'>((resolve) => {
    if (seconds !== undefined) timer = setTimeout(() => resolve('seconds'), seconds * 1000);
  });
  const why = await Promise.race([
    elapsed,
    io.interrupted.then(() => 'interrupted' as const),
    liveRun.failed.then(() => 'failed' as const),
  ]);
  clearTimeout(timer);
  if (!v.json) io.stderr.write(`stopping (${why}): onStop, cancelling working orders, waiting for the OMS\n`);
  const summary = await liveRun.stop();
  if (v.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printSummary(io, summary);
  if (summary.failure !== undefined) throw new CommandFailedError(`strategy failed: ${summary.failure}`);
  return why === 'interrupted' ? ExitCode.interrupted : ExitCode.ok;
}
