/**
 * The suite's only way to a gateway: broker commands by request/reply with their contract schemas, and the broker
 * events as the OMS sees them, read from stream BROKER_EVENTS (so "exactly once" means stored once, after the
 * stream's deduplication, which is what every consumer gets).
 */
import type { Bus, Consumer } from '@trading-system/bus';
import {
  BROKER_COMMANDS,
  BROKER_EVENT_SCHEMAS,
  BROKER_EVENTS_STREAM,
  type BrokerCommandVerb,
  type BrokerEventKind,
  Subjects,
} from '@trading-system/contracts';
import type { z } from 'zod';
import { uniqueName } from '../nats.js';

type Reply<V extends BrokerCommandVerb> = z.infer<(typeof BROKER_COMMANDS)[V]['reply']>;
type Request<V extends BrokerCommandVerb> = z.input<(typeof BROKER_COMMANDS)[V]['request']>;
export type EventOf<K extends BrokerEventKind> = z.infer<(typeof BROKER_EVENT_SCHEMAS)[K]>;

export interface RecordedEvent {
  readonly kind: BrokerEventKind;
  readonly seq: number;
  /** Wall time the suite received it, epoch ms (to tell events after a reconnect from earlier ones). */
  readonly receivedAtMs: number;
  readonly data: unknown;
}

export class BrokerClient {
  readonly events: RecordedEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly bus: Bus,
    readonly broker: string,
  ) {}

  /** Sends a command; the request is validated before it leaves and the reply after it arrives. */
  async command<V extends BrokerCommandVerb>(verb: V, body: Request<V>, timeoutMs = 10_000): Promise<Reply<V>> {
    const { request, reply } = BROKER_COMMANDS[verb];
    const subject = Subjects.brokerCommand.build({ broker: this.broker, verb });
    const raw = await this.bus.request(subject, request.parse(body), { timeoutMs });
    return reply.parse(raw) as Reply<V>;
  }

  /** Starts recording every stored event of the broker, from the first one the stream holds. */
  async record(): Promise<void> {
    this.consumer = await this.bus.jetstream.consume(
      {
        stream: BROKER_EVENTS_STREAM.name,
        durable: uniqueName('conformance_'),
        filterSubject: Subjects.brokerEvent.filter({ broker: this.broker }),
        ackWaitMs: 30_000,
        maxDeliver: 1,
        deliver: 'all',
      },
      async (msg) => {
        const kind = msg.subject.split('.').at(-1) as BrokerEventKind;
        const data = BROKER_EVENT_SCHEMAS[kind].parse(msg.data);
        // A redelivery would count an event twice: record each stream sequence once.
        if (!this.events.some((e) => e.seq === msg.seq))
          this.events.push({ kind, seq: msg.seq, receivedAtMs: Date.now(), data });
        await msg.ack();
        for (const w of this.waiters) w();
      },
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Recorded events of one kind that satisfy `match`. */
  all<K extends BrokerEventKind>(kind: K, match: (e: EventOf<K>) => boolean = () => true): EventOf<K>[] {
    return this.events
      .filter((e) => e.kind === kind)
      .map((e) => e.data as EventOf<K>)
      .filter(match);
  }

  /** Resolves with the first recorded event (already recorded or still to come) of `kind` matching `match`. */
  waitFor<K extends BrokerEventKind>(
    kind: K,
    match: (e: EventOf<K>) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<EventOf<K>> {
    return this.waitUntil(() => this.all(kind, match)[0], `${kind}: ${what}`, timeoutMs);
  }

  /** Resolves once `probe` (checked on every recorded event) returns something other than undefined. */
  waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}
