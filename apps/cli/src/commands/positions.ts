/** `positions`: every broker's positions (or --broker's) with market price, value and PnL. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { writeJson } from '../output.js';

const usage = 'trading-system positions [--account A] [--json]';

export const positionsCommand: Command = {
  name: 'positions',
  usage,
  summary: 'positions of every broker, with market price, value and PnL',
  help:
    'Flags:\n  --account A   one account\n  --broker B    one broker (default: every broker)\n' +
    '  --json        a JSON array (exact decimal strings)',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { account: { type: 'string' } }, usage, { min: 0, max: 0 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${positionsCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    // Every broker's positions unless --broker names one; price, value and PnL filled from quotes where the broker
    // reports none.
    const positions = await ts.getPositions({
      ...(values.broker === undefined ? {} : { broker: values.broker }),
      ...(values.account === undefined ? {} : { account: values.account }),
    });
    for (const u of positions.unavailable) io.stderr.write(`broker ${u.broker}: ${u.code} ${u.message}\n`);
    if (values.json) {
      writeJson(io.stdout, positions);
      return ExitCode.ok;
    }
    const open = positions.filter((p) => Number(p.quantity) !== 0);
    if (open.length === 0) io.stdout.write('no positions\n');
    else
      io.stdout.write(
        renderTable(open, [
          { header: 'broker', value: (p) => p.broker },
          { header: 'account', value: (p) => p.account },
          { header: 'symbol', value: (p) => p.symbol },
          { header: 'instrument', value: (p) => p.instrumentId },
          { header: 'type', value: (p) => p.secType },
          { header: 'qty', value: (p) => p.quantity },
          { header: 'avg cost', value: (p) => p.avgCost },
          { header: 'mkt price', value: (p) => p.marketPrice },
          { header: 'mkt value', value: (p) => p.marketValue },
          { header: 'unreal. PnL', value: (p) => p.unrealizedPnl },
          { header: 'real. PnL', value: (p) => p.realizedPnl },
          { header: 'ccy', value: (p) => p.currency },
        ]),
      );
    return ExitCode.ok;
  },
};
