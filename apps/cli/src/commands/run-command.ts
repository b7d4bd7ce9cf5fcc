/** `run`'s name, usage and help: what --help lists, without loading the strategy runtime (run.ts). */
import type { Command } from '../command.js';
import { INSTRUMENT_HELP } from '../instrument-args.js';

export const usage =
  'trading-system run <strategy file> --symbol S... [--broker NAME] [--bar B] [--bars quotes|broker] [--param k=v...] [--seconds N] [--strategy-id ID] [--mode paper|live] [--keep-orders] [--json]';

export const runCommand: Command = {
  name: 'run',
  usage,
  ownsInterrupt: true,
  summary: 'run a strategy file live or on paper through the system until Ctrl-C (or --seconds): a summary at the end',
  help: `The same strategy file as \`backtest\` (docs/strategies.md), on a broker connection of the system.
Flags:
  --symbol S       instrument (repeat for several); contract flags below apply to every symbol
  --broker NAME    broker connection (default: BROKER_NAME, else sim, the built-in ib-sim)
  --bar B          bar size of onBar, built from the broker's quotes: 1m (default), 5s, "5 mins", 1h; the
                   strategy's own timeframes (7m, 2h, ...) are built from these bars, as in a backtest
  --bars SOURCE    quotes (default): bars built from the quotes; broker: each completed bar from the broker's
                   history (its own OHLCV, volume included; one history request per bar and symbol)
  --param k=v      strategy parameter (repeat); unknown names are refused
  --seconds N      stop after N seconds (default: run until Ctrl-C)
  --strategy-id ID order tag (default: the strategy's name); the OMS's per-strategy risk limits key on it
                   (trading-system risk --set maxOrderQuantity=10 --strategy ID)
  --mode M         paper (default) or live: what ctx.mode tells the strategy; the broker decides the rest
  --keep-orders    leave the run's working orders at the broker when it stops (default: cancel them)
  --log-level L    strategy log lines on stderr: debug, info (default), warn, error, silent
  --json           the summary as JSON
${INSTRUMENT_HELP}

Bars are slots of this machine's clock, completed by a timer at their end (a slot without any quote has no bar);
the slot the run starts in is skipped. Timers run on the same clock.

Examples:
  trading-system run examples/strategies/ma-crossover.ts --broker sim --symbol AAPL --bar 1m
  trading-system run examples/strategies/ma-crossover.ts --symbol EUR --sec-type CASH --bar 5s --param fast=3 --param slow=8 --seconds 120`,
  // The implementation (strategies and their ~180 indicator modules) loads only when a strategy runs: every
  // other command started ~0.3 s of CPU slower for importing it.
  run: async (argv, io) => (await import('./run.js')).runStrategyCommand(argv, io),
};
