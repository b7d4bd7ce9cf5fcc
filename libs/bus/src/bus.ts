/**
 * The bus port. Services depend on this interface only; `createNatsBus` (distributed mode) and `createMemoryBus`
 * (embedded mode) implement it, and one behaviour suite (test/behaviour.ts) holds both to the same semantics.
 *
 * Contract shared by both implementations:
 * - Subjects follow NATS rules: dot-separated tokens, `*` matches one token, `>` one or more trailing tokens.
 * - Every message is JSON, UTF-8 encoded; the bytes are identical in both modes. Each subscriber decodes its own
 *   copy, so a handler can never mutate what another handler sees.
 * - Every publish is validated against the message catalog before anything is sent: a subject without a catalog
 *   entry throws `UnknownSubjectError`, a body that fails its schema (or is larger than `maxPayloadBytes`) throws
 *   `InvalidMessageError`. Validation runs on the decoded JSON, i.e. on exactly what a receiver will see.
 * - Every receive is validated too. An invalid inbound message (reason `bad_json`, `oversize`, `schema`,
 *   `unknown_subject`) is logged (`log.warn({ subject, reason, err })`), counted in `stats().rejected`, and never
 *   reaches a handler; on a durable consumer it is terminated. The subscription goes on with the next message.
 * - Handlers of one subscription or one durable consumer run one at a time, in arrival order (a consumer with
 *   `lanes`: one at a time and in order per key). A handler that throws is logged and counted (`handlerErrors`);
 *   it never stops the subscription.
 */
import type { ZodType } from 'zod';
import type { ConsumerLanesConfig } from './consumer-lanes.js';

/** Why an inbound message was refused before reaching a handler. */
export type RejectReason = 'bad_json' | 'oversize' | 'schema' | 'unknown_subject';
export const REJECT_REASONS: readonly RejectReason[] = ['bad_json', 'oversize', 'schema', 'unknown_subject'];

/** Message headers (NATS headers in distributed mode). Keys are case-sensitive; one value per key. */
export type Headers = Readonly<Record<string, string>>;

/** A validated inbound message. `data` is the schema's parse output, decoded for this subscriber alone. */
export interface Received<T = unknown> {
  readonly subject: string;
  readonly data: T;
  readonly headers: Headers;
  /** Reply subject when the sender expects an answer (request/reply); `serve` uses it for you. */
  readonly reply?: string;
}

export type MessageHandler<T = unknown> = (msg: Received<T>) => void | Promise<void>;

export interface Subscription {
  /** Stops delivery; messages already queued for this subscription are dropped. */
  unsubscribe(): void;
}

export interface PublishOptions {
  readonly headers?: Headers;
}

