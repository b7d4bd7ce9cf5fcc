/**
 * Command line for a running sim's control port (`--control-port N` on main.ts):
 *
 *   tsx services/ib-sim/src/control-cli.ts <command> --port N [--host H] [options]
 *
 *   sessions | orders | positions | executions          print state as JSON
 *   drop-client --client-id N | drop-all                 close sockets (no goodbye)
 *   nightly-reset [--data-lost]                          1100, 2103/2105, 2104/2106, then 1101 or 1102
 *   farm --kind market|hmds|secdef (--ok | --broken) [--name usfarm]
 *   reject-next --reason TEXT [--code N]                 the next new order is rejected (201 by default)
 *   delay --ms N                                         delay every reply (0 restores)
 *   stall-history (--on | --off)                         hold historical requests unanswered
 *   competing-session                                    10197 on every market-data ticker
 *   broadcast --code N [--text T] [--farm F]             any notice to every client
 *   step                                                 one matching step now
 *
 * Prints the JSON reply; exits 0 on success, 1 when the sim refused or is unreachable, 2 on bad usage.
 */

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export interface CliRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: Record<string, unknown> | undefined;
  readonly port: number;
  readonly host: string;
}

const GETS: ReadonlySet<string> = new Set(['sessions', 'orders', 'positions', 'executions']);

export function parseCliArgs(argv: readonly string[]): CliRequest {
  const [command, ...rest] = argv;
  if (!command || command.startsWith('--')) throw new CliUsageError('missing command');
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] ?? '';
    if (!flag.startsWith('--')) throw new CliUsageError(`unexpected argument ${flag}`);
    const next = rest[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(flag.slice(2), next);
      i++;
    } else flags.set(flag.slice(2), true);
  }
  const str = (name: string): string => {
    const v = flags.get(name);
    if (typeof v !== 'string') throw new CliUsageError(`--${name} needs a value`);
    return v;
  };
  const num = (name: string): number => {
    const n = Number(str(name));
    if (!Number.isInteger(n)) throw new CliUsageError(`--${name} needs an integer`);
    return n;
  };
  const either = (yes: string, no: string): boolean => {
    if (flags.has(yes) === flags.has(no)) throw new CliUsageError(`give exactly one of --${yes} or --${no}`);
    return flags.has(yes);
  };
  const port = num('port');
  const host = flags.has('host') ? str('host') : '127.0.0.1';
  const post = (body: Record<string, unknown> = {}): CliRequest => ({
    method: 'POST',
    path: `/${command}`,
    body,
    port,
    host,
  });
  if (GETS.has(command)) return { method: 'GET', path: `/${command}`, body: undefined, port, host };
  switch (command) {
    case 'drop-client':
      return post({ clientId: num('client-id') });
    case 'drop-all':
    case 'competing-session':
    case 'step':
      return post();
    case 'nightly-reset':
      return post({ dataLost: flags.has('data-lost') });
    case 'farm':
      return post({
        kind: str('kind'),
        ok: either('ok', 'broken'),
        ...(flags.has('name') ? { name: str('name') } : {}),
      });
    case 'reject-next':
      return post({ reason: str('reason'), ...(flags.has('code') ? { code: num('code') } : {}) });
    case 'delay':
      return post({ ms: num('ms') });
    case 'stall-history':
      return post({ stalled: either('on', 'off') });
    case 'broadcast':
      return post({
        code: num('code'),
        ...(flags.has('text') ? { text: str('text') } : {}),
        ...(flags.has('farm') ? { farm: str('farm') } : {}),
      });
    default:
      throw new CliUsageError(`unknown command ${command}`);
  }
}

export async function runCli(argv: readonly string[]): Promise<{ exitCode: number; output: string }> {
  const req = parseCliArgs(argv);
  const res = await fetch(`http://${req.host}:${req.port}${req.path}`, {
    method: req.method,
    ...(req.body ? { body: JSON.stringify(req.body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const output = await res.text();
  return { exitCode: res.ok ? 0 : 1, output };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'));
if (isMain) {
  runCli(process.argv.slice(2)).then(
    ({ exitCode, output }) => {
      process.stdout.write(`${output}\n`);
      process.exit(exitCode);
    },
    (err: unknown) => {
      if (err instanceof CliUsageError) {
        process.stderr.write(`ib-sim-control: ${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`ib-sim-control: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
