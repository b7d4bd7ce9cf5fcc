import { subjectMatches } from '@trading-system/contracts';
import type { ConsumerConfig, Headers, PubAck, StreamConfig } from './bus.js';
import { JetStreamError } from './errors.js';
import type { RawConsumer, RawJetStream, RawJsMsg, RawMsg } from './transport.js';

/** NATS's header for msg-id deduplication; kept on the stored message, as the server does. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

interface Stored {
  readonly seq: number;
  readonly msg: RawMsg;
  readonly tsMs: number;
}

interface Pending {
  deliveries: number;
  timer: NodeJS.Timeout | undefined;
}

interface Puller {
  readonly handler: (m: RawJsMsg) => Promise<void>;
  busy: boolean;
  stopped: boolean;
  current: Promise<void>;
}

/** A durable's state outlives its `consume` calls: that is what makes it durable within the process. */
interface Durable {
  cfg: ConsumerConfig;
  /** Highest stream seq handed out for the first time. */
  cursor: number;
  readonly pending: Map<number, Pending>;
  /** Seqs due for redelivery, oldest first. */
  readonly redeliver: number[];
  readonly pullers: Set<Puller>;
}

interface Stream {
  cfg: StreamConfig;
  readonly msgs: Stored[];
  lastSeq: number;
  readonly dedup: Map<string, { seq: number; tsMs: number }>;
  readonly durables: Map<string, Durable>;
}

const STREAM_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * JetStream emulation for the embedded mode: streams bound to subjects, msg-id deduplication inside the window,
 * max age / max count limits, and durable pull consumers with explicit ack, ack-wait redelivery, nak with delay,
 * term and max deliveries. Several `consume` calls on one durable share its messages, as pull consumers do.
 */
