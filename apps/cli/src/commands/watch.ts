/** `watch <symbol…>`: live quotes until Ctrl-C (or --count quotes), one line (or JSON object) per change. */
import type { MarketDataSubscription } from '@trading-system/sdk';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatQuoteLine } from '../format/quotes.js';
import { contractOptions, INSTRUMENT_HELP, INSTRUMENT_OPTIONS } from '../instrument-args.js';
import { writeJsonLine } from '../output.js';

const usage = 'trading-system watch <symbol...> [--count N] [--json]';

export const watchCommand: Command = {
  name: 'watch',
  usage,
  ownsInterrupt: true,
  summary: 'live quotes until Ctrl-C, one line per change (--json: NDJSON)',
  help: `Flags:
  --count N   stop after N quotes (exit 0)
  --json      one JSON object per quote (NDJSON): symbol, bid, ask, last, sizes, time, and the exact tick
${INSTRUMENT_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { ...INSTRUMENT_OPTIONS, count: { type: 'string' } },
      usage,
      {
        min: 1,
        max: 100,
      },
    );
    if (values.help) {
      io.stdout.write(`${usage}\n\n${watchCommand.help}\n`);
      return ExitCode.ok;
    }
    const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
    if (!Number.isInteger(count) && count !== Number.POSITIVE_INFINITY)
      throw new UsageError(`--count must be a whole number, got '${values.count}'`, 'e.g. --count 10');
    const ts = await io.system({ broker: values.broker });
    let seen = 0;
    let enough: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      enough = resolve;
    });
    const subs: MarketDataSubscription[] = [];
    try {
      for (const symbol of positionals) {
        subs.push(
          await ts.subscribeMarketData(
            symbol.toUpperCase(),
            values.exchange,
            (q) => {
              if (seen >= count) return;
              seen++;
              if (values.json) writeJsonLine(io.stdout, q);
              else io.stdout.write(`${formatQuoteLine(q)}\n`);
              if (seen >= count) enough();
            },
            contractOptions(values),
          ),
        );
      }
      if (!values.json) io.stderr.write(`watching ${positionals.join(' ')}; Ctrl-C to stop\n`);
      const why = await Promise.race([
        reached.then(() => 'count' as const),
        io.interrupted.then(() => 'interrupted' as const),
      ]);
      return why === 'count' ? ExitCode.ok : ExitCode.interrupted;
    } finally {
      await Promise.allSettled(subs.map((s) => s.unsubscribe()));
    }
  },
};
