/** `sim`: ib-sim alone (a TWS API server for any IB client), exactly what `npm run sim` runs; flags pass through. */
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { runScript, serviceMain } from '../run-script.js';

const usage = 'trading-system sim [--port 7497] [--host H] [--seed N] [--time-scale X] [--no-pacing] [...]';

export const simCommand: Command = {
  name: 'sim',
  usage,
  ownsInterrupt: true,
  summary: 'run ib-sim alone (same as npm run sim); its flags pass through',
  help: `Flags (ib-sim's own, passed through): --port N, --host H, --seed N, --time-scale X, --start ISO, --no-pacing,
  --pacing-scale X, --pace-all-bars, --high-rate N, --accounts A,B, --max-lines N, --no-replay, --log-level L,
  --control-port N, --state-file PATH, --reset, --starting-cash N. Exit 2 on a bad flag.`,
  async run(argv, io) {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(`${usage}\n\n${simCommand.help}\n`);
      return ExitCode.ok;
    }
    return runScript(serviceMain('@trading-system/ib-sim'), argv, { ...io.env });
  },
};
