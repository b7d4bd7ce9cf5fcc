import type { Consumer, ConsumerConfig, JetStreamHandler, JetStreamMessage, JetStreamPort } from './bus.js';
import { type BusContext, secondsSince } from './bus-context.js';
import { decodeValidated, encodeValidated, findSchema, requireSchema } from './codec.js';
import { ConsumerLanes } from './consumer-lanes.js';
import { UnknownSubjectError } from './errors.js';
import type { RawConsumer, RawJetStream, RawJsMsg } from './transport.js';

/**
 * The JetStream half of the port over a raw JetStream. Settle policy, shared by both modes:
 * invalid message → term (never reaches the handler); handler throws → nak, or term when it was the last allowed
 * delivery (counted as `exhausted`); handler returns without settling → left pending, redelivered after ack wait.
 *
 * Except: a handler that throws an error with the registry code SERVICE_UNAVAILABLE (its database is unreachable,
 * say) keeps its message. Naks would spend the message's deliveries on the outage and terminate it after a few
 * seconds; instead the bus holds it (restarting its ack wait), calls the handler again with backoff until it gets
 * through, and the consumer takes nothing else meanwhile, so order is kept and nothing is lost. Stopping the
 * consumer ends the hold and leaves the message pending.
 */

/** Pauses between attempts on a held message: from HOLD_FIRST_MS doubling to HOLD_MAX_MS. */
const HOLD_FIRST_MS = 250;
const HOLD_MAX_MS = 5_000;

/** The registry code SERVICE_UNAVAILABLE, on the error or in its cause chain. */
function isUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    if ((current as { code?: unknown }).code === 'SERVICE_UNAVAILABLE') return true;
    current = current.cause;
  }
  return false;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
/**
 * Keeps the deliveries a consumer holds (handled now, or admitted to a lane and waiting for their turn) its own:
 * each gets an in-progress signal (`working`) every third of the ack wait, until its handling ends or it has been
 * held `workingMaxMs`. So the ack wait only has to cover a process that died with them — its messages come back
 * after it, not after the longest a live handler may take — while a handler stuck past the cap lets its message go
 * to another consumer of the durable. One timer per consumer, not per message.
 */
class WorkingHeartbeat {
  private readonly held = new Map<RawJsMsg, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly maxMs: number;

  constructor(cfg: ConsumerConfig, onError: (err: unknown) => void) {
    this.maxMs = cfg.workingMaxMs ?? 4 * cfg.ackWaitMs;
    this.timer = setInterval(
      () => {
        const now = Date.now();
        for (const [m, since] of this.held) {
          if (now - since >= this.maxMs) {
            this.held.delete(m);
            continue;
          }
          try {
            m.working();
          } catch (err) {
            onError(err);
          }
        }
      },
      Math.max(50, Math.floor(cfg.ackWaitMs / 3)),
    );
    this.timer.unref();
  }

  add(m: RawJsMsg): void {
    this.held.set(m, Date.now());
  }

  delete(m: RawJsMsg): void {
    this.held.delete(m);
  }

  stop(): void {
    clearInterval(this.timer);
    this.held.clear();
  }
}

