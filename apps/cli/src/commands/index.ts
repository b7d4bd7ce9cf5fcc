/** Every command, in the order `--help` lists them. */
import type { Command } from '../command.js';
import { accountCommand } from './account.js';
import { backtestCommand } from './backtest-command.js';
import { cancelCommand } from './cancel.js';
import { chainCommand } from './chain.js';
import { historyCommand } from './history.js';
import { orderCommand } from './order.js';
import { ordersCommand } from './orders.js';
import { positionsCommand } from './positions.js';
import { quoteCommand } from './quote.js';
import { riskCommand } from './risk.js';
import { runCommand } from './run-command.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { tailCommand } from './tail.js';
import { tradingCommand } from './trading.js';
import { watchCommand } from './watch.js';

export const COMMANDS: readonly Command[] = [
  startCommand,
  simCommand,
  statusCommand,
  historyCommand,
  quoteCommand,
  chainCommand,
  watchCommand,
  orderCommand,
  cancelCommand,
  ordersCommand,
  positionsCommand,
  accountCommand,
  tradingCommand,
  riskCommand,
  tailCommand,
  backtestCommand,
  runCommand,
];
