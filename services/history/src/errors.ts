import { ContractError, type ErrorCode, registryCodeOf } from '@trading-system/contracts';

/** Base of this package's errors; `code` is the registry code a reply carries. */
export class HistoryError extends ContractError {
  override readonly name: string = 'HistoryError';
}

/** The client's error for a streamed reply that did not arrive whole; defined with the client. */
export { HistoryStreamError } from '@trading-system/clients';

/** The service stopped while a request was still running. */
export class HistoryStoppedError extends HistoryError {
  override readonly name = 'HistoryStoppedError';
  constructor() {
    super('SERVICE_UNAVAILABLE', 'history service stopped while the request was running');
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The registry code of an error when it carries one (the bus's errors do), else INTERNAL_ERROR. */
export function errorCode(err: unknown): ErrorCode {
  return registryCodeOf(err) ?? 'INTERNAL_ERROR';
}
