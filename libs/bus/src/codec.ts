import { type CatalogEntry, fastCheckOf, isFlatCheck, type MessageCatalog } from '@trading-system/contracts';
import type { ZodType } from 'zod';
import { InvalidMessageError, UnknownSubjectError } from './errors.js';

/** Which schema of a catalog entry governs a message: published body, request body, or reply body. */
export type SchemaRole = 'message' | 'request' | 'reply';

/** NATS reply inboxes carry replies; they are never in the catalog (replies are validated by the request's entry). */
export function isInbox(subject: string): boolean {
  return subject.startsWith('_INBOX.');
}

/** The role a plain publish/subscribe on this entry uses: requests for `request` entries, messages otherwise. */
export function defaultRole(entry: CatalogEntry): SchemaRole {
  return entry.kind === 'request' ? 'request' : 'message';
}

/** The schema for `role` on `subject`, or undefined when the catalog has none. */
export function findSchema(catalog: MessageCatalog, subject: string, role?: SchemaRole): ZodType | undefined {
  const entry = catalog.lookup(subject);
  if (entry === undefined) return undefined;
  return entry[role ?? defaultRole(entry)];
}

/** Like findSchema, but throws UnknownSubjectError: used on the sending side, where nothing may go out unchecked. */
export function requireSchema(catalog: MessageCatalog, subject: string, role?: SchemaRole): ZodType {
  const entry = catalog.lookup(subject);
  if (entry === undefined) throw new UnknownSubjectError(subject);
  const r = role ?? defaultRole(entry);
  const schema = entry[r];
  if (schema === undefined) throw new UnknownSubjectError(subject, `its ${entry.kind} entry has no ${r} schema`);
  return schema;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A record straight from an object literal: JSON.stringify calls no toJSON of a class on it. */
function isPlainRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Serialises `value` to JSON bytes and validates the decoded JSON (what every receiver will see, so a Date, an
 * undefined field or a NaN is judged after JSON has changed it). Throws InvalidMessageError; returns the bytes.
 * A hot flat message (a tick, a trade) whose fast check accepts the value itself skips the parse back: every key
 * of it is a checked string, safe integer or boolean, which JSON carries unchanged.
 */
export function encodeValidated(subject: string, value: unknown, schema: ZodType, maxBytes: number): Uint8Array {
  const fast = fastCheckOf(schema);
  const flat = fast !== undefined && isFlatCheck(fast) && isPlainRecord(value) && fast(value)?.value === value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new InvalidMessageError(subject, 'unserialisable', 'outbound', [], { cause: err });
  }
  if (text === undefined) {
    throw new InvalidMessageError(subject, 'unserialisable', 'outbound', [{ path: [], message: 'not JSON' }]);
  }
  const bytes = encoder.encode(text);
  if (bytes.byteLength > maxBytes) {
    throw new InvalidMessageError(subject, 'oversize', 'outbound', [
      { path: [], message: `${bytes.byteLength} bytes > max ${maxBytes}` },
    ]);
  }
  if (flat) return bytes;
  const json: unknown = JSON.parse(text);
  if (fast?.(json) !== undefined) return bytes;
  const result = schema.safeParse(json);
  if (!result.success) throw new InvalidMessageError(subject, 'schema', 'outbound', result.error.issues);
  return bytes;
}

export type Decoded =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: InvalidMessageError };

/** Decodes and validates inbound bytes; never throws. `schema` undefined means the subject is not in the catalog. */
export function decodeValidated(
  subject: string,
  bytes: Uint8Array,
  schema: ZodType | undefined,
  maxBytes: number,
): Decoded {
  if (bytes.byteLength > maxBytes) {
    return fail(subject, 'oversize', [{ path: [], message: `${bytes.byteLength} bytes > max ${maxBytes}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    return fail(subject, 'bad_json', [{ path: [], message: err instanceof Error ? err.message : String(err) }], err);
  }
  if (schema === undefined) return fail(subject, 'unknown_subject', [{ path: [], message: 'no catalog entry' }]);
  // Hot subjects (ticks, bar chunks): a hand-written check that says yes only where zod would accept unchanged.
  const fast = fastCheckOf(schema)?.(json);
  if (fast !== undefined) return { ok: true, value: fast.value };
  const result = schema.safeParse(json);
  if (!result.success) return fail(subject, 'schema', result.error.issues);
  return { ok: true, value: result.data };
}

function fail(
  subject: string,
  reason: 'oversize' | 'bad_json' | 'unknown_subject' | 'schema',
  issues: InvalidMessageError['issues'],
  cause?: unknown,
): Decoded {
  const options = cause === undefined ? undefined : { cause };
  return { ok: false, error: new InvalidMessageError(subject, reason, 'inbound', issues, options) };
}