export interface RequestOptions {
  /** How long to wait for the reply; `RequestTimeoutError` after that. */
  readonly timeoutMs: number;
  readonly headers?: Headers;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group (round-robin in memory, server's choice on NATS). */
  readonly queue?: string;
  /**
   * The schema this subscriber's messages are checked with, in place of the catalog entry's: one of libs/contracts'
   * forms that leave a part to the receiver's own decode, which refuses it with a typed error (e.g.
   * HistStreamMessageDecodedRows: packed bar rows read once, by the decode, instead of checked first). The subject
   * must still be in the catalog.
   */
  readonly schema?: ZodType;
}

export interface ServeOptions<Req = unknown> extends SubscribeOptions {
  /**
   * For a responder that serves only part of a subject's requests (history scoped to some brokers): a valid
   * request it does not claim gets no answer from it (another responder answers). A malformed request cannot be
   * attributed, so every responder that hears it refuses it (the requester takes the first answer).
   */
  readonly claim?: (body: Req) => boolean;
}

/**
 * Answers requests on a subject. The resolved value is the reply body, validated against the catalog entry's
 * `reply` schema. Errors travel as data: return an ErrorReply (`errorReply(code, message)`) rather than throwing.
 * Every request gets an answer, typed as an ErrorReply (`v: 1`, registry code, a message naming what was wrong,
 * the registry hint) when it is not the handler's own:
 * - a body that is not UTF-8 JSON, not an object, or without `"v": 1` → INVALID_MESSAGE; larger than the entry's
 *   request limit (MAX_REQUEST_BYTES, 64 KiB, by default) → PAYLOAD_TOO_LARGE; failing its schema →
 *   VALIDATION_FAILED with `details.issues` (`{ path, message }`). The handler never runs; the refusal is counted
 *   in `stats().rejected` and logged at debug level only (a client's mistake is not the service's error).
 * - a handler that throws an error carrying a registry code (ContractError, or any error with such a `code`, e.g.
 *   SERVICE_UNAVAILABLE from storage) → that code, message and details; any other throw, or a reply that fails
 *   the reply schema → INTERNAL_ERROR (counted in `handlerErrors`, logged with its stack).
 * Requests on one `serve` subscription are handled concurrently (they are independent; ordering is not promised).
 */
export type RequestHandler<Req = unknown, Rep = unknown> = (body: Req, msg: Received<Req>) => Rep | Promise<Rep>;

export interface BusStats {
  /** Messages sent by publish / request / replies / JetStream publish (after validation). */
  readonly published: number;
  /** Inbound messages that passed validation and were handed to a handler. */
  readonly received: number;
  /** Inbound messages refused, by reason. */
  readonly rejected: Readonly<Record<RejectReason, number>>;
  /**
   * Handlers that failed: threw (core subscriptions, JetStream handlers; request handlers when the error carries
   * no registry code) or answered a reply that fails its schema.
   */
  readonly handlerErrors: number;
  /** JetStream messages terminated because their last allowed delivery failed (maxDeliver reached). */
  readonly exhausted: number;
}

/** How a message left the bus: core publish, request, reply to a request, JetStream publish. */
export type SentKind = 'publish' | 'request' | 'reply' | 'stream';
/** What a handler ran for: a core subscription, a served request, a JetStream consumer. */
export type HandlerKind = 'subscription' | 'request' | 'stream';
/** How a `request` ended. */
export type RequestOutcome = 'ok' | 'timeout' | 'no_responders' | 'error';

/**
 * Told about the bus's traffic, for metrics (libs/metrics turns it into Prometheus counters and histograms).
 * `family` is the catalog pattern of the subject (`md.tick.*.*`, `orders.submit`; a reply carries its request's),
 * so labels stay bounded whatever the instruments and brokers. Called synchronously on the message path: every
 * method must be cheap and must not throw.
 */
export interface BusObserver {
  /** A message went out (after validation). */
  sent(family: string, kind: SentKind): void;
  /** A valid inbound message reached a handler: an event, a request, a stream message, or a request's reply. */
  received(family: string, kind: HandlerKind | 'reply'): void;
  /** A handler finished after `seconds`; `failed` when it threw (or answered with an error of ours). */
  handled(family: string, kind: HandlerKind, seconds: number, failed: boolean): void;
  /** An inbound message was refused before any handler saw it. */
  rejected(family: string, reason: RejectReason): void;
  /** A `request` ended after `seconds` (round trip, as the requester saw it). */
  requested(family: string, seconds: number, outcome: RequestOutcome): void;
}

export interface Bus {
  /** Validates and publishes (core NATS: at most once). Throws UnknownSubjectError / InvalidMessageError. */
  publish(subject: string, message: unknown, opts?: PublishOptions): void;
  subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, opts?: SubscribeOptions): Subscription;
  /**
   * Validates `body` with the entry's `request` schema, waits for one reply and validates it with the `reply` schema.
   * Throws NoRespondersError (nobody serves the subject), RequestTimeoutError, InvalidMessageError (bad body, or
   * an invalid reply — the latter also counted as a rejection). An `{ ok: false, ... }` reply is returned, not thrown.
   */
  request<T = unknown>(subject: string, body: unknown, opts: RequestOptions): Promise<T>;
  serve<Req = unknown, Rep = unknown>(
    subject: string,
    handler: RequestHandler<Req, Rep>,
    opts?: ServeOptions<Req>,
  ): Subscription;
  readonly jetstream: JetStreamPort;
  /**
   * Publishes bytes as they are, without validation (bridges, replays, tests of malformed input). Subject to the
   * transport's own limit (NATS max_payload; 1 MiB in memory). Receivers still validate.
   */
  publishRaw(subject: string, bytes: Uint8Array, headers?: Headers): void;
  /**
   * Sends bytes as they are as a request and returns the reply's bytes, both unvalidated (bridges, tests of
   * malformed input). Throws NoRespondersError / RequestTimeoutError like `request`.
   */
  requestRaw(subject: string, bytes: Uint8Array, opts: RequestOptions): Promise<Uint8Array>;
  stats(): BusStats;
  /**
   * Resolves once the server has processed everything this connection sent before the call — subscriptions and
   * serves included. A service awaits it at the end of its start, so that "started" means "answers": another
   * connection's request sent after that can no longer beat the subscription to the server (no responders).
   */
  flush(): Promise<void>;
  /** Stops consumers, lets queued handlers finish, then closes the connection (NATS) or the bus (memory). */
  drain(): Promise<void>;
}

