/** `status`: broker connection and service health, one line per part. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { writeJson } from '../output.js';
import { probeSystem } from '../status-probes.js';

const usage = 'trading-system status [--json]';

export const statusCommand: Command = {
  name: 'status',
  usage,
  summary: 'broker connection and service health (its gateway, orders, market-data, history)',
  help: `Asks each part of the system to answer (5 s each): the broker connection's status from its gateway (state,
accounts, the broker type's details, broken data feeds, last notice), the OMS's trading mode, market-data and
history.
Exit 0 when everything answers and the broker is connected, 1 when something is degraded or down, 3 when
nothing answers.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {}, usage, { min: 0, max: 0 });
    if (values.help) {
      io.stdout.write(`${usage}\n\n${statusCommand.help}\n`);
      return ExitCode.ok;
    }
    const ts = await io.system({ broker: values.broker });
    const broker = values.broker ?? ts.defaultBroker;
    const results = await probeSystem(ts.bus, broker, 5_000);
    if (values.json) writeJson(io.stdout, { mode: ts.mode, broker, components: results });
    else {
      io.stdout.write(`${ts.describe().join('\n')}\n\n`);
      io.stdout.write(
        renderTable(results, [
          { header: 'component', value: (r) => r.component },
          { header: 'state', value: (r) => r.state },
          { header: 'ms', value: (r) => r.latencyMs },
          { header: 'detail', value: (r) => r.detail },
        ]),
      );
    }
    if (results.every((r) => r.state === 'down')) {
      io.stderr.write('nothing answers: start the system (trading-system start with NATS_URL set) or check NATS_URL\n');
      return ExitCode.unreachable;
    }
    return results.every((r) => r.state === 'ok') ? ExitCode.ok : ExitCode.failed;
  },
};
