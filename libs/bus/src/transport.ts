import type { ConsumerConfig, Headers, PubAck, StreamConfig } from './bus.js';

/**
 * What an implementation must provide: bytes in, bytes out, NATS semantics. Everything else (validation, stats,
 * logging, serial handlers, request/reply bodies, JetStream settle policy) lives once in bus-core.ts, so the two
 * modes cannot drift apart. Internal to the package.
 */
export interface RawMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
  readonly reply?: string;
}

export interface RawSubscription {
  unsubscribe(): void;
}

export interface RawJsMsg extends RawMsg {
  readonly seq: number;
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  ack(): Promise<void>;
  nak(delayMs?: number): void;
  term(reason: string): void;
  /** Restarts the ack wait of this delivery: the message is still being worked on. */
  working(): void;
}

export interface RawConsumer {
  /** Stops pulling; resolves once the transport will call the handler no more (the in-flight call has returned). */
  stop(): Promise<void>;
}

export interface RawJetStream {
  ensureStream(cfg: StreamConfig): Promise<void>;
  deleteStream(name: string): Promise<boolean>;
  publish(subject: string, data: Uint8Array, msgId: string, headers: Headers): Promise<PubAck>;
  /** Calls `handler` serially: the next message only after the previous call's promise settled. */
  consume(cfg: ConsumerConfig, handler: (m: RawJsMsg) => Promise<void>): Promise<RawConsumer>;
  /** The newest stored message on an exact subject; undefined when none; throws when the stream is missing. */
  lastMessage(stream: string, subject: string): Promise<(RawMsg & { readonly seq: number }) | undefined>;
}

export interface Transport {
  /** The transport's own payload limit (NATS server max_payload). */
  readonly maxPayloadBytes: number;
  /** Throws when the payload exceeds maxPayloadBytes or the transport is closed. */
  publish(subject: string, data: Uint8Array, headers: Headers, reply?: string): void;
  /** `onMsg` is called synchronously in arrival order; the core queues the async handler work. */
  subscribe(subject: string, queue: string | undefined, onMsg: (m: RawMsg) => void): RawSubscription;
  /** Resolves with the first reply; rejects with NoRespondersError or RequestTimeoutError. */
  request(subject: string, data: Uint8Array, headers: Headers, timeoutMs: number): Promise<RawMsg>;
  readonly jetstream: RawJetStream;
  /** Resolves once the server has processed what was sent before (a PING/PONG round trip on NATS). */
  flush(): Promise<void>;
  /** Flushes what was published, closes subscriptions and the connection. */
  drain(): Promise<void>;
}
