/**
 * Errors of the CLI and how any error becomes a message, a hint and an exit code. Errors of the system carry a
 * registry code (SDK TradingSystemError, contracts ContractError, bus errors): a request the system calls invalid is
 * a usage error, a system that does not answer is unreachable, anything else a failed command.
 */
import { BusClosedError, redactUrl } from '@trading-system/bus';
import { errorRegistry, registryCodeOf } from '@trading-system/contracts';
import { ClosedError } from '@trading-system/sdk';
import { ExitCode } from './exit-codes.js';

/** The command line is wrong. `hint` says how to write it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** A command ran and failed in a way the user should know about (exit 1 unless `exitCode` says otherwise). */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  constructor(message: string, options: { hint?: string; exitCode?: ExitCode } = {}) {
    super(message);
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
  }
}

export interface Failure {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly message: string;
  readonly hint: string | undefined;
}

const UNREACHABLE = new Set(['NO_RESPONDERS', 'TIMEOUT', 'SERVICE_UNAVAILABLE']);

function isUsageCode(code: string): boolean {
  return (
    code === 'VALIDATION_FAILED' ||
    code.startsWith('INVALID_') ||
    code === 'PRICE_NOT_ON_TICK' ||
    code === 'ORDER_TYPE_UNSUPPORTED'
  );
}

/** NATS_URL fit for a message: credentials written into it are masked. */
export function redactUrls(natsUrl: string): string {
  return natsUrl
    .split(',')
    .map((u) => redactUrl(u.trim()))
    .join(',');
}

function systemHint(natsUrl: string | undefined): string {
  return natsUrl === undefined
    ? 'the embedded system did not answer in time; try again, or start a system (trading-system start with NATS_URL) and set NATS_URL'
    : `no service answers at NATS_URL=${redactUrls(natsUrl)}: start the system there (NATS_URL=${redactUrls(natsUrl)} trading-system start, or npm run start:<service> each), check with trading-system status, or unset NATS_URL to run embedded`;
}

/** Exit code, registry code, message and hint of anything a command threw. */
export function describeFailure(err: unknown, natsUrl: string | undefined): Failure {
  if (err instanceof UsageError)
    return { exitCode: ExitCode.usage, code: 'USAGE', message: err.message, hint: err.hint };
  if (err instanceof CommandFailedError)
    return { exitCode: err.exitCode, code: 'FAILED', message: err.message, hint: err.hint };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ClosedError || err instanceof BusClosedError)
    return { exitCode: ExitCode.unreachable, code: 'SERVICE_UNAVAILABLE', message, hint: systemHint(natsUrl) };
  // SDK errors, error replies and the bus's own failures all carry their registry code.
  const code = registryCodeOf(err);
  if (code === undefined) return { exitCode: ExitCode.failed, code: 'INTERNAL_ERROR', message, hint: undefined };
  if (UNREACHABLE.has(code)) return { exitCode: ExitCode.unreachable, code, message, hint: systemHint(natsUrl) };
  const hint = errorRegistry[code].hint;
  return { exitCode: isUsageCode(code) ? ExitCode.usage : ExitCode.failed, code, message, hint };
}
