/**
 * `trading [active|reducing-only|halted]`: the OMS's trading state (orders.tradingState). Without a mode it prints
 * the state; with one it sets it (an operator's right on a secured NATS).
 */
import type { TradingMode } from '@trading-system/sdk';
import { oneOf, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTime } from '../format/table.js';
import { writeJson } from '../output.js';

const usage = 'trading-system trading [active|reducing-only|halted] [--reason TEXT] [--json]';

const MODES = { active: 'active', 'reducing-only': 'reducingOnly', halted: 'halted' } as const satisfies Record<
  string,
  TradingMode
>;
const SHOWN: Record<TradingMode, string> = { active: 'active', reducingOnly: 'reducing-only', halted: 'halted' };

export const tradingCommand: Command = {
  name: 'trading',
  usage,
  summary: 'show or set the trading state: active, reducing-only (only orders that reduce a position), halted',
  help:
    'halted: no new orders or modifications (cancels still work); reducing-only: only orders that reduce a ' +
    'position; active: everything.\nFlags:\n  --reason TEXT   why (kept with the state)\n  --json          the state as JSON',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { reason: { type: 'string' } }, usage, { min: 0, max: 1 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${tradingCommand.help}\n`);
      return ExitCode.ok;
    }
    const wanted = positionals[0];
    const mode =
      wanted === undefined ? undefined : MODES[oneOf(wanted, Object.keys(MODES) as (keyof typeof MODES)[], 'mode')];
    const ts = await io.system({ broker: values.broker });
    const state =
      mode === undefined
        ? await ts.getTradingState()
        : await ts.setTradingState(mode, values.reason === undefined ? {} : { reason: values.reason });
    if (values.json) writeJson(io.stdout, state);
    else
      io.stdout.write(
        `trading: ${SHOWN[state.mode]}${state.reason === undefined ? '' : ` (${state.reason})`}` +
          `${state.changedBy === undefined ? '' : `, set by ${state.changedBy}`} at ${formatTime(state.changedAtMs)} UTC\n`,
      );
    return ExitCode.ok;
  },
};
