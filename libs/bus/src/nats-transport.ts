import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  type Msg,
  type NatsConnection,
  PermissionViolationError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import type { Headers } from './bus.js';
import type { BusLogger } from './bus-context.js';
import { NoRespondersError, PermissionDeniedError, RequestTimeoutError } from './errors.js';
import { fromNatsHeaders, toNatsHeaders } from './nats-headers.js';
import { NatsJetStream, serverAtLeast } from './nats-jetstream.js';
import type { RawMsg, RawSubscription, Transport } from './transport.js';

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

function toRaw(m: Msg): RawMsg {
  const base = { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers) };
  return m.reply ? { ...base, reply: m.reply } : base;
}

/** Core NATS + JetStream behind the transport interface. The bus owns the connection: drain() closes it. */
export class NatsTransport implements Transport {
  readonly maxPayloadBytes: number;

  private constructor(
    private readonly nc: NatsConnection,
    readonly jetstream: NatsJetStream,
    private readonly log: BusLogger,
  ) {
    this.maxPayloadBytes = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  static async create(nc: NatsConnection, log: BusLogger): Promise<NatsTransport> {
    const jsm = await jetstreamManager(nc);
    const termWithReason = serverAtLeast(nc.info?.version, 2, 10);
    return new NatsTransport(nc, new NatsJetStream(jetstream(nc), jsm, log, termWithReason), log);
  }

  publish(subject: string, data: Uint8Array, headers: Headers, reply?: string): void {
    const h = toNatsHeaders(headers);
    this.nc.publish(subject, data, { ...(h === undefined ? {} : { headers: h }), ...(reply ? { reply } : {}) });
  }

  subscribe(subject: string, queue: string | undefined, onMsg: (m: RawMsg) => void): RawSubscription {
    const sub = this.nc.subscribe(subject, {
      ...(queue === undefined ? {} : { queue }),
      callback: (err, m) => {
        if (err !== null) {
          this.log.error({ subject, err }, 'subscription error');
          return;
        }
        onMsg(toRaw(m));
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async request(subject: string, data: Uint8Array, headers: Headers, timeoutMs: number): Promise<RawMsg> {
    const h = toNatsHeaders(headers);
    try {
      const m = await this.nc.request(subject, data, {
        timeout: timeoutMs,
        ...(h === undefined ? {} : { headers: h }),
      });
      return toRaw(m);
    } catch (err) {
      if (err instanceof TimeoutError) throw new RequestTimeoutError(subject, timeoutMs, { cause: err });
      if (err instanceof RequestError && err.isNoResponders()) throw new NoRespondersError(subject, { cause: err });
      if (err instanceof RequestError && err.cause instanceof PermissionViolationError)
        throw new PermissionDeniedError(subject, 'publish', { cause: err });
      throw err;
    }
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  async drain(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}
