import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { ConsumerConfig, PubAck, StreamConfig } from './bus.js';
import type { BusLogger } from './bus-context.js';
import { JetStreamError } from './errors.js';
import { fromNatsHeaders, toNatsHeaders } from './nats-headers.js';
import type { RawConsumer, RawJetStream, RawJsMsg, RawMsg } from './transport.js';

/**
 * How many messages a consumer pulls ahead: as many as it handles at once — one, or its lanes' `max`. A consumer
 * without lanes holds one message, as in the embedded mode, so a redelivery goes to another puller of the durable
 * and no message's ack wait runs out while it sits in a buffer; the next pull waits until the handler returned.
 * With lanes, one pull per message serialised every lane behind the pull's round trip (the OMS applied a mass
 * cancel's events at ~15/s on a loaded 2-core box, 4 lanes mostly idle); pulling `max` keeps the lanes fed, and a
 * pulled message waits at most for one lane to come free (the lanes admit no more than `max` in flight).
 */
function prefetchOf(cfg: ConsumerConfig): number {
  return cfg.lanes?.max ?? 1;
}

function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** JetStream over nats.js v3, using only what a 2.9 server supports (pull consumers, double ack, nak delay). */
export class NatsJetStream implements RawJetStream {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: BusLogger,
    /** `+TERM <reason>` exists from server 2.10; a 2.9 server ignores it as an unknown ack and redelivers. */
    private readonly termWithReason: boolean,
  ) {}

  async ensureStream(cfg: StreamConfig): Promise<void> {
    const limits = {
      subjects: [...cfg.subjects],
      duplicate_window: nanos(cfg.duplicateWindowMs),
      max_age: nanos(cfg.maxAgeMs ?? 0),
      max_msgs: cfg.maxMsgs ?? -1,
      max_msgs_per_subject: cfg.maxMsgsPerSubject ?? -1,
    };
    try {
      await this.jsm.streams.info(cfg.name);
    } catch (err) {
      if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw wrap(`stream ${cfg.name}: info failed`, err);
      try {
        const storage = cfg.storage === 'file' ? StorageType.File : StorageType.Memory;
        await this.jsm.streams.add({ name: cfg.name, storage, ...limits });
        return;
      } catch (addErr) {
        throw wrap(`stream ${cfg.name}: create failed`, addErr);
      }
    }
    try {
      await this.jsm.streams.update(cfg.name, limits);
    } catch (err) {
      throw wrap(`stream ${cfg.name}: update failed`, err);
    }
  }

  async deleteStream(name: string): Promise<boolean> {
    try {
      return await this.jsm.streams.delete(name);
    } catch (err) {
      if (isNotFound(err, JetStreamApiCodes.StreamNotFound)) return false;
      throw wrap(`stream ${name}: delete failed`, err);
    }
  }

  async publish(subject: string, data: Uint8Array, msgId: string, headers: Record<string, string>): Promise<PubAck> {
    try {
      const h = toNatsHeaders(headers);
      const ack = await this.js.publish(subject, data, { msgID: msgId, ...(h === undefined ? {} : { headers: h }) });
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw wrap(`JetStream publish on ${subject} failed (is a stream bound to it?)`, err);
    }
  }

  async lastMessage(stream: string, subject: string): Promise<(RawMsg & { readonly seq: number }) | undefined> {
    let m: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>>;
    try {
      m = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (err) {
      throw wrap(`stream ${stream}: reading the last message on ${subject} failed`, err);
    }
    if (m === null) return undefined;
    return { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.header), seq: m.seq };
  }

  private async ensureConsumer(cfg: ConsumerConfig): Promise<void> {
    const wanted = {
      ack_wait: nanos(cfg.ackWaitMs),
      max_deliver: cfg.maxDeliver,
      ...(cfg.filterSubject === undefined ? {} : { filter_subject: cfg.filterSubject }),
    };
    try {
      const info = await this.jsm.consumers.info(cfg.stream, cfg.durable);
      const c = info.config;
      const same =
        c.ack_wait === wanted.ack_wait &&
        c.max_deliver === wanted.max_deliver &&
        (c.filter_subject ?? undefined) === cfg.filterSubject;
      if (!same) await this.jsm.consumers.update(cfg.stream, cfg.durable, wanted);
      return;
    } catch (err) {
      if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) {
        throw wrap(`consumer ${cfg.stream}/${cfg.durable}: info/update failed`, err);
      }
    }
    try {
      await this.jsm.consumers.add(cfg.stream, {
        durable_name: cfg.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: cfg.deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
        ...wanted,
      });
    } catch (err) {
      throw wrap(`consumer ${cfg.stream}/${cfg.durable}: create failed`, err);
    }
  }

  async consume(cfg: ConsumerConfig, handler: (m: RawJsMsg) => Promise<void>): Promise<RawConsumer> {
    await this.ensureConsumer(cfg);
    const consumer = await this.js.consumers.get(cfg.stream, cfg.durable);
    const messages = await consumer.consume({ max_messages: prefetchOf(cfg) });
    let stopped = false;
    const loop = (async () => {
      for await (const m of messages) {
        // Messages left in the buffer after stop() are not handled: their ack wait brings them back.
        if (stopped) break;
        await handler(toRaw(m, this.termWithReason));
      }
    })().catch((err: unknown) => {
      this.log.error({ stream: cfg.stream, durable: cfg.durable, err }, 'JetStream consumer loop ended with an error');
    });
    return {
      async stop() {
        stopped = true;
        await messages.close();
        await loop;
      },
    };
  }
}

function toRaw(m: JsMsg, termWithReason: boolean): RawJsMsg {
  return {
    subject: m.subject,
    data: m.data,
    headers: fromNatsHeaders(m.headers),
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    redelivered: m.redelivered,
    ack: async () => {
      await m.ackAck();
    },
    nak: (delayMs) => m.nak(delayMs),
    term: (reason) => (termWithReason ? m.term(reason) : m.term()),
    working: () => m.working(),
  };
}

/** True when the server version is at least major.minor. */
export function serverAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const [ma = 0, mi = 0] = (version ?? '0.0').split('.').map((x) => Number.parseInt(x, 10));
  return ma > major || (ma === major && mi >= minor);
}

function wrap(message: string, err: unknown): JetStreamError {
  return new JetStreamError(`${message}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
