import type {
  Bus,
  Headers,
  MessageHandler,
  PublishOptions,
  Received,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { BusContext, type BusOptions, errorMessage, SerialQueue } from './bus-context.js';
import { decodeValidated, encodeValidated, findSchema, isInbox, requireSchema } from './codec.js';
import { BusClosedError, InvalidMessageError } from './errors.js';
import { createJetStreamPort } from './jetstream-core.js';
import type { RawMsg, RawSubscription, Transport } from './transport.js';

const NO_HEADERS: Headers = Object.freeze({});

/** Builds the Bus on a transport: every rule of the port (validation, stats, ordering, replies) lives here. */
export function createBusOnTransport(transport: Transport, options: BusOptions): Bus {
  const ctx = new BusContext(options, transport.maxPayloadBytes);
  let state: 'open' | 'draining' | 'closed' = 'open';
  const queues = new Set<SerialQueue>();
  const rawSubs = new Set<RawSubscription>();
  const inFlight = new Set<Promise<void>>();
  const js = createJetStreamPort(transport.jetstream, ctx, (operation, intake) => assertUsable(operation, intake));

  /**
   * While draining, nothing new may start listening (`intake`), but handlers finishing their work may still
   * publish, request and reply; once drained, nothing goes.
   */
  function assertUsable(operation: string, intake: boolean): void {
    if (state === 'closed' || (intake && state === 'draining')) throw new BusClosedError(operation);
  }

  function send(subject: string, bytes: Uint8Array, headers: Headers, reply?: string): void {
    if (state === 'closed') throw new BusClosedError(`publish on ${subject}`);
    transport.publish(subject, bytes, headers, reply);
    ctx.published += 1;
  }

  /** Decodes and validates for one subscriber; undefined (after counting and logging) when rejected. */
  function accept(m: RawMsg): { value: unknown } | undefined {
    if (isInbox(m.subject)) {
      // Raw inbox traffic has no schema of its own; only `request` reads replies, with the request's reply schema.
      ctx.log.debug({ subject: m.subject }, 'inbox message ignored by a subscription');
      return undefined;
    }
    const decoded = decodeValidated(m.subject, m.data, findSchema(ctx.catalog, m.subject), ctx.maxPayloadBytes);
    if (!decoded.ok) {
      ctx.reject(decoded.error);
      return undefined;
    }
    ctx.received += 1;
    return { value: decoded.value };
  }

  function received<T>(m: RawMsg, data: unknown): Received<T> {
    const base = { subject: m.subject, data: data as T, headers: m.headers };
    return m.reply === undefined ? base : { ...base, reply: m.reply };
  }

  function subscribe<T>(subject: string, handler: MessageHandler<T>, opts: SubscribeOptions = {}): Subscription {
    assertUsable(`subscribe to ${subject}`, true);
    const queue = new SerialQueue();
    let active = true;
    queues.add(queue);
    const raw = transport.subscribe(subject, opts.queue, (m) => {
      queue.push(async () => {
        if (!active) return;
        const ok = accept(m);
        if (ok === undefined) return;
        try {
          await handler(received<T>(m, ok.value));
        } catch (err) {
          ctx.handlerFailed(m.subject, err);
        }
      });
    });
    rawSubs.add(raw);
    return {
      unsubscribe() {
        active = false;
        queues.delete(queue);
        rawSubs.delete(raw);
        raw.unsubscribe();
      },
    };
  }

  function sendReply(m: RawMsg & { reply: string }, body: unknown): void {
    const schema = requireSchema(ctx.catalog, m.subject, 'reply');
    send(m.reply, encodeValidated(m.subject, body, schema, ctx.maxPayloadBytes), NO_HEADERS);
  }

  function answer(m: RawMsg & { reply: string }, body: unknown): void {
    try {
      sendReply(m, body);
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) {
        ctx.log.error({ subject: m.subject, err }, 'reply not sent');
        return;
      }
      ctx.handlerFailed(m.subject, err, { reason: 'invalid reply' });
      try {
        sendReply(m, { ok: false, code: ctx.internalErrorCode, message: `invalid reply: ${err.message}` });
      } catch (again) {
        ctx.log.error({ subject: m.subject, err: again }, 'error reply not sent either; the requester will time out');
      }
    }
  }

  async function handleRequest<Req, Rep>(m: RawMsg, handler: RequestHandler<Req, Rep>): Promise<void> {
    const decoded = decodeValidated(
      m.subject,
      m.data,
      findSchema(ctx.catalog, m.subject, 'request'),
      ctx.maxPayloadBytes,
    );
    const reply = m.reply;
    if (!decoded.ok) {
      ctx.reject(decoded.error);
      if (reply !== undefined) {
        answer({ ...m, reply }, { ok: false, code: ctx.invalidRequestCode, message: decoded.error.message });
      }
      return;
    }
    ctx.received += 1;
    let body: unknown;
    try {
      body = await handler(decoded.value as Req, received<Req>(m, decoded.value));
    } catch (err) {
      ctx.handlerFailed(m.subject, err);
      body = { ok: false, code: ctx.internalErrorCode, message: errorMessage(err) };
    }
    if (reply === undefined) {
      ctx.log.warn({ subject: m.subject }, 'request without a reply subject: answer dropped');
      return;
    }
    answer({ ...m, reply }, body);
  }

  function serve<Req, Rep>(subject: string, handler: RequestHandler<Req, Rep>, opts: SubscribeOptions = {}) {
    assertUsable(`serve ${subject}`, true);
    let active = true;
    const raw = transport.subscribe(subject, opts.queue, (m) => {
      if (!active) return;
      const p = handleRequest(m, handler).finally(() => inFlight.delete(p));
      inFlight.add(p);
    });
    rawSubs.add(raw);
    return {
      unsubscribe() {
        active = false;
        rawSubs.delete(raw);
        raw.unsubscribe();
      },
    };
  }

  async function request<T>(subject: string, body: unknown, opts: RequestOptions): Promise<T> {
    assertUsable(`request on ${subject}`, false);
    const replySchema = requireSchema(ctx.catalog, subject, 'reply');
    const bytes = encodeValidated(subject, body, requireSchema(ctx.catalog, subject, 'request'), ctx.maxPayloadBytes);
    const pending = transport.request(subject, bytes, opts.headers ?? NO_HEADERS, opts.timeoutMs);
    ctx.published += 1;
    const m = await pending;
    const decoded = decodeValidated(subject, m.data, replySchema, ctx.maxPayloadBytes);
    if (!decoded.ok) {
      ctx.reject(decoded.error);
      throw decoded.error;
    }
    ctx.received += 1;
    return decoded.value as T;
  }

  return {
    publish(subject: string, message: unknown, opts: PublishOptions = {}) {
      assertUsable(`publish on ${subject}`, false);
      const bytes = encodeValidated(subject, message, requireSchema(ctx.catalog, subject), ctx.maxPayloadBytes);
      send(subject, bytes, opts.headers ?? NO_HEADERS);
    },
    publishRaw(subject, bytes, headers = NO_HEADERS) {
      send(subject, bytes, headers);
    },
    subscribe,
    serve,
    request,
    jetstream: js.port,
    stats: () => ctx.snapshot(),
    async drain() {
      if (state !== 'open') return;
      state = 'draining';
      await js.stopAll();
      for (const raw of rawSubs) raw.unsubscribe();
      rawSubs.clear();
      // Handlers may still publish (replies, follow-up events) while the connection is open.
      await Promise.all([...queues].map((q) => q.idle()));
      await Promise.all([...inFlight]);
      state = 'closed';
      await transport.drain();
    },
  };
}