export interface StreamConfig {
  /** Stream name: letters, digits, `_` and `-` only. */
  readonly name: string;
  /** Subjects captured by the stream; any publish on them (core or JetStream) is stored. */
  readonly subjects: readonly string[];
  /** `file` survives a server restart; `memory` does not. The in-process bus keeps everything in memory. */
  readonly storage: 'file' | 'memory';
  /** Messages with the same msg-id inside this window are stored once (`duplicate: true` on the second publish). */
  readonly duplicateWindowMs: number;
  /** Messages older than this are discarded (no limit when absent). */
  readonly maxAgeMs?: number;
  /** The oldest messages are discarded beyond this count (no limit when absent). */
  readonly maxMsgs?: number;
  /** The oldest messages of a subject are discarded beyond this count per subject (1 = a last-value stream). */
  readonly maxMsgsPerSubject?: number;
}

export interface JetStreamPublishOptions {
  /** Deduplication key (NATS `Nats-Msg-Id`), e.g. the outbox event id. Required: every stored fact has one. */
  readonly msgId: string;
  readonly headers?: Headers;
}

export interface PubAck {
  readonly stream: string;
  /** Stream sequence of the stored message (of the original one when `duplicate`). */
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface ConsumerConfig {
  readonly stream: string;
  /** Durable name: the consumer's position (ack floor) survives stop/start, restarts and reconnects. */
  readonly durable: string;
  /** Only messages on subjects matching this pattern (all the stream's subjects when absent). */
  readonly filterSubject?: string;
  /**
   * A delivered message not acked/naked/termed within this time is delivered again. While this process holds it
   * (its handler runs, or it waits in a lane) the bus signals it in progress every third of this, up to
   * `workingMaxMs`: so this need only cover a process that died holding it.
   */
  readonly ackWaitMs: number;
  /** How long a held message is kept in progress at most (default 4 × ackWaitMs): a stuck handler lets it go. */
  readonly workingMaxMs?: number;
  /** Deliveries per message at most. When the last one fails (handler throws) the bus terminates the message. */
  readonly maxDeliver: number;
  /** Where a new durable starts: every stored message, or only those published after its creation. */
  readonly deliver: 'all' | 'new';
  /** Delay before redelivering a message whose handler threw (default 0: at once). */
  readonly retryDelayMs?: number;
  /**
   * Handle messages of different keys side by side (consumer-lanes.ts); absent = one message at a time. A message
   * held for SERVICE_UNAVAILABLE then holds its own lane (and what waits behind it), not the others.
   */
  readonly lanes?: ConsumerLanesConfig;
}

/**
 * A JetStream message handed to a consumer handler. Settling is explicit: call `ack()` once the message is fully
 * handled. Returning without settling leaves it pending: it is delivered again after `ackWaitMs`. Throwing naks it
 * (delivered again at once, up to `maxDeliver`; the last failed delivery is terminated). The first settle wins;
 * later calls are ignored.
 */
export interface JetStreamMessage<T = unknown> extends Received<T> {
  /** Stream sequence. */
  readonly seq: number;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  /** Resolves once the server has recorded the ack (NATS double ack), so "acked" survives a crash right after. */
  ack(): Promise<void>;
  /** Asks for redelivery, after `delayMs` when given. */
  nak(delayMs?: number): void;
  /** Never deliver this message again to this consumer. */
  term(reason: string): void;
}

/** A message read from a stream's storage (not delivered through a consumer: nothing to settle). */
export interface StoredMessage<T = unknown> {
  readonly subject: string;
  readonly data: T;
  readonly headers: Headers;
  /** Stream sequence. */
  readonly seq: number;
}

export type JetStreamHandler<T = unknown> = (msg: JetStreamMessage<T>) => Promise<void> | void;

export interface Consumer {
  /** Stops pulling and waits for the in-flight handler. Unacked messages are redelivered after their ack wait. */
  stop(): Promise<void>;
}

export interface JetStreamPort {
  /** Creates the stream, or updates subjects and limits of an existing one. */
  ensureStream(cfg: StreamConfig): Promise<void>;
  /** Deletes the stream and its consumers; false when it did not exist. */
  deleteStream(name: string): Promise<boolean>;
  /** Validates with the entry's `message` schema (kind `stream` only) and waits for the stream's ack. */
  publish(subject: string, message: unknown, opts: JetStreamPublishOptions): Promise<PubAck>;
  /** Creates or updates the durable consumer and starts handling its messages. */
  consume<T = unknown>(cfg: ConsumerConfig, handler: JetStreamHandler<T>): Promise<Consumer>;
  /**
   * The newest message stored on `subject` (an exact subject, no wildcards) in `stream`, read straight from the
   * stream (NATS: STREAM.MSG.GET last_by_subj), validated with the entry's `message` schema; undefined when the
   * stream holds none. With a stream acknowledged publish before it, this is a read-your-writes last value: what a
   * key-value bucket is built from. Throws JetStreamError when the stream does not exist, InvalidMessageError when
   * the stored message fails its schema.
   */
  lastMessage<T = unknown>(stream: string, subject: string): Promise<StoredMessage<T> | undefined>;
}
