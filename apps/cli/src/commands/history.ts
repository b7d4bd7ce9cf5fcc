/** `history <symbol>`: historical bars as a table, JSON or a CSV file, with a progress bar on stderr. */
import { writeFile } from 'node:fs/promises';
import { fetchBars, fetchExport } from '@trading-system/clients';
import {
  BAR_SIZE_FORMS,
  BarSizeSpec,
  type HistBarsQuery,
  type HistProgress,
  SpanSpec,
  WhatToShow,
} from '@trading-system/contracts';
import { oneOf, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import type { Io } from '../context.js';
import { CommandFailedError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { renderProgress } from '../format/progress.js';
import { formatTime, renderTable } from '../format/table.js';
import { INSTRUMENT_HELP, INSTRUMENT_OPTIONS, instrumentFrom } from '../instrument-args.js';
import { writeJson } from '../output.js';

const usage =
  'trading-system history <symbol> [--duration 5d | --from DATE [--to DATE]] [--bar "1 hour"] [--what TRADES] [--rth|--no-rth] [--csv FILE] [--json]';

const options = {
  ...INSTRUMENT_OPTIONS,
  duration: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  bar: { type: 'string', default: '1 hour' },
  what: { type: 'string' },
  rth: { type: 'boolean', default: true },
  csv: { type: 'string' },
} as const;

export interface HistoryArgs {
  readonly query: Omit<HistBarsQuery, 'broker'>;
  readonly csv: string | undefined;
  readonly json: boolean;
  readonly broker: string | undefined;
  readonly help: boolean;
}

function durationSpan(text: string): { duration: NonNullable<HistBarsQuery['duration']> } {
  const duration = SpanSpec.safeParse(text);
  if (!duration.success)
    throw new UsageError(
      `bad --duration '${text}'`,
      'a span: "30s", "5d" (sessions), "2w", "1mo", "1y" (or as IB writes it: "5 D", "1 M")',
    );
  return { duration: duration.data };
}

/** `--from 2024-01-02 [--to 2024-02-01]`: dates are UTC midnights; date-times are taken as written. */
function rangeSpan(from: string, to: string | undefined): { startMs: number; endMs?: number } {
  const ms = (text: string, flag: string): number => {
    const v = Date.parse(text);
    if (!Number.isFinite(v))
      throw new UsageError(`bad ${flag} '${text}'`, 'a date (2024-01-02) or date-time (2024-01-02T14:30:00Z)');
    return v;
  };
  const startMs = ms(from, '--from');
  if (to === undefined) return { startMs };
  const endMs = ms(to, '--to');
  if (endMs <= startMs)
    throw new UsageError(`--to ${to} is not after --from ${from}`, 'e.g. --from 2024-01-02 --to 2024-02-01');
  return { startMs, endMs };
}

export function parseHistoryArgs(argv: readonly string[]): HistoryArgs {
  const { values, positionals } = parseCommandArgs(argv, options, usage, { min: 1, max: 1 }, { allowNegative: true });
  if (values.from !== undefined && values.duration !== undefined)
    throw new UsageError(
      'give --duration or --from, not both',
      'e.g. --from 2024-01-02 --to 2024-02-01, or --duration 1mo',
    );
  if (values.to !== undefined && values.from === undefined)
    throw new UsageError('--to needs --from', 'e.g. --from 2024-01-02 --to 2024-02-01');
  const span = values.from === undefined ? durationSpan(values.duration ?? '5d') : rangeSpan(values.from, values.to);
  const bar = BarSizeSpec.safeParse(values.bar);
  if (!bar.success) throw new UsageError(`bad --bar '${values.bar}'`, `a bar size as ${BAR_SIZE_FORMS}`);
  return {
    query: {
      instrument: instrumentFrom(positionals[0] ?? '', values),
      ...span,
      barSize: bar.data,
      ...(values.what === undefined ? {} : { whatToShow: oneOf(values.what, WhatToShow.options, 'what') }),
      useRth: values.rth,
      cachedOnly: false,
    },
    csv: values.csv,
    json: values.json,
    broker: values.broker,
    help: values.help,
  };
}

/** Redraws the progress line on a terminal; elsewhere (pipes, CI) prints a line per completed request. */
function progressReporter(io: Io): { update: (p: HistProgress) => void; end: () => void } {
  const started = Date.now();
  const tty = io.stderr.isTTY === true;
  let lastDone = -1;
  let drawn = false;
  return {
    update(p) {
      const line = renderProgress({
        done: p.chunksDone,
        total: p.chunksTotal,
        etaMs: p.etaMs,
        elapsedMs: Date.now() - started,
      });
      if (tty) {
        io.stderr.write(`\r${line}\u001b[K`);
        drawn = true;
      } else if (p.chunksDone !== lastDone) {
        io.stderr.write(`${line}\n`);
      }
      lastDone = p.chunksDone;
    },
    end() {
      if (drawn) io.stderr.write('\n');
    },
  };
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const args = parseHistoryArgs(argv);
  if (args.help) {
    io.stdout.write(`${usage}\n\n${historyCommand.help}\n`);
    return ExitCode.ok;
  }
  const ts = await io.system({ broker: args.broker });
  const query: HistBarsQuery = { ...args.query, broker: args.broker ?? ts.defaultBroker };
  const progress = progressReporter(io);
  const started = Date.now();
  const span =
    args.query.duration ??
    `${new Date(args.query.startMs ?? 0).toISOString().slice(0, 10)} to ${args.query.endMs === undefined ? 'now' : new Date(args.query.endMs).toISOString().slice(0, 10)}`;
  const label = `${span} of ${args.query.barSize} ${symbolOf(query)}`;
  try {
    if (args.csv !== undefined) {
      const r = await fetchExport(ts.bus, { what: 'bars', query }, { onProgress: progress.update });
      progress.end();
      await writeFile(args.csv, r.text, 'utf8');
      const summary = {
        file: args.csv,
        rows: r.rows,
        partial: r.partial,
        missing: r.missing,
        elapsedMs: Date.now() - started,
      };
      if (args.json) writeJson(io.stdout, summary);
      else
        io.stdout.write(
          `wrote ${r.rows} bars (${label}) to ${args.csv} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      return reportPartial(io, r.partial, r.missing);
    }
    const r = await fetchBars(ts.bus, query, { onProgress: progress.update });
    progress.end();
    if (args.json) {
      writeJson(io.stdout, {
        instrument: r.instrument,
        timeframe: r.timeframe,
        partial: r.partial,
        missing: r.missing,
        bars: r.bars,
      });
    } else {
      io.stdout.write(
        renderTable(r.bars, [
          { header: 'time (UTC)', value: (b) => formatTime(b.tsStartMs) },
          { header: 'open', value: (b) => b.open },
          { header: 'high', value: (b) => b.high },
          { header: 'low', value: (b) => b.low },
          { header: 'close', value: (b) => b.close },
          { header: 'volume', value: (b) => b.volume },
        ]),
      );
      io.stderr.write(`${r.bars.length} bars (${label}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    return reportPartial(io, r.partial, r.missing);
  } catch (err) {
    progress.end();
    throw err;
  }
}

function symbolOf(q: HistBarsQuery): string {
  return 'symbol' in q.instrument ? q.instrument.symbol : `instrumentId ${q.instrument.id}`;
}

function reportPartial(
  io: Io,
  partial: boolean,
  missing: ReadonlyArray<{ startMs: number; endMs: number; code: string; message: string }>,
): number {
  if (!partial) return ExitCode.ok;
  for (const m of missing)
    io.stderr.write(`missing ${formatTime(m.startMs)} .. ${formatTime(m.endMs)}: ${m.code} ${m.message}\n`);
  throw new CommandFailedError('part of the range could not be served (see the missing ranges above)', {
    hint: 'run the same command again later: what was fetched is cached, only the missing ranges are requested',
  });
}

export const historyCommand: Command = {
  name: 'history',
  usage,
  summary: 'historical bars as a table, JSON or CSV file (progress bar and ETA on stderr)',
  help: `Flags:
  --duration D     how far back from now: "30s", "5d" (five sessions; default), "2w", "1mo", "1y"; IB's
                   spelling ("5 D", "1 M") is taken too
  --from DATE      a date range instead: from DATE (2024-01-02, UTC) ...
  --to DATE        ... to DATE (default now)
  --bar B          bar size: "1 min", "7 mins", "1 hour" (default), "3 days", "7m", "15min", "1H", "1D"
  --what W         TRADES, MIDPOINT, BID, ASK, BID_ASK, ADJUSTED_LAST (default: MIDPOINT for forex and metals,
                   TRADES otherwise)
  --rth, --no-rth  regular trading hours only (default) or all hours
  --csv FILE       write the bars as CSV to FILE (header: time,open,high,low,close,volume,...)
  --json           one JSON document with the instrument, the bars (exact decimal strings) and missing ranges
  --broker NAME    broker connection (default sim, or BROKER_NAME)
${INSTRUMENT_HELP}

Examples:
  trading-system history AAPL --duration 1mo --bar 1m --csv aapl.csv
  trading-system history EUR --sec-type CASH --what MIDPOINT --duration 1d --bar 5m --json`,
  run,
};
