/**
 * Errors of the SDK. Every failure the system reports is a TradingSystemError (or one of its subclasses) carrying
 * the registry `code` (libs/contracts errors.ts), the registry's `hint` (what to do next), `retryable` and the
 * service's `details`. Callers branch with `instanceof` on the subclass or on `err.code`.
 */
import { BusClosedError } from '@trading-system/bus';
import { type ErrorCode, type ErrorDetails, errorRegistry, registryCodeOf } from '@trading-system/contracts';

export class TradingSystemError extends Error {
  override readonly name: string = 'TradingSystemError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** What to do next, from the error registry. */
  get hint(): string {
    return errorRegistry[this.code].hint;
  }

  /** Whether the same call may succeed later unchanged. */
  get retryable(): boolean {
    return errorRegistry[this.code].retryable;
  }
}

/** The request itself is wrong (VALIDATION_FAILED, INVALID_*, PRICE_NOT_ON_TICK, ORDER_TYPE_UNSUPPORTED). */
export class ValidationError extends TradingSystemError {
  override readonly name = 'ValidationError';
}
/** Our own pre-trade checks or the trading state refused the order (RISK_*, TRADING_*): nothing was sent. */
export class OrderDeniedError extends TradingSystemError {
  override readonly name = 'OrderDeniedError';
}
/** The broker refused the order or an order command (ORDER_REJECTED, ORDER_NOT_*, DUPLICATE_ORDER). */
export class OrderRejectedError extends TradingSystemError {
  override readonly name = 'OrderRejectedError';
}
/** Something named does not exist (NOT_FOUND, ORDER_NOT_FOUND, CONTRACT_UNKNOWN, CONTRACT_AMBIGUOUS, ...). */
export class NotFoundError extends TradingSystemError {
  override readonly name = 'NotFoundError';
}
/** The broker connection is missing, down or not permitted (BROKER_*, ACCOUNT_UNKNOWN, MARKET_DATA_NOT_PERMITTED). */
export class BrokerError extends TradingSystemError {
  override readonly name = 'BrokerError';
}
/** Historical data could not be served whole (PACING_VIOLATION, HISTORY_*). */
export class HistoricalDataError extends TradingSystemError {
  override readonly name = 'HistoricalDataError';
}
/**
 * The system did not answer: nobody serves the subject, a deadline passed, or a service is starting/stopping
 * (NO_RESPONDERS, TIMEOUT, SERVICE_UNAVAILABLE, INTERNAL_ERROR, ...). After a TIMEOUT on an action, read the
 * state (getOrderStatus) before retrying.
 */
export class ServiceError extends TradingSystemError {
  override readonly name = 'ServiceError';
}
/** The TradingSystem was shut down (or never opened) and cannot be used any more. */
export class ClosedError extends TradingSystemError {
  override readonly name = 'ClosedError';
}

type ErrorClass = new (
  code: ErrorCode,
  message: string,
  options?: { cause?: unknown; details?: ErrorDetails },
) => TradingSystemError;

function classOf(code: ErrorCode): ErrorClass {
  if (code.startsWith('RISK_') || code.startsWith('TRADING_')) return OrderDeniedError;
  if (code.startsWith('ORDER_') || code === 'DUPLICATE_ORDER') {
    return code === 'ORDER_NOT_FOUND'
      ? NotFoundError
      : code === 'ORDER_TYPE_UNSUPPORTED' ||
          code === 'ORDER_ASSET_CLASS_UNSUPPORTED' ||
          code === 'ORDER_MODIFY_UNSUPPORTED'
        ? ValidationError
        : OrderRejectedError;
  }
  if (code.startsWith('BROKER_') || code === 'ACCOUNT_UNKNOWN' || code === 'MARKET_DATA_NOT_PERMITTED')
    return BrokerError;
  if (code.startsWith('HISTORY_') || code === 'PACING_VIOLATION') return HistoricalDataError;
  if (code.startsWith('CONTRACT_') || code === 'NOT_FOUND' || code === 'LEASE_NOT_FOUND') return NotFoundError;
  if (code === 'VALIDATION_FAILED' || code.startsWith('INVALID_') || code === 'PRICE_NOT_ON_TICK')
    return ValidationError;
  return ServiceError;
}

/** A typed SDK error for a registry code. */
export function sdkError(
  code: ErrorCode,
  message: string,
  options: { cause?: unknown; details?: ErrorDetails } = {},
): TradingSystemError {
  const Cls = classOf(code);
  return new Cls(code, message, options);
}

/**
 * Converts whatever a client call or a service threw into a TradingSystemError (already-typed errors pass
 * through). Error replies (ContractError) and the bus's own failures (no responders, timeout, permission, invalid
 * message) carry their registry codes; a closed bus is this object having been shut down.
 */
export function toSdkError(err: unknown, what: string): TradingSystemError {
  if (err instanceof TradingSystemError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof BusClosedError)
    return new ClosedError('SERVICE_UNAVAILABLE', `${what}: ${message}`, { cause: err });
  const code = registryCodeOf(err) ?? 'INTERNAL_ERROR';
  const details = (err as { details?: unknown } | undefined)?.details;
  const plain = typeof details === 'object' && details !== null && !Array.isArray(details);
  return sdkError(code, `${what}: ${message}`, { cause: err, ...(plain ? { details: details as ErrorDetails } : {}) });
}
