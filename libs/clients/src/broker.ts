import type { Bus } from '@trading-system/bus';
import {
  type BrokerCommandBody,
  type BrokerCommandOk,
  type BrokerCommandVerb,
  ContractError,
  type Instrument,
  type InstrumentRef,
  isIdRef,
  type OkReplyOf,
  type RequestBody,
} from '@trading-system/contracts';
import { callBroker, callService } from './request.js';

/**
 * The client of a broker's gateway (`broker.<broker>.cmd.<verb>`), with the one instrument-qualification cache
 * the services and the SDK share: an instrument is asked of the broker once per id and once per description (an
 * instrument id is stable forever, so a qualified one never goes stale); concurrent asks for the same one share
 * one request; a failure is not kept (the broker may answer next time). `forget(broker)` drops what one broker
 * told us (it was removed and may come back as a different broker under the same name).
 */
export class BrokerClient {
  private readonly instruments = new Map<string, Promise<Instrument>>();
  private readonly known = new Map<string, Instrument>();

  constructor(
    private readonly bus: Bus,
    private readonly options: { readonly timeoutMs: number },
  ) {}

  /** One command; an error reply is thrown as a ContractError, bus failures carry their registry codes. */
  call<V extends BrokerCommandVerb>(broker: string, verb: V, body: BrokerCommandBody<V>): Promise<BrokerCommandOk<V>> {
    return callBroker(this.bus, broker, verb, body, this.options);
  }

  /** Positions as the broker reports them (`account.<broker>.positions`). */
  positions(broker: string, body: RequestBody<'account.positions'>): Promise<OkReplyOf<'account.positions'>> {
    return callService(this.bus, 'account.positions', body, this.options, { broker });
  }

  /** Account values and PnL as the broker reports them (`account.<broker>.summary`). */
  accountSummary(broker: string, body: RequestBody<'account.summary'>): Promise<OkReplyOf<'account.summary'>> {
    return callService(this.bus, 'account.summary', body, this.options, { broker });
  }

  /** The one instrument a reference names (CONTRACT_AMBIGUOUS when it names several), asked of the broker once. */
  qualify(broker: string, ref: InstrumentRef): Promise<Instrument> {
    const key = isIdRef(ref) ? idKey(broker, ref.id) : `${broker}\u0000${JSON.stringify(ref)}`;
    const hit = this.known.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    let pending = this.instruments.get(key);
    if (pending === undefined) {
      pending = this.call(broker, 'qualifyContract', { v: 1, instrument: ref, allowMany: false })
        .then((r) => {
          const [instrument, second] = r.instruments;
          if (instrument === undefined || second !== undefined)
            throw new ContractError('CONTRACT_AMBIGUOUS', 'the instrument reference matches several contracts');
          this.known.set(idKey(broker, instrument.id), instrument);
          this.known.set(key, instrument);
          return instrument;
        })
        .finally(() => this.instruments.delete(key));
      this.instruments.set(key, pending);
    }
    return pending;
  }

  /** A qualified instrument already known by id, without a request (the OMS's hot path). */
  cached(broker: string, id: string): Instrument | undefined {
    return this.known.get(idKey(broker, id));
  }

  /** Forgets what `broker` told us (removed, or re-added under the same name as another broker). */
  forget(broker: string): void {
    const prefix = `${broker}\u0000`;
    for (const key of this.known.keys()) if (key.startsWith(prefix)) this.known.delete(key);
  }
}

function idKey(broker: string, id: string): string {
  return `${broker}\u0000#${id}`;
}
