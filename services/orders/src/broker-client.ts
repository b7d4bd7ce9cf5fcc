/**
 * Requests to a broker's gateway (`broker.<broker>.cmd.*`), with the outcome classified the way the state machine
 * needs it: `sent` (the gateway says it passed the command to the broker), `refused` (the gateway says it did
 * not: nothing reached the broker) or `unknown` (timeout: it may or may not have reached the broker).
 */
import { type Bus, NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { requestBroker, BrokerClient as SharedBrokerClient } from '@trading-system/clients';
import {
  type BrokerCommandBody,
  type BrokerCommandOk,
  type BrokerCommandVerb,
  ContractError,
  type ErrorCode,
  type Instrument,
  type InstrumentRef,
} from '@trading-system/contracts';

type Rep<V extends BrokerCommandVerb> = BrokerCommandOk<V>;

type Refused = {
  readonly kind: 'refused';
  readonly code: ErrorCode;
  readonly message: string;
  readonly brokerCode: number;
};
type Unknown = { readonly kind: 'unknown'; readonly message: string };

export type BrokerOutcome<V extends BrokerCommandVerb> =
  | { readonly kind: 'sent'; readonly reply: Rep<V> }
  | Refused
  | Unknown;

export class BrokerClient {
  /** The services' one qualification cache (libs/clients): an instrument is asked of its broker once. */
  private readonly shared: SharedBrokerClient;

  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {
    this.shared = new SharedBrokerClient(bus, { timeoutMs });
  }

  async call<V extends BrokerCommandVerb>(
    broker: string,
    verb: V,
    body: BrokerCommandBody<V>,
  ): Promise<BrokerOutcome<V>> {
    try {
      const reply = await requestBroker(this.bus, broker, verb, body, { timeoutMs: this.timeoutMs });
      if (reply.ok) return { kind: 'sent', reply: reply as Rep<V> };
      const brokerCode = reply.details?.brokerCode;
      return {
        kind: 'refused',
        code: reply.code,
        message: reply.message,
        brokerCode: typeof brokerCode === 'number' && Number.isInteger(brokerCode) ? brokerCode : 0,
      };
    } catch (err) {
      return classified(err, broker);
    }
  }

  /**
   * The instrument a reference names: from the shared cache when known by id (no request on the hot path),
   * else qualified by the broker; failures classified like commands (nothing was placed either way).
   */
  async qualify(
    broker: string,
    ref: InstrumentRef,
  ): Promise<{ readonly kind: 'sent'; readonly instrument: Instrument } | Refused | Unknown> {
    try {
      return { kind: 'sent', instrument: await this.shared.qualify(broker, ref) };
    } catch (err) {
      return classified(err, broker);
    }
  }
}

/**
 * A failed request as the state machine reads it: nobody answering the broker's subject means nothing reached
 * the broker (refused, NO_RESPONDERS); a timeout means it may have (unknown); the gateway's error reply (a
 * ContractError from the shared client) is refused with its code. Anything else (a closed bus, a message of ours
 * the contract refuses) is not the broker's answer and is thrown.
 */
function classified(err: unknown, broker: string): Refused | Unknown {
  if (err instanceof RequestTimeoutError) return { kind: 'unknown', message: err.message };
  if (err instanceof NoRespondersError)
    return {
      kind: 'refused',
      code: 'NO_RESPONDERS',
      message: `no gateway answers for broker ${broker}`,
      brokerCode: 0,
    };
  if (err instanceof ContractError) {
    const brokerCode = err.details?.brokerCode;
    const code = typeof brokerCode === 'number' && Number.isInteger(brokerCode) ? brokerCode : 0;
    return { kind: 'refused', code: err.code, message: err.message, brokerCode: code };
  }
  throw err;
}
