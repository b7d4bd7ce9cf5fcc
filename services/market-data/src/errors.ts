import { NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { ContractError, type ErrorReply } from '@trading-system/contracts';
import type { Logger } from '@trading-system/runtime';
import { LeaseConflictError } from './lease-table.js';

/** A gateway command answered `ok: false`, or could not be delivered; `code` is from the registry. */
export class GatewayCommandError extends ContractError {
  override readonly name = 'GatewayCommandError';
}

/** Any failure → a ContractError with a registry code (unexpected ones become INTERNAL_ERROR). */
export function asContractError(err: unknown): ContractError {
  if (err instanceof ContractError) return err;
  if (err instanceof NoRespondersError)
    return new ContractError('NO_RESPONDERS', `no gateway answers: ${err.message}`, { cause: err });
  if (err instanceof RequestTimeoutError)
    return new ContractError('TIMEOUT', `the gateway did not answer in time: ${err.message}`, { cause: err });
  if (err instanceof LeaseConflictError) return new ContractError('VALIDATION_FAILED', err.message, { cause: err });
  return new ContractError('INTERNAL_ERROR', err instanceof Error ? err.message : String(err), { cause: err });
}

/** The error reply for a failed request; unexpected errors are logged (expected ones are the caller's business). */
export function toErrorReply(err: unknown, log: Logger, subject: string): ErrorReply {
  const e = asContractError(err);
  if (e.code === 'INTERNAL_ERROR') log.error({ err, subject }, 'request failed');
  else log.debug({ err, subject, code: e.code }, 'request refused');
  return e.toReply();
}
