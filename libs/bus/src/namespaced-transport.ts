import type { ConsumerConfig, Headers, PubAck, StreamConfig } from './bus.js';
import { InvalidNamespaceError, NoRespondersError, RequestTimeoutError } from './errors.js';
import type { RawConsumer, RawJetStream, RawJsMsg, RawMsg, RawSubscription, Transport } from './transport.js';

/**
 * A namespace lets several systems share one NATS server without answering each other (test files in parallel,
 * two stacks on one server): every subject on the wire is `<ns>.<subject>`, every stream `<ns>_<NAME>` (so its
 * durables are the namespace's too). It is applied here, at the transport boundary, and taken off again on the way
 * in, so catalogs, handlers, subject parsing, stats and metrics above never see it. Reply inboxes are not
 * namespaced: they are unique per connection already and the requester picked them.
 *
 * One token, letters, digits, `_` and `-`: valid as a subject token and inside a stream name.
 */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export function checkNamespace(namespace: string): void {
  if (!NAMESPACE_PATTERN.test(namespace)) throw new InvalidNamespaceError(namespace);
}

/** The transport itself when `namespace` is empty or absent (production's default: no prefix, byte for byte). */
export function withNamespace(
  inner: Transport,
  namespace: string | undefined,
  /** The connection's inbox prefix when not `_INBOX`: subjects under it are replies, sent as they are. */
  inboxPrefix?: string,
): Transport {
  if (namespace === undefined || namespace === '') return inner;
  checkNamespace(namespace);
  const subjectPrefix = `${namespace}.`;
  const streamPrefix = `${namespace}_`;
  const inboxes = ['_INBOX.', ...(inboxPrefix === undefined ? [] : [`${inboxPrefix}.`])];
  const isReply = (subject: string): boolean => inboxes.some((p) => subject.startsWith(p));
  const out = (subject: string): string => (isReply(subject) ? subject : subjectPrefix + subject);
  const inward = (subject: string): string =>
    subject.startsWith(subjectPrefix) ? subject.slice(subjectPrefix.length) : subject;
  const stream = (name: string): string => streamPrefix + name;
  const streamInward = (name: string): string =>
    name.startsWith(streamPrefix) ? name.slice(streamPrefix.length) : name;
  const msgIn = (m: RawMsg): RawMsg => ({ ...m, subject: inward(m.subject) });
  /** Errors name the subject the caller used, not the wire's. */
  const renamed = (subject: string, err: unknown): unknown => {
    if (err instanceof NoRespondersError) return new NoRespondersError(subject, { cause: err });
    if (err instanceof RequestTimeoutError) return new RequestTimeoutError(subject, err.timeoutMs, { cause: err });
    return err;
  };

  const js: RawJetStream = {
    ensureStream: (cfg: StreamConfig) =>
      inner.jetstream.ensureStream({ ...cfg, name: stream(cfg.name), subjects: cfg.subjects.map(out) }),
    deleteStream: (name) => inner.jetstream.deleteStream(stream(name)),
    async publish(subject: string, data: Uint8Array, msgId: string, headers: Headers): Promise<PubAck> {
      const ack = await inner.jetstream.publish(out(subject), data, msgId, headers);
      return { ...ack, stream: streamInward(ack.stream) };
    },
    consume(cfg: ConsumerConfig, handler: (m: RawJsMsg) => Promise<void>): Promise<RawConsumer> {
      const wire: ConsumerConfig = {
        ...cfg,
        stream: stream(cfg.stream),
        ...(cfg.filterSubject === undefined ? {} : { filterSubject: out(cfg.filterSubject) }),
      };
      return inner.jetstream.consume(wire, (m) =>
        handler({
          subject: inward(m.subject),
          data: m.data,
          headers: m.headers,
          ...(m.reply === undefined ? {} : { reply: m.reply }),
          seq: m.seq,
          deliveryCount: m.deliveryCount,
          redelivered: m.redelivered,
          ack: () => m.ack(),
          nak: (delayMs) => m.nak(delayMs),
          term: (reason) => m.term(reason),
          working: () => m.working(),
        }),
      );
    },
    async lastMessage(name: string, subject: string) {
      const m = await inner.jetstream.lastMessage(stream(name), out(subject));
      return m === undefined ? undefined : { ...m, subject: inward(m.subject) };
    },
  };

  return {
    get maxPayloadBytes() {
      return inner.maxPayloadBytes;
    },
    jetstream: js,
    publish: (subject, data, headers, reply) => inner.publish(out(subject), data, headers, reply),
    subscribe: (subject, queue, onMsg): RawSubscription => inner.subscribe(out(subject), queue, (m) => onMsg(msgIn(m))),
    async request(subject, data, headers, timeoutMs) {
      try {
        return msgIn(await inner.request(out(subject), data, headers, timeoutMs));
      } catch (err) {
        throw renamed(subject, err);
      }
    },
    flush: () => inner.flush(),
    drain: () => inner.drain(),
  };
}
