/**
 * Requests to a broker's gateway (`broker.<broker>.cmd.*`), with the outcome classified the way the state machine
 * needs it: `sent` (the gateway says it passed the command to the broker), `refused` (the gateway says it did
 * not: nothing reached the broker) or `unknown` (timeout: it may or may not have reached the broker).
 */
import { type Bus, NoRespondersError, RequestTimeoutError } from '@trading-system/bus';
import { type BROKER_COMMANDS, type BrokerCommandVerb, type ErrorCode, Subjects } from '@trading-system/contracts';
import type { z } from 'zod';

type Req<V extends BrokerCommandVerb> = z.input<(typeof BROKER_COMMANDS)[V]['request']>;
type Rep<V extends BrokerCommandVerb> = Extract<z.output<(typeof BROKER_COMMANDS)[V]['reply']>, { ok: true }>;

export type BrokerOutcome<V extends BrokerCommandVerb> =
  | { readonly kind: 'sent'; readonly reply: Rep<V> }
  | {
      readonly kind: 'refused';
      readonly code: ErrorCode | 'NO_RESPONDERS';
      readonly message: string;
      readonly brokerCode: number;
    }
  | { readonly kind: 'unknown'; readonly message: string };

export class BrokerClient {
  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  async call<V extends BrokerCommandVerb>(broker: string, verb: V, body: Req<V>): Promise<BrokerOutcome<V>> {
    const subject = Subjects.brokerCommand.build({ broker, verb });
    let reply: { ok: boolean; code?: ErrorCode; message?: string; details?: Record<string, unknown> };
    try {
      reply = await this.bus.request(subject, body, { timeoutMs: this.timeoutMs });
    } catch (err) {
      if (err instanceof NoRespondersError)
        return { kind: 'refused', code: 'NO_RESPONDERS', message: `no gateway answers ${subject}`, brokerCode: 0 };
      if (err instanceof RequestTimeoutError)
        return { kind: 'unknown', message: `no reply on ${subject} within ${this.timeoutMs} ms` };
      throw err;
    }
    if (reply.ok) return { kind: 'sent', reply: reply as Rep<V> };
    const brokerCode = reply.details?.brokerCode;
    return {
      kind: 'refused',
      code: reply.code ?? 'INTERNAL_ERROR',
      message: reply.message ?? 'refused',
      brokerCode: typeof brokerCode === 'number' && Number.isInteger(brokerCode) ? brokerCode : 0,
    };
  }
}
