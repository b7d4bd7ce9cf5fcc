/** `account`: each account's main figures and PnL as the broker reports them (every broker's, or --broker's). */
import type { AccountInfo, UnavailableBroker } from '@trading-system/sdk';
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
  help:
    "Flags:\n  --account A   only this account\n  --broker B    only this broker's accounts (default: every broker's)\n" +
    '  --json        the whole summaries (an array; one object with --broker), every raw value included',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { account: { type: 'string' } }, usage, { min: 0, max: 0 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${accountCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    // A broker named with --broker: its account; none: every account of every broker.
    const account = values.account === undefined ? {} : { account: values.account };
    let accounts: AccountInfo[];
    let unavailable: readonly UnavailableBroker[] = [];
    if (values.broker === undefined) {
      const all = await ts.getAccountInfo(account);
      accounts = all;
      unavailable = all.unavailable;
    } else accounts = [await ts.getAccountInfo({ broker: values.broker, ...account })];
    if (values.json) {
      writeJson(io.stdout, values.broker === undefined ? accounts : accounts[0]);
      return ExitCode.ok;
    }
    io.stdout.write(accounts.map(accountRecord).join('\n'));
    if (accounts.length === 0) io.stdout.write('no accounts\n');
    for (const u of unavailable) io.stderr.write(`broker ${u.broker}: ${u.code} ${u.message}\n`);
    return ExitCode.ok;
  },
};

function accountRecord(a: AccountInfo): string {
  return renderRecord(
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
  );
}
