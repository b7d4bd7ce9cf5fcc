import { randomUUID } from 'node:crypto';
import { subjectMatches } from '@trading-system/contracts';
import type { Headers } from './bus.js';
import {
  BusClosedError,
  InvalidMessageError,
  InvalidSubjectError,
  NoRespondersError,
  RequestTimeoutError,
} from './errors.js';
import { MemoryJetStream } from './memory-jetstream.js';
import type { RawMsg, RawSubscription, Transport } from './transport.js';

/** NATS's default max_payload, so the embedded mode refuses what a default server would refuse. */
export const MEMORY_MAX_PAYLOAD_BYTES = 1024 * 1024;

interface Sub {
  readonly pattern: string;
  readonly queue: string | undefined;
  readonly onMsg: (m: RawMsg) => void;
  closed: boolean;
}

const TOKEN = /^[^\s.*>]+$/;

/** Subject rules of NATS: non-empty tokens; publish subjects without wildcards; `>` only last. */
export function checkSubject(subject: string, wildcards: boolean): void {
  const tokens = subject.split('.');
  tokens.forEach((t, i) => {
    const ok = TOKEN.test(t) || (wildcards && (t === '*' || (t === '>' && i === tokens.length - 1)));
    if (!ok) throw new InvalidSubjectError(subject);
  });
}

/**
 * In-process transport with NATS semantics: wildcard matching, queue groups (round-robin per subject+queue),
 * request/reply through `_INBOX.` subjects, no-responders when nobody listens, and delivery on a later microtask
 * so a publisher never runs its subscribers' code synchronously. Bytes are copied once per publish and never
 * mutated; each subscriber decodes its own object from them.
 */
export class MemoryTransport implements Transport {
  readonly maxPayloadBytes: number;
  readonly jetstream: MemoryJetStream;
  private subs: Sub[] = [];
  private readonly roundRobin = new Map<string, number>();
  private closed = false;

  constructor(options: { maxPayloadBytes?: number } = {}) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? MEMORY_MAX_PAYLOAD_BYTES;
    this.jetstream = new MemoryJetStream({
      prepare: (subject, data, headers) => this.prepare(subject, data, headers),
      fanOut: (msg) => this.fanOut(msg),
    });
  }

  publish(subject: string, data: Uint8Array, headers: Headers, reply?: string): void {
    this.route(subject, data, headers, reply);
  }

  /** Publishes (a stream bound to the subject stores it, as on NATS) and returns how many subscriptions got it. */
  private route(subject: string, data: Uint8Array, headers: Headers, reply?: string): number {
    const msg = this.prepare(subject, data, headers, reply);
    this.jetstream.capture(msg);
    return this.fanOut(msg);
  }

  private prepare(subject: string, data: Uint8Array, headers: Headers, reply?: string): RawMsg {
    if (this.closed) throw new BusClosedError(`publish on ${subject}`);
    checkSubject(subject, false);
    if (data.byteLength > this.maxPayloadBytes) {
      throw new InvalidMessageError(subject, 'oversize', 'outbound', [
        { path: [], message: `${data.byteLength} bytes > max_payload ${this.maxPayloadBytes}` },
      ]);
    }
    return {
      subject,
      data: data.slice(),
      headers: Object.freeze({ ...headers }),
      ...(reply === undefined ? {} : { reply }),
    };
  }

  private fanOut(msg: RawMsg): number {
    const subject = msg.subject;
    const targets: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    for (const sub of this.subs) {
      if (!subjectMatches(sub.pattern, subject)) continue;
      if (sub.queue === undefined) {
        targets.push(sub);
        continue;
      }
      const key = `${sub.pattern} ${sub.queue}`;
      const members = groups.get(key);
      if (members === undefined) groups.set(key, [sub]);
      else members.push(sub);
    }
    for (const [key, members] of groups) {
      const n = this.roundRobin.get(key) ?? 0;
      this.roundRobin.set(key, n + 1);
      const chosen = members[n % members.length];
      if (chosen !== undefined) targets.push(chosen);
    }
    for (const sub of targets) {
      queueMicrotask(() => {
        if (!sub.closed) sub.onMsg(msg);
      });
    }
    return targets.length;
  }

  subscribe(subject: string, queue: string | undefined, onMsg: (m: RawMsg) => void): RawSubscription {
    if (this.closed) throw new BusClosedError(`subscribe to ${subject}`);
    checkSubject(subject, true);
    const sub: Sub = { pattern: subject, queue, onMsg, closed: false };
    this.subs.push(sub);
    return {
      unsubscribe: () => {
        sub.closed = true;
        this.subs = this.subs.filter((s) => s !== sub);
      },
    };
  }

  request(subject: string, data: Uint8Array, headers: Headers, timeoutMs: number): Promise<RawMsg> {
    return new Promise<RawMsg>((resolve, reject) => {
      const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
      let timer: NodeJS.Timeout | undefined;
      const sub = this.subscribe(inbox, undefined, (m) => {
        cleanup();
        resolve(m);
      });
      const cleanup = (): void => {
        sub.unsubscribe();
        if (timer !== undefined) clearTimeout(timer);
      };
      try {
        if (this.route(subject, data, headers, inbox) === 0) {
          cleanup();
          reject(new NoRespondersError(subject));
          return;
        }
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      timer = setTimeout(() => {
        cleanup();
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
    });
  }

  /** In process a subscription is in place when subscribe returns: nothing is in flight to a server. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  async drain(): Promise<void> {
    // Let deliveries already queued on microtasks run before the subscriptions go away.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.closed = true;
    for (const sub of this.subs) sub.closed = true;
    this.subs = [];
    this.jetstream.close();
  }
}
