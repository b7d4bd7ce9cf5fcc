/** Errors of the paper gateway. Across the bus they become `{ ok: false, code }` replies (codes from contracts). */
import type { ErrorCode, ErrorDetails } from '@trading-system/contracts';

/** A command refused: nothing changed at the paper broker. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
