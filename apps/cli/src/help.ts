/** The top-level `--help` text. */
import type { Command } from './command.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

export function topLevelHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `trading-system: run the trading system, download history, quote, trade and inspect it.

Usage: trading-system <command> [arguments] [--json] [--broker NAME]
       trading-system <command> --help

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Connection:
  NATS_URL set     commands talk to the running system at NATS_URL (start it with \`NATS_URL=... trading-system start\`
                   or one process per service, see README)
  NATS_URL unset   each command starts the whole system in its own process first (a few seconds; in-process bus,
                   PGlite in memory, ib-sim as broker \`sim\`): history and quotes work on a bare machine, but orders
                   and positions are gone when the command ends

Output: human tables on stdout; --json for one JSON document (NDJSON, one object per line, for watch and tail);
progress, notes and errors on stderr (with --json a failure is also one JSON document on stdout:
{ ok: false, code, message, hint, exitCode }).

${EXIT_CODES_HELP}
`;
}
