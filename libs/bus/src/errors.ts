import type { ErrorCode } from '@trading-system/contracts';
import type { RejectReason } from './bus.js';

/*
 * Every error a caller of the bus can meet carries the registry code (libs/contracts errors.ts) it stands for, so
 * clients, services, the SDK and the CLI read `registryCodeOf(err)` instead of each mapping the bus's classes.
 */

/** A zod issue, kept structurally so the bus's public errors do not depend on zod's types. */
export interface ValidationIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
}

export type InvalidMessageReason = RejectReason | 'unserialisable';

/**
 * A message failed validation: on publish (thrown before anything is sent, `direction: 'outbound'`) or on receive
 * (`direction: 'inbound'`: logged as the `err` of a rejection, or thrown by `request` for an invalid reply).
 */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  /** Outbound: the caller's message is wrong (VALIDATION_FAILED); inbound: what arrived is not a valid message. */
  readonly code: ErrorCode;
  /** The failing fields, in the shape of a VALIDATION_FAILED reply's `details`. */
  readonly details: { readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }> };
  constructor(
    readonly subject: string,
    readonly reason: InvalidMessageReason,
    readonly direction: 'inbound' | 'outbound',
    readonly issues: readonly ValidationIssue[],
    options?: ErrorOptions,
  ) {
    super(`${direction} message on ${subject} rejected (${reason})${describe(issues)}`, options);
    this.code = direction === 'outbound' ? 'VALIDATION_FAILED' : 'INVALID_MESSAGE';
    this.details = { issues: issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) };
  }
}

function describe(issues: readonly ValidationIssue[]): string {
  if (issues.length === 0) return '';
  return `: ${issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ')}`;
}

/** The subject has no catalog entry (or its entry has no schema for this use): nothing is sent. */
export class UnknownSubjectError extends Error {
  override readonly name = 'UnknownSubjectError';
  /** A subject the catalog does not know is a program's mistake, not a caller's input. */
  readonly code: ErrorCode = 'INTERNAL_ERROR';
  constructor(
    readonly subject: string,
    detail = 'no catalog entry matches it',
  ) {
    super(`subject ${subject}: ${detail}`);
  }
}

/** Not a valid NATS subject (empty token, whitespace, or a wildcard where none is allowed). */
export class InvalidSubjectError extends Error {
  override readonly name = 'InvalidSubjectError';
  readonly code: ErrorCode = 'INVALID_SUBJECT_TOKEN';
  constructor(readonly subject: string) {
    super(`invalid subject: ${JSON.stringify(subject)}`);
  }
}

/**
 * The server refused a publish or subscribe for this connection's user (NATS permissions). Carries the registry
 * code PERMISSION_DENIED.
 */
export class PermissionDeniedError extends Error {
  override readonly name = 'PermissionDeniedError';
  readonly code: ErrorCode = 'PERMISSION_DENIED';
  constructor(
    readonly subject: string,
    readonly operation: 'publish' | 'subscribe',
    options?: ErrorOptions,
  ) {
    super(`this NATS user may not ${operation === 'publish' ? 'publish to' : 'subscribe to'} ${subject}`, options);
  }
}

/** Nobody serves the request subject (NATS 503 "no responders"; in memory: no matching subscription). */
export class NoRespondersError extends Error {
  override readonly name = 'NoRespondersError';
  readonly code: ErrorCode = 'NO_RESPONDERS';
  constructor(
    readonly subject: string,
    options?: ErrorOptions,
  ) {
    super(`no responders for ${subject}`, options);
  }
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code: ErrorCode = 'TIMEOUT';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`request on ${subject} got no reply within ${timeoutMs} ms`, options);
  }
}

/** A JetStream operation failed (no stream for the subject, stream config refused, server error). */
export class JetStreamError extends Error {
  override readonly name = 'JetStreamError';
}

/** The bus was drained; nothing more can be published or subscribed. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  readonly code: ErrorCode = 'SERVICE_UNAVAILABLE';
  constructor(operation: string) {
    super(`bus is closed: cannot ${operation}`);
  }
}

/** The NATS connection could not be opened, or was lost for good (reconnect attempts exhausted). */
export class BusConnectionError extends Error {
  override readonly name = 'BusConnectionError';
  readonly code: ErrorCode = 'SERVICE_UNAVAILABLE';
}

/** A bus namespace that is not one subject token usable in a stream name (letters, digits, `_`, `-`; ≤ 32). */
export class InvalidNamespaceError extends Error {
  override readonly name = 'InvalidNamespaceError';
  constructor(readonly namespace: string) {
    super(
      `invalid bus namespace ${JSON.stringify(namespace)}: expected 1-32 letters, digits, '_' or '-' (one subject token)`,
    );
  }
}
