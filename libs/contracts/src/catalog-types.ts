import type { ZodType } from 'zod';

/**
 * How a subject is used on the bus.
 * - `event`:   core pub/sub, fire and forget (ticks, bars, status).
 * - `request`: request/reply; `request` validates what the caller sends, `reply` what the responder answers.
 * - `stream`:  JetStream (durable); `message` validates every stored message.
 */
export type SubjectKind = 'event' | 'request' | 'stream';

/** One row of the message catalog: a subject pattern (NATS wildcards `*` and `>`) and its schema(s). */
export interface CatalogEntry {
  /** NATS subject pattern, e.g. `md.tick.*.*`. Tokens never contain dots. */
  readonly pattern: string;
  readonly kind: SubjectKind;
  /** Human description for the generated subject reference. */
  readonly description: string;
  /** Who publishes (or answers) and who consumes, for the generated reference. */
  readonly producer: string;
  readonly consumers: string;
  /** Schema of a published (event/stream) message. */
  readonly message?: ZodType;
  /** Schema of a request body (kind `request`). */
  readonly request?: ZodType;
  /**
   * Schema of a reply body (kind `request`); replies are `{ v: 1, ok: true, ... } | ErrorReply`. The bus answers a
   * refused request (bad JSON, no `v`, schema, oversize) and a failed handler with an ErrorReply, so every reply
   * schema must accept one (tested for the catalog).
   */
  readonly reply?: ZodType;
  /** The subject with named parameters, e.g. `md.tick.<broker>.<instrument>` (docs, examples). */
  readonly template?: string;
  /** JetStream stream holding the subject (kind `stream`, or an event kept as last value). */
  readonly stream?: string;
  /** Largest request body accepted, JSON bytes (kind `request`; default MAX_REQUEST_BYTES, 64 KiB). */
  readonly maxRequestBytes?: number;
  /** Example payload (request body for `request`, message for `event`/`stream`); validated by the tests. */
  readonly example?: unknown;
}

/** Looks up the catalog entry that governs a concrete subject (most specific pattern wins). */
export interface MessageCatalog {
  readonly entries: readonly CatalogEntry[];
  lookup(subject: string): CatalogEntry | undefined;
}
