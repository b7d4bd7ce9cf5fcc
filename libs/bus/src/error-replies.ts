import { type ErrorCode, type ErrorReply, errorReply, errorReplyOf } from '@trading-system/contracts';
import {
  BusClosedError,
  BusConnectionError,
  InvalidMessageError,
  InvalidSubjectError,
  NoRespondersError,
  RequestTimeoutError,
  UnknownSubjectError,
  type ValidationIssue,
} from './errors.js';

/**
 * The typed answers of the bus itself: to a request refused before its handler ran, and to a handler that failed.
 * Every one is a registry ErrorReply (`v: 1`, code, a message naming what was wrong, the registry hint), which
 * every catalog reply schema accepts, so the answer itself can never fail validation.
 */

const MAX_LISTED_ISSUES = 5;
const MAX_DETAIL_ISSUES = 20;

const pathOf = (i: ValidationIssue): string => (i.path.length === 0 ? '(root)' : i.path.map(String).join('.'));

/** A body that is not an object, or whose `v` is missing or not a version we speak. */
function isEnvelopeIssue(i: ValidationIssue): boolean {
  return i.path.length === 0 || (i.path.length === 1 && i.path[0] === 'v');
}

/** Registry code of a refused request: which part of the contract the caller broke. */
export function refusalCode(err: InvalidMessageError): ErrorCode {
  switch (err.reason) {
    case 'oversize':
      return 'PAYLOAD_TOO_LARGE';
    case 'bad_json':
    case 'unserialisable':
    case 'unknown_subject':
      return 'INVALID_MESSAGE';
    case 'schema':
      return err.issues.some(isEnvelopeIssue) ? 'INVALID_MESSAGE' : 'VALIDATION_FAILED';
  }
}

/** The reply to a request whose body failed decoding or validation. */
export function refusalReply(err: InvalidMessageError): ErrorReply {
  const code = refusalCode(err);
  const on = `request on ${err.subject}`;
  const first = err.issues[0]?.message ?? '';
  switch (err.reason) {
    case 'oversize':
      return errorReply(code, `${on} is too large: ${first}`);
    case 'bad_json':
    case 'unserialisable':
      return errorReply(code, `${on} is not UTF-8 JSON: ${first}`);
    case 'unknown_subject':
      return errorReply(code, `${on}: the subject has no catalog entry`);
    case 'schema': {
      const issues = err.issues.slice(0, MAX_DETAIL_ISSUES).map((i) => ({ path: pathOf(i), message: i.message }));
      const envelope = err.issues.find(isEnvelopeIssue);
      if (envelope !== undefined) {
        const what = envelope.path.length === 0 ? `must be a JSON object (${envelope.message})` : 'needs "v": 1';
        return errorReply(code, `${on} ${what}`, { issues });
      }
      const listed = issues
        .slice(0, MAX_LISTED_ISSUES)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      const more = err.issues.length > MAX_LISTED_ISSUES ? ` (+${err.issues.length - MAX_LISTED_ISSUES} more)` : '';
      return errorReply(code, `invalid ${on}: ${listed}${more}`, { issues });
    }
  }
}

/**
 * The bus's own errors met inside a handler: its request to another service failed, or it sent an invalid message.
 * They carry codes for the caller of the bus, but passed through as they are they would tell this request's caller
 * that *its* message was invalid or that nobody answers *its* subject; a handler that means that says so itself.
 */
const BUS_ERRORS = [
  InvalidMessageError,
  UnknownSubjectError,
  InvalidSubjectError,
  NoRespondersError,
  RequestTimeoutError,
  BusClosedError,
  BusConnectionError,
];

/** Whether a handler's error is one the bus raised for the handler's own bus calls (see BUS_ERRORS). */
export function isBusCallError(err: unknown): boolean {
  return BUS_ERRORS.some((cls) => err instanceof cls);
}

/**
 * The reply to a handler that threw: the error's own registry code when it carries one (a ContractError, a
 * storage error marked SERVICE_UNAVAILABLE, ...), INTERNAL_ERROR otherwise — and for the bus's errors of the
 * handler's own calls (BUS_ERRORS).
 */
export function handlerErrorReply(err: unknown): ErrorReply {
  const message = err instanceof Error ? err.message : String(err);
  if (isBusCallError(err)) return errorReply('INTERNAL_ERROR', message);
  return errorReplyOf(err) ?? errorReply('INTERNAL_ERROR', message);
}
