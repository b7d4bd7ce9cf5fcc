/** `account`: the account's main figures and PnL as the broker reports them. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTime, renderRecord } from '../format/table.js';
import { writeJson } from '../output.js';

const usage = 'trading-system account [--account A] [--json]';

export const accountCommand: Command = {
  name: 'account',
  usage,
  summary: 'account values (net liquidation, cash, margin) and PnL',
  help: 'Flags:\n  --account A   which account, when the broker connection manages several\n  --json        the whole summary, every raw value included',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { account: { type: 'string' } }, usage, { min: 0, max: 0 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${accountCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    const a = await ts.getAccountInfo(values.account === undefined ? {} : { account: values.account });
    if (values.json) {
      writeJson(io.stdout, a);
      return ExitCode.ok;
    }
    io.stdout.write(
      renderRecord(
        [
          ['account', `${a.account} (${a.broker})`],
          ['currency', a.currency],
          ['net liquidation', a.netLiquidation],
          ['total cash', a.totalCashValue],
          ['buying power', a.buyingPower],
          ['available funds', a.availableFunds],
          ['excess liquidity', a.excessLiquidity],
          ['init margin', a.initMarginReq],
          ['maint margin', a.maintMarginReq],
          ['gross position value', a.grossPositionValue],
          ['daily PnL', a.pnl?.dailyPnl],
          ['unrealized PnL', a.pnl?.unrealizedPnl],
          ['realized PnL', a.pnl?.realizedPnl],
          ['as of (UTC)', formatTime(a.tsEventMs)],
        ].filter(([, v]) => v !== undefined) as [string, string][],
      ),
    );
    return ExitCode.ok;
  },
};
