/** `start`: the whole system in one process (services/embedded), exactly what `npm start` runs. */
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { runScript, serviceMain } from '../run-script.js';

const usage = 'trading-system start';

export const startCommand: Command = {
  name: 'start',
  usage,
  ownsInterrupt: true,
  summary: 'run the whole system in one process (same as npm start); Ctrl-C stops it',
  help: `Runs every service plus ib-sim in one process (services/embedded). Configuration from the environment:
  NATS_URL       use NATS instead of the in-process bus (then other commands can reach this system)
  DATABASE_URL   PostgreSQL instead of PGlite (PGLITE_DATA_DIR, default .data/pglite)
  SIM_PORT       ib-sim port (default 7497); SIM_ENABLED=false with IB_HOST/IB_PORT for a real TWS / IB Gateway
  See the README's configuration reference for the rest.`,
  async run(argv, io) {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(`${usage}\n\n${startCommand.help}\n`);
      return ExitCode.ok;
    }
    if (argv.length > 0) {
      io.stderr.write(
        `trading-system start: unexpected argument '${argv[0]}'\nhint: configure start with environment variables (trading-system start --help)\n`,
      );
      return ExitCode.usage;
    }
    return runScript(serviceMain('@trading-system/embedded'), [], { ...io.env });
  },
};
