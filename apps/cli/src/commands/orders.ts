/** `orders`: the OMS's orders, newest first (all, or only working ones with --open). */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { renderOrders } from '../format/orders.js';
import { writeJson } from '../output.js';

const usage = 'trading-system orders [--open] [--symbol S] [--json]';

export const ordersCommand: Command = {
  name: 'orders',
  usage,
  summary: 'orders known to the OMS, newest first (--open: working ones only)',
  help: `Flags:
  --open       only orders still working (accepted, submitted, partially filled, pending cancel, unresolved)
  --symbol S   only orders for symbol S
  --json       a JSON array of orders`,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      { open: { type: 'boolean', default: false }, symbol: { type: 'string' } },
      usage,
      {
        min: 0,
        max: 0,
      },
    );
    if (values.help) {
      io.stdout.write(`${usage}\n\n${ordersCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    const orders = await ts.getAllOrders({
      status: values.open ? 'open' : 'all',
      ...(values.broker === undefined ? {} : { broker: values.broker }),
      ...(values.symbol === undefined ? {} : { symbol: values.symbol.toUpperCase() }),
    });
    if (values.json) writeJson(io.stdout, orders);
    else if (orders.length === 0) io.stdout.write(values.open ? 'no open orders\n' : 'no orders\n');
    else io.stdout.write(renderOrders(orders));
    return ExitCode.ok;
  },
};
