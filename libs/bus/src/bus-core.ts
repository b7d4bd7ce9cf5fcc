import {
  type ErrorCode,
  errorRegistry,
  errorReply,
  MAX_REQUEST_BYTES,
  registryCodeOf,
} from '@trading-system/contracts';
import type { ZodType } from 'zod';
import type {
  Bus,
  Headers,
  MessageHandler,
  PublishOptions,
  Received,
  RequestHandler,
  RequestOptions,
  SentKind,
  ServeOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { BusContext, type BusOptions, errorMessage, isThenable, SerialQueue, secondsSince } from './bus-context.js';
import { decodeValidated, encodeValidated, findSchema, isInbox, requireSchema } from './codec.js';
import { handlerErrorReply, refusalCode, refusalReply } from './error-replies.js';
import {
  BusClosedError,
  InvalidMessageError,
  NoRespondersError,
  RequestTimeoutError,
  UnknownSubjectError,
} from './errors.js';
import { createJetStreamPort } from './jetstream-core.js';
import type { RawMsg, RawSubscription, Transport } from './transport.js';

const NO_HEADERS: Headers = Object.freeze({});
const encoder = new TextEncoder();

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

  /** `family` names what is sent for metrics: a reply goes to an inbox but counts under its request's family. */
  function send(subject: string, bytes: Uint8Array, headers: Headers, kind: SentKind, family: string): void {
    if (state === 'closed') throw new BusClosedError(`publish on ${subject}`);
    transport.publish(subject, bytes, headers);
    ctx.published += 1;
    ctx.observe.sent(family, kind);
  }

  /**
   * Decodes and validates for one subscriber (with its own `schema` when it gave one, see SubscribeOptions);
   * undefined (after counting and logging) when rejected.
   */
  function accept(m: RawMsg, own?: ZodType): { value: unknown } | undefined {
    if (isInbox(m.subject)) {
      // Raw inbox traffic has no schema of its own; only `request` reads replies, with the request's reply schema.
      ctx.log.debug({ subject: m.subject }, 'inbox message ignored by a subscription');
      return undefined;
    }
    const entry = findSchema(ctx.catalog, m.subject);
    const schema = entry === undefined ? undefined : (own ?? entry);
    const decoded = decodeValidated(m.subject, m.data, schema, ctx.maxPayloadBytes);
    if (!decoded.ok) {
      ctx.reject(decoded.error);
      return undefined;
    }
    ctx.received += 1;
    ctx.observe.received(ctx.family(m.subject), 'subscription');
    return { value: decoded.value };
  }

  function received<T>(m: RawMsg, data: unknown): Received<T> {
    const base = { subject: m.subject, data: data as T, headers: m.headers };
    return m.reply === undefined ? base : { ...base, reply: m.reply };
  }

  /** A subscription's handler ended (`err` when it failed): counted, and observed with its duration. */
  function handled(subject: string, started: number, err: unknown): void {
    if (err !== undefined) ctx.handlerFailed(subject, err);
    ctx.observe.handled(ctx.family(subject), 'subscription', secondsSince(started), err !== undefined);
  }

  function subscribe<T>(subject: string, handler: MessageHandler<T>, opts: SubscribeOptions = {}): Subscription {
    assertUsable(`subscribe to ${subject}`, true);
    const queue = new SerialQueue((err) =>
      ctx.log.error({ subject, err }, 'subscription task failed outside its handler'),
    );
    let active = true;
    queues.add(queue);
    const raw = transport.subscribe(subject, opts.queue, (m) => {
      queue.push(() => {
        if (!active) return;
        const ok = accept(m, opts.schema);
        if (ok === undefined) return;
        const started = performance.now();
        let result: unknown;
        try {
          result = handler(received<T>(m, ok.value));
        } catch (err) {
          handled(m.subject, started, err ?? new Error('handler threw undefined'));
          return;
        }
        // A synchronous handler is done here; an async one holds the subscription's later messages until it settles.
        if (!isThenable(result)) return handled(m.subject, started, undefined);
        return Promise.resolve(result).then(
          () => handled(m.subject, started, undefined),
          (err: unknown) => handled(m.subject, started, err ?? new Error('handler rejected with undefined')),
        );
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

  /** Largest request body on `subject`: its catalog entry's limit, else MAX_REQUEST_BYTES; never above max_payload. */
  function requestLimit(subject: string): number {
    const own = ctx.catalog.lookup(subject)?.maxRequestBytes ?? MAX_REQUEST_BYTES;
    return Math.min(own, ctx.maxPayloadBytes);
  }

  /**
   * Sends a reply validated against the entry's reply schema. A handler's reply that fails is replaced by an
   * INTERNAL_ERROR reply (and counted as a handler failure). Should an error reply fail too (a foreign catalog
   * whose reply schema has no ErrorReply arm), it goes out unvalidated: the requester hears at once (and its own
   * validation judges it) instead of waiting for its timeout.
   */
  function answer(m: RawMsg & { reply: string }, body: unknown, from: 'handler' | 'bus'): void {
    const schema = findSchema(ctx.catalog, m.subject, 'reply');
    const validated = (b: unknown): Uint8Array => {
      if (schema === undefined) throw new UnknownSubjectError(m.subject, 'its entry has no reply schema');
      return encodeValidated(m.subject, b, schema, ctx.maxPayloadBytes);
    };
    let error = from === 'bus' ? body : undefined;
    try {
      if (error === undefined) {
        try {
          send(m.reply, validated(body), NO_HEADERS, 'reply', ctx.family(m.subject));
          return;
        } catch (err) {
          if (!(err instanceof InvalidMessageError || err instanceof UnknownSubjectError)) throw err;
          ctx.handlerFailed(m.subject, err, { reason: 'invalid reply' });
          error = errorReply('INTERNAL_ERROR', `the service produced an invalid reply: ${err.message}`);
        }
      }
      let bytes: Uint8Array;
      try {
        bytes = validated(error);
      } catch (err) {
        ctx.log.error({ subject: m.subject, err }, 'an error reply fails the reply schema; sent unvalidated');
        bytes = encoder.encode(JSON.stringify(error));
      }
      send(m.reply, bytes, NO_HEADERS, 'reply', ctx.family(m.subject));
    } catch (err) {
      ctx.log.error({ subject: m.subject, err }, 'reply not sent');
    }
  }

  async function handleRequest<Req, Rep>(
    m: RawMsg,
    handler: RequestHandler<Req, Rep>,
    claim: ((body: Req) => boolean) | undefined,
  ): Promise<void> {
    const decoded = decodeValidated(
      m.subject,
      m.data,
      findSchema(ctx.catalog, m.subject, 'request'),
      requestLimit(m.subject),
    );
    const reply = m.reply;
    if (!decoded.ok) {
      ctx.refuse(decoded.error, refusalCode(decoded.error));
      if (reply !== undefined) answer({ ...m, reply }, refusalReply(decoded.error), 'bus');
      return;
    }
    if (claim !== undefined && !claim(decoded.value as Req)) return;
    ctx.received += 1;
    const family = ctx.family(m.subject);
    ctx.observe.received(family, 'request');
    const started = performance.now();
    let body: unknown;
    let from: 'handler' | 'bus' = 'handler';
    try {
      body = await handler(decoded.value as Req, received<Req>(m, decoded.value));
    } catch (err) {
      const failed = handlerErrorReply(err);
      logHandlerError(m.subject, err, failed.code);
      body = failed;
      from = 'bus';
    }
    ctx.observe.handled(family, 'request', secondsSince(started), from === 'bus');
    if (reply === undefined) {
      ctx.log.warn({ subject: m.subject }, 'request without a reply subject: answer dropped');
      return;
    }
    answer({ ...m, reply }, body, from);
  }

  /**
   * A handler that threw. Without a registry code it is a failure of ours (counted, logged with its stack); with
   * one it was answered as that code: a server-side condition (retryable codes) is a warning, anything else the
   * caller's business (debug).
   */
  function logHandlerError(subject: string, err: unknown, code: ErrorCode): void {
    if (registryCodeOf(err) === undefined || code === 'INTERNAL_ERROR') {
      ctx.handlerFailed(subject, err);
      return;
    }
    if (errorRegistry[code].retryable) ctx.log.warn({ subject, code, err }, 'request failed');
    else ctx.log.debug({ subject, code, msg: errorMessage(err) }, 'request answered with an error');
  }

  function serve<Req, Rep>(subject: string, handler: RequestHandler<Req, Rep>, opts: ServeOptions<Req> = {}) {
    assertUsable(`serve ${subject}`, true);
    let active = true;
    const raw = transport.subscribe(subject, opts.queue, (m) => {
      if (!active) return;
      const p = handleRequest(m, handler, opts.claim).finally(() => inFlight.delete(p));
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
    const bytes = encodeValidated(subject, body, requireSchema(ctx.catalog, subject, 'request'), requestLimit(subject));
    const family = ctx.family(subject);
    const started = performance.now();
    const pending = transport.request(subject, bytes, opts.headers ?? NO_HEADERS, opts.timeoutMs);
    ctx.published += 1;
    ctx.observe.sent(family, 'request');
    let m: Awaited<typeof pending>;
    try {
      m = await pending;
    } catch (err) {
      const outcome =
        err instanceof RequestTimeoutError ? 'timeout' : err instanceof NoRespondersError ? 'no_responders' : 'error';
      ctx.observe.requested(family, secondsSince(started), outcome);
      throw err;
    }
    const decoded = decodeValidated(subject, m.data, replySchema, ctx.maxPayloadBytes);
    if (!decoded.ok) {
      ctx.observe.requested(family, secondsSince(started), 'error');
      ctx.reject(decoded.error);
      throw decoded.error;
    }
    ctx.received += 1;
    ctx.observe.received(family, 'reply');
    ctx.observe.requested(family, secondsSince(started), 'ok');
    return decoded.value as T;
  }

  return {
    publish(subject: string, message: unknown, opts: PublishOptions = {}) {
      assertUsable(`publish on ${subject}`, false);
      const bytes = encodeValidated(subject, message, requireSchema(ctx.catalog, subject), ctx.maxPayloadBytes);
      send(subject, bytes, opts.headers ?? NO_HEADERS, 'publish', ctx.family(subject));
    },
    publishRaw(subject, bytes, headers = NO_HEADERS) {
      send(subject, bytes, headers, 'publish', ctx.family(subject));
    },
    async requestRaw(subject, bytes, opts) {
      assertUsable(`request on ${subject}`, false);
      const pending = transport.request(subject, bytes, opts.headers ?? NO_HEADERS, opts.timeoutMs);
      ctx.published += 1;
      ctx.observe.sent(ctx.family(subject), 'request');
      return (await pending).data;
    },
    subscribe,
    serve,
    request,
    jetstream: js.port,
    stats: () => ctx.snapshot(),
    flush: () => transport.flush(),
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
