/**
 * `cancel <orderId>`: asks the OMS to cancel one order; prints the order as the OMS holds it afterwards.
 * `cancel --all`: every open order (of --broker, --account, --strategy when given), the OMS's orders.cancelAll.
 */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { describeOrder, describeStatus } from '../format/orders.js';
import { writeJson } from '../output.js';

const usage = 'trading-system cancel <orderId> | --all [--broker B] [--account A] [--strategy S] [--json]';

const options = {
  all: { type: 'boolean', default: false },
  account: { type: 'string' },
  strategy: { type: 'string' },
} as const;

export const cancelCommand: Command = {
  name: 'cancel',
  usage,
  summary: 'cancel one order, or every open order with --all (the outcome arrives as order events)',
  help:
    'Flags:\n  --all         every open order (narrowed by --broker, --account, --strategy)\n' +
    '  --json        the order (or {"cancelRequested": [ids]}) as JSON\n' +
    'Exit 1 when the order is unknown or already final (ORDER_NOT_FOUND, ORDER_NOT_CANCELLABLE).',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, options, usage, { min: 0, max: 1 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${cancelCommand.help}\n`);
      return ExitCode.ok;
    }
    const id = positionals[0];
    if (values.all === (id !== undefined))
      throw new UsageError(
        values.all ? 'give an order id or --all, not both' : 'missing argument: the order id (or --all)',
        `usage: ${usage}`,
      );
    if (!values.all && (values.account !== undefined || values.strategy !== undefined))
      throw new UsageError('--account and --strategy narrow --all only', `usage: ${usage}`);
    const ts = await io.system({ broker: values.broker });
    if (values.all) {
      const ids = await ts.cancelAll({
        ...(values.broker === undefined ? {} : { broker: values.broker }),
        ...(values.account === undefined ? {} : { account: values.account }),
        ...(values.strategy === undefined ? {} : { strategy: values.strategy }),
      });
      if (values.json) writeJson(io.stdout, { cancelRequested: ids });
      else
        io.stdout.write(
          ids.length === 0
            ? 'no open orders to cancel\n'
            : `cancel requested for ${ids.length} order${ids.length === 1 ? '' : 's'}:\n${ids.map((i) => `  ${i}\n`).join('')}`,
        );
      return ExitCode.ok;
    }
    const order = await ts.cancelOrder(id ?? '');
    if (values.json) writeJson(io.stdout, order);
    else io.stdout.write(`order ${order.orderId}: ${describeOrder(order)}\nstatus: ${describeStatus(order)}\n`);
    return ExitCode.ok;
  },
};
