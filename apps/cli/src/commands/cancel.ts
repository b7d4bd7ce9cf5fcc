/** `cancel <orderId>`: asks the OMS to cancel one order; prints the order as the OMS holds it afterwards. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { describeOrder, describeStatus } from '../format/orders.js';
import { writeJson } from '../output.js';

const usage = 'trading-system cancel <orderId> [--json]';

export const cancelCommand: Command = {
  name: 'cancel',
  usage,
  summary: 'cancel one order (the outcome arrives as order events: see orders / tail)',
  help: 'Exit 1 when the order is unknown or already final (ORDER_NOT_FOUND, ORDER_NOT_CANCELLABLE).',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {}, usage, { min: 1, max: 1 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${cancelCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    const order = await ts.cancelOrder(positionals[0] ?? '');
    if (values.json) writeJson(io.stdout, order);
    else io.stdout.write(`order ${order.orderId}: ${describeOrder(order)}\nstatus: ${describeStatus(order)}\n`);
    return ExitCode.ok;
  },
};
