/** `positions`: positions as the broker reports them. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { writeJson } from '../output.js';

const usage = 'trading-system positions [--account A] [--json]';

export const positionsCommand: Command = {
  name: 'positions',
  usage,
  summary: 'positions as the broker reports them',
  help: 'Flags:\n  --account A   one account of the broker connection\n  --json        a JSON array (exact decimal strings)',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { account: { type: 'string' } }, usage, { min: 0, max: 0 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${positionsCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    const positions = await ts.getPositions(values.account === undefined ? {} : { account: values.account });
    if (values.json) {
      writeJson(io.stdout, positions);
      return ExitCode.ok;
    }
    const open = positions.filter((p) => Number(p.quantity) !== 0);
    if (open.length === 0) io.stdout.write('no positions\n');
    else
      io.stdout.write(
        renderTable(open, [
          { header: 'account', value: (p) => p.account },
          { header: 'symbol', value: (p) => p.symbol },
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
