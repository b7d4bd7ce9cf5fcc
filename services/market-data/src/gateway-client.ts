/**
 * The commands market-data sends to a broker's gateway (`broker.<name>.cmd.*`): contract qualification (cached
 * per instrumentId and per description, contracts do not change while we run) and opening/closing lines.
 */
import type { Bus } from '@trading-system/bus';
import {
  type BrokerMdSubscribeReply,
  type BrokerMdUnsubscribeReply,
  type ErrorReply,
  type Instrument,
  type InstrumentRef,
  isIdRef,
  type QualifyContractReply,
  Subjects,
} from '@trading-system/contracts';
import { GatewayCommandError } from './errors.js';
import type { StreamKind } from './lease-table.js';

export class GatewayClient {
  private readonly instruments = new Map<string, Promise<Instrument>>();

  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  qualify(broker: string, ref: InstrumentRef): Promise<Instrument> {
    const key = isIdRef(ref) ? `${broker}/${ref.id}` : `${broker}/${JSON.stringify(ref)}`;
    let p = this.instruments.get(key);
    if (p === undefined) {
      p = this.request<QualifyContractReply>(broker, 'qualifyContract', { v: 1, instrument: ref, allowMany: false })
        .then((r) => {
          const i = r.instruments[0];
          if (i === undefined) throw new GatewayCommandError('CONTRACT_UNKNOWN', 'qualifyContract returned nothing');
          this.instruments.set(`${broker}/${i.id}`, Promise.resolve(i));
          return i;
        })
        .catch((err: unknown) => {
          this.instruments.delete(key); // failures are not cached: the broker may be back next time
          throw err;
        });
      this.instruments.set(key, p);
    }
    return p;
  }

  async subscribe(
    broker: string,
    instrument: Instrument,
    streams: readonly StreamKind[],
  ): Promise<{ subjects: string[]; delayed: boolean; instanceId: string | undefined }> {
    const r = await this.request<BrokerMdSubscribeReply>(broker, 'mdSubscribe', {
      v: 1,
      instrument: { id: instrument.id },
      streams,
    });
    return { subjects: r.subjects, delayed: r.delayed, instanceId: r.instanceId };
  }

  async unsubscribe(broker: string, instrumentId: string, streams: readonly StreamKind[]): Promise<void> {
    await this.request<BrokerMdUnsubscribeReply>(broker, 'mdUnsubscribe', {
      v: 1,
      instrument: { id: instrumentId },
      streams,
    });
  }

  private async request<R extends { ok: boolean }>(
    broker: string,
    verb: 'qualifyContract' | 'mdSubscribe' | 'mdUnsubscribe',
    body: object,
  ): Promise<Extract<R, { ok: true }>> {
    const subject = Subjects.brokerCommand.build({ broker, verb });
    const reply = await this.bus.request<R>(subject, body, { timeoutMs: this.timeoutMs });
    if (reply.ok) return reply as Extract<R, { ok: true }>;
    const e = reply as unknown as ErrorReply;
    throw new GatewayCommandError(e.code, `${verb} on ${broker}: ${e.message}`, {
      ...(e.details === undefined ? {} : { details: e.details }),
    });
  }
}
