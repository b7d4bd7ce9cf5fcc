/** `backtest`'s name, usage and help: what --help lists, without loading the backtester (backtest.ts). */
import type { Command } from '../command.js';
import { INSTRUMENT_HELP } from '../instrument-args.js';

export const usage =
  'trading-system backtest <strategy file> (--symbol S... | --data sim:NAME | --csv FILE --symbol S) [--from D] [--to D] [--bar B] [--cash N] [--param k=v...] [--sweep k=a..b:s...] [--out DIR] [--json]';

export const backtestCommand: Command = {
  name: 'backtest',
  usage,
  summary: 'run a strategy file over historical bars: statistics, HTML report, CSV/JSON, parameter sweeps',
  help: `Bars (one of):
  --symbol S       from the history cache through the services (repeat for several symbols; needs --from, --to)
  --data sim:NAME  a real data file shipped with ib-sim: 6E (1-min, Jan 2024), SPY, AAPL (daily), SPX, USDJPY
  --csv FILE       a CSV file (columns by header: date/timestamp, open, high, low, close[, volume]) with --symbol
Run:
  --from D --to D  UTC dates or ISO times; bars starting in [from, to)
  --bar B          bar size of the data: "1 min" (default), "5 mins", "1 day", or a token like 1m, 1d
  --cash N         starting cash (default 100000), in --currency (default: the instrument's)
  --param k=v      strategy parameter (repeat); unknown names are refused
  --latency MS     order latency in market time (default 0); --spread-ticks N, --slippage-ticks N (default 0)
  --log-level L    strategy log lines on stderr: debug, info, warn (default), error, silent
Sweep:
  --sweep k=a..b:s parameter range (or k=a,b,c); repeat for a grid; runs on --workers N threads (default: cores)
  --rank K         sharpe (default), sortino, totalReturn, cagr, profitFactor, winRate, maxDrawdown
Output:
  --out DIR        result.json, orders/fills/trades/positions/equity.csv and report.html (self-contained)
  --png            also report.png, price.png, equity.png (headless Chromium at /usr/bin/chromium)
  --json           the whole result (or the ranked sweep) as JSON on stdout
${INSTRUMENT_HELP}

How fills work (intrabar order open, near extreme, far extreme, close; orders at the next point after their
latency): docs/strategies.md.

Examples:
  trading-system backtest examples/strategies/ma-crossover.ts --data sim:6E --from 2024-01-02 --to 2024-01-03 --out out/6e
  trading-system backtest examples/strategies/ma-crossover.ts --data sim:SPY --param quantity=50 --sweep fast=5..30:5 slow=20..100:10`,
  // The implementation (and the backtester, strategies and their ~180 indicator modules) loads only when a
  // backtest runs: every other command started ~0.3 s of CPU slower for importing it.
  run: async (argv, io) => (await import('./backtest.js')).runBacktestCommand(argv, io),
};
