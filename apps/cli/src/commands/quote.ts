/** `quote <symbol…>`: one snapshot of the latest quote of each symbol (market-data's md.snapshot). */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { type QuoteRow, quoteColumns } from '../format/quotes.js';
import { renderTable } from '../format/table.js';
import { INSTRUMENT_HELP, INSTRUMENT_OPTIONS, instrumentFrom } from '../instrument-args.js';
import { writeJson } from '../output.js';

const usage = 'trading-system quote <symbol...> [--json]';

export const quoteCommand: Command = {
  name: 'quote',
  usage,
  summary: 'one snapshot table of the latest quotes of up to 100 symbols',
  help: `Flags:\n  --json   a JSON array: { symbol, ok, tick, ageMs, state } or { symbol, ok: false, code, message }\n${INSTRUMENT_HELP}\nExit 1 when a symbol has no quote (unknown contract, no data).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, INSTRUMENT_OPTIONS, usage, { min: 1, max: 100 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${quoteCommand.help}\n`);
      return ExitCode.ok;
    }
    const symbols = positionals.map((s) => s.toUpperCase());
    const instruments = symbols.map((s) => instrumentFrom(s, values));
    const ts = await io.system({ broker: values.broker });
    const items = await ts.getQuoteSnapshots(instruments, values.broker === undefined ? {} : { broker: values.broker });
    const rows: QuoteRow[] = items.map((item, i) => ({ symbol: symbols[i] ?? '?', ...item }));
    if (values.json) writeJson(io.stdout, rows);
    else io.stdout.write(renderTable(rows, quoteColumns));
    const failed = rows.filter((r) => !r.ok);
    for (const f of failed) if (!f.ok) io.stderr.write(`${f.symbol}: ${f.code} ${f.message}\n`);
    return failed.length === 0 ? ExitCode.ok : ExitCode.failed;
  },
};