export class MemoryJetStream implements RawJetStream {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly core: {
      prepare(subject: string, data: Uint8Array, headers: Headers): RawMsg;
      fanOut(msg: RawMsg): number;
    },
  ) {}

  async ensureStream(cfg: StreamConfig): Promise<void> {
    if (!STREAM_NAME.test(cfg.name)) throw new JetStreamError(`invalid stream name ${JSON.stringify(cfg.name)}`);
    for (const other of this.streams.values()) {
      if (other.cfg.name === cfg.name) continue;
      const clash = cfg.subjects.find((s) =>
        other.cfg.subjects.some((o) => subjectMatches(o, s) || subjectMatches(s, o)),
      );
      if (clash !== undefined) throw new JetStreamError(`subjects overlap with stream ${other.cfg.name}: ${clash}`);
    }
    const existing = this.streams.get(cfg.name);
    if (existing !== undefined) existing.cfg = cfg;
    else this.streams.set(cfg.name, { cfg, msgs: [], lastSeq: 0, dedup: new Map(), durables: new Map() });
  }

  async deleteStream(name: string): Promise<boolean> {
    const stream = this.streams.get(name);
    if (stream === undefined) return false;
    this.dispose(stream);
    this.streams.delete(name);
    return true;
  }

  async publish(subject: string, data: Uint8Array, msgId: string, headers: Headers): Promise<PubAck> {
    const msg = this.core.prepare(subject, data, { ...headers, [MSG_ID_HEADER]: msgId });
    const ack = this.capture(msg);
    if (ack === undefined) throw new JetStreamError(`no stream captures subject ${subject}`);
    this.core.fanOut(msg);
    return ack;
  }

  /** Stores a published message in the stream bound to its subject, if any (core publishes are captured too). */
  capture(msg: RawMsg): PubAck | undefined {
    const stream = [...this.streams.values()].find((s) => s.cfg.subjects.some((p) => subjectMatches(p, msg.subject)));
    if (stream === undefined) return undefined;
    const now = Date.now();
    for (const [id, d] of stream.dedup) {
      if (now - d.tsMs < stream.cfg.duplicateWindowMs) break;
      stream.dedup.delete(id);
    }
    const msgId = msg.headers[MSG_ID_HEADER];
    const seen = msgId === undefined ? undefined : stream.dedup.get(msgId);
    if (seen !== undefined) return { stream: stream.cfg.name, seq: seen.seq, duplicate: true };
    stream.lastSeq += 1;
    const seq = stream.lastSeq;
    stream.msgs.push({ seq, msg, tsMs: now });
    if (msgId !== undefined) stream.dedup.set(msgId, { seq, tsMs: now });
    this.applyLimits(stream, now);
    for (const durable of stream.durables.values()) this.pump(stream, durable);
    return { stream: stream.cfg.name, seq, duplicate: false };
  }

  async consume(cfg: ConsumerConfig, handler: (m: RawJsMsg) => Promise<void>): Promise<RawConsumer> {
    const stream = this.streams.get(cfg.stream);
    if (stream === undefined) throw new JetStreamError(`stream ${cfg.stream} not found`);
    let durable = stream.durables.get(cfg.durable);
    if (durable === undefined) {
      const cursor = cfg.deliver === 'new' ? stream.lastSeq : 0;
      durable = { cfg, cursor, pending: new Map(), redeliver: [], pullers: new Set() };
      stream.durables.set(cfg.durable, durable);
    } else {
      durable.cfg = cfg;
    }
    const puller: Puller = { handler, busy: false, stopped: false, current: Promise.resolve() };
    durable.pullers.add(puller);
    this.pump(stream, durable);
    const owner = durable;
    return {
      stop: async () => {
        puller.stopped = true;
        owner.pullers.delete(puller);
        await puller.current;
      },
    };
  }

  async lastMessage(name: string, subject: string): Promise<(RawMsg & { readonly seq: number }) | undefined> {
    const stream = this.streams.get(name);
    if (stream === undefined) throw new JetStreamError(`stream ${name} not found`);
    this.applyLimits(stream, Date.now());
    for (let i = stream.msgs.length - 1; i >= 0; i--) {
      const stored = stream.msgs[i] as Stored;
      if (stored.msg.subject === subject) return { ...stored.msg, seq: stored.seq };
    }
    return undefined;
  }

  /** Drops every stream, timer and puller: nothing keeps the process alive after the bus is drained. */
  close(): void {
    for (const stream of this.streams.values()) this.dispose(stream);
    this.streams.clear();
  }

  private dispose(stream: Stream): void {
    for (const durable of stream.durables.values()) {
      for (const p of durable.pending.values()) clearTimeout(p.timer);
      for (const puller of durable.pullers) puller.stopped = true;
      durable.pullers.clear();
    }
    stream.durables.clear();
  }

  private applyLimits(stream: Stream, now: number): void {
    const { maxMsgs, maxAgeMs, maxMsgsPerSubject } = stream.cfg;
    if (maxMsgsPerSubject !== undefined && maxMsgsPerSubject > 0) {
      const left = new Map<string, number>();
      for (let i = stream.msgs.length - 1; i >= 0; i--) {
        const subject = (stream.msgs[i] as Stored).msg.subject;
        const n = left.get(subject) ?? maxMsgsPerSubject;
        if (n > 0) left.set(subject, n - 1);
        else stream.msgs.splice(i, 1);
      }
    }
    while (maxMsgs !== undefined && stream.msgs.length > maxMsgs) stream.msgs.shift();
    while (maxAgeMs !== undefined && stream.msgs.length > 0 && now - (stream.msgs[0]?.tsMs ?? now) > maxAgeMs) {
      stream.msgs.shift();
    }
  }

  /** Index of the first stored message with seq >= `seq` (msgs are sorted by seq). */
  private indexFrom(stream: Stream, seq: number): number {
    let lo = 0;
    let hi = stream.msgs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((stream.msgs[mid]?.seq ?? seq) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private find(stream: Stream, seq: number): Stored | undefined {
    const stored = stream.msgs[this.indexFrom(stream, seq)];
    return stored?.seq === seq ? stored : undefined;
  }

  /** The next message for this durable: due redeliveries first, then the first new one matching the filter. */
  private next(stream: Stream, durable: Durable): Stored | undefined {
    this.applyLimits(stream, Date.now());
    while (durable.redeliver.length > 0) {
      const seq = durable.redeliver.shift() as number;
      const stored = this.find(stream, seq);
      if (stored !== undefined && durable.pending.has(seq)) return stored;
      durable.pending.delete(seq);
    }
    const filter = durable.cfg.filterSubject;
    for (let i = this.indexFrom(stream, durable.cursor + 1); i < stream.msgs.length; i++) {
      const stored = stream.msgs[i] as Stored;
      durable.cursor = stored.seq;
      if (filter === undefined || subjectMatches(filter, stored.msg.subject)) return stored;
    }
    return undefined;
  }

  private pump(stream: Stream, durable: Durable): void {
    for (const puller of durable.pullers) {
      if (puller.busy || puller.stopped) continue;
      const stored = this.next(stream, durable);
      if (stored === undefined) return;
      this.deliver(stream, durable, puller, stored);
    }
  }

  private deliver(stream: Stream, durable: Durable, puller: Puller, stored: Stored): void {
    const { seq } = stored;
    const pending = durable.pending.get(seq) ?? { deliveries: 0, timer: undefined };
    pending.deliveries += 1;
    durable.pending.set(seq, pending);
    const delivery = pending.deliveries;
    const settleAt = (fn: () => void) => () => {
      // A settle from an older delivery still counts (NATS acks by stream seq), but only once.
      if (durable.pending.get(seq) !== pending) return;
      clearTimeout(pending.timer);
      fn();
    };
    const retry = (delayMs: number): void => {
      if (pending.deliveries >= durable.cfg.maxDeliver) {
        durable.pending.delete(seq);
        return;
      }
      const requeue = (): void => {
        if (durable.pending.get(seq) !== pending) return;
        durable.redeliver.push(seq);
        this.pump(stream, durable);
      };
      if (delayMs > 0) pending.timer = setTimeout(requeue, delayMs).unref();
      else requeue();
    };
    const armAckWait = (): void => {
      clearTimeout(pending.timer);
      pending.timer = setTimeout(() => {
        if (durable.pending.get(seq) === pending && pending.deliveries === delivery) retry(0);
      }, durable.cfg.ackWaitMs).unref();
    };
    armAckWait();
    const msg: RawJsMsg = {
      ...stored.msg,
      seq,
      deliveryCount: delivery,
      redelivered: delivery > 1,
      ack: async () => settleAt(() => durable.pending.delete(seq))(),
      nak: (delayMs) => settleAt(() => retry(delayMs ?? 0))(),
      term: () => settleAt(() => durable.pending.delete(seq))(),
      working: () => {
        if (durable.pending.get(seq) === pending && pending.deliveries === delivery) armAckWait();
      },
    };
    puller.busy = true;
    // The core's handler never rejects (it catches and settles); a rejection here is a bug and surfaces as one.
    puller.current = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        if (!puller.stopped) return puller.handler(msg);
        // Stopped between hand-out and handling: as if never delivered, so the next puller gets it at once.
        pending.deliveries -= 1;
        clearTimeout(pending.timer);
        durable.redeliver.unshift(seq);
        return undefined;
      })
      .finally(() => {
        puller.busy = false;
        this.pump(stream, durable);
      });
  }
}