export function createJetStreamPort(
  raw: RawJetStream,
  ctx: BusContext,
  assertUsable: (operation: string, intake: boolean) => void,
): { port: JetStreamPort; stopAll(): Promise<void> } {
  const running = new Set<RawConsumer>();

  /** Decodes a delivered message (terming an invalid one: undefined) and returns its handling, to run now or later. */
  function receive<T>(
    cfg: ConsumerConfig,
    m: RawJsMsg,
    handler: JetStreamHandler<T>,
    stopping: AbortSignal,
  ): { readonly data: unknown; readonly run: () => Promise<void> } | undefined {
    const decoded = decodeValidated(m.subject, m.data, findSchema(ctx.catalog, m.subject), ctx.maxPayloadBytes);
    if (!decoded.ok) {
      ctx.reject(decoded.error);
      m.term(`${decoded.error.reason}: ${decoded.error.message}`.slice(0, 256));
      return undefined;
    }
    return { data: decoded.value, run: () => handle(cfg, m, decoded.value as T, handler, stopping) };
  }

  async function handle<T>(
    cfg: ConsumerConfig,
    m: RawJsMsg,
    data: T,
    handler: JetStreamHandler<T>,
    stopping: AbortSignal,
  ): Promise<void> {
    ctx.received += 1;
    const family = ctx.family(m.subject);
    ctx.observe.received(family, 'stream');
    const started = performance.now();
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const msg: JetStreamMessage<T> = {
      subject: m.subject,
      data,
      headers: m.headers,
      seq: m.seq,
      deliveryCount: m.deliveryCount,
      redelivered: m.redelivered,
      ack: () => (settle() ? m.ack() : Promise.resolve()),
      nak: (delayMs) => {
        if (settle()) m.nak(delayMs);
      },
      term: (reason) => {
        if (settle()) m.term(reason);
      },
    };
    let err: unknown;
    for (let held = 0, delayMs = HOLD_FIRST_MS; ; held += 1) {
      try {
        await handler(msg);
        ctx.observe.handled(family, 'stream', secondsSince(started), false);
        if (held > 0)
          ctx.log.warn(
            { subject: m.subject, stream: cfg.stream, durable: cfg.durable, seq: m.seq, held },
            'held message handled',
          );
        return;
      } catch (e) {
        err = e;
      }
      if (!isUnavailable(err) || settled || stopping.aborted) break;
      if (held === 0)
        ctx.log.warn(
          { subject: m.subject, stream: cfg.stream, durable: cfg.durable, seq: m.seq, err },
          'handler unavailable (SERVICE_UNAVAILABLE): message held and retried until it gets through',
        );
      // Keep the delivery ours while waiting: the pause stays well inside the ack wait.
      m.working();
      await pause(Math.min(delayMs, Math.max(50, Math.floor(cfg.ackWaitMs / 3))), stopping);
      if (stopping.aborted) return; // left pending: redelivered after its ack wait, to whoever consumes next
      m.working();
      delayMs = Math.min(delayMs * 2, HOLD_MAX_MS);
    }
    ctx.observe.handled(family, 'stream', secondsSince(started), true);
    const last = m.deliveryCount >= cfg.maxDeliver;
    ctx.handlerFailed(m.subject, err, { stream: cfg.stream, durable: cfg.durable, seq: m.seq, last });
    if (!settle()) return;
    if (last) {
      ctx.exhausted += 1;
      ctx.log.error(
        { subject: m.subject, stream: cfg.stream, durable: cfg.durable, seq: m.seq, deliveries: m.deliveryCount },
        'message terminated: its last allowed delivery failed',
      );
      m.term('max_deliver');
    } else {
      m.nak(cfg.retryDelayMs);
    }
  }

  const port: JetStreamPort = {
    ensureStream(cfg) {
      assertUsable(`ensure stream ${cfg.name}`, false);
      return raw.ensureStream(cfg);
    },
    deleteStream(name) {
      assertUsable(`delete stream ${name}`, false);
      return raw.deleteStream(name);
    },
    async publish(subject, message, opts) {
      assertUsable(`publish on ${subject}`, false);
      const entry = ctx.catalog.lookup(subject);
      if (entry !== undefined && entry.kind !== 'stream') {
        throw new UnknownSubjectError(subject, `it is a ${entry.kind} subject, not a stream subject`);
      }
      const bytes = encodeValidated(subject, message, requireSchema(ctx.catalog, subject), ctx.maxPayloadBytes);
      const ack = await raw.publish(subject, bytes, opts.msgId, opts.headers ?? {});
      ctx.published += 1;
      ctx.observe.sent(ctx.family(subject), 'stream');
      return ack;
    },
    async lastMessage<T>(stream: string, subject: string) {
      assertUsable(`read ${stream} ${subject}`, false);
      const m = await raw.lastMessage(stream, subject);
      if (m === undefined) return undefined;
      const decoded = decodeValidated(m.subject, m.data, findSchema(ctx.catalog, m.subject), ctx.maxPayloadBytes);
      if (!decoded.ok) {
        ctx.reject(decoded.error);
        throw decoded.error;
      }
      ctx.received += 1;
      return { subject: m.subject, data: decoded.value as T, headers: m.headers, seq: m.seq };
    },
    async consume<T>(cfg: ConsumerConfig, handler: JetStreamHandler<T>): Promise<Consumer> {
      assertUsable(`consume ${cfg.stream}/${cfg.durable}`, true);
      const stopping = new AbortController();
      const { lanes: lanesCfg } = cfg;
      const lanes =
        lanesCfg &&
        new ConsumerLanes(lanesCfg.max, (err) =>
          ctx.log.error({ stream: cfg.stream, durable: cfg.durable, err }, 'consumer lane task failed'),
        );
      const working = new WorkingHeartbeat(cfg, (err) =>
        ctx.log.warn({ stream: cfg.stream, durable: cfg.durable, err }, 'in-progress signal failed'),
      );
      const inner = await raw.consume(cfg, (m) => {
        const received = receive(cfg, m, handler, stopping.signal);
        if (received === undefined) return Promise.resolve();
        working.add(m);
        const run = (): Promise<void> => received.run().finally(() => working.delete(m));
        return lanes && lanesCfg ? lanes.admit(lanesCfg.keyOf(m.subject, received.data), run) : run();
      });
      const consumer: RawConsumer = {
        async stop() {
          working.stop();
          stopping.abort();
          await inner.stop();
          await lanes?.drain();
        },
      };
      running.add(consumer);
      return {
        async stop() {
          if (!running.delete(consumer)) return;
          await consumer.stop();
        },
      };
    },
  };

  return {
    port,
    async stopAll() {
      const all = [...running];
      running.clear();
      await Promise.all(all.map((c) => c.stop()));
    },
  };
}
