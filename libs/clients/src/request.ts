import type { Bus } from '@trading-system/bus';
import {
  type BrokerCommandBody,
  type BrokerCommandOk,
  type BrokerCommandVerb,
  type ErrorReply,
  type GatewayCommandBody,
  type GatewayCommandName,
  type GatewayCommandOk,
  type OkReplyOf,
  REQUESTS,
  type RequestBody,
  type RequestName,
  type RequestParams,
  Subjects,
  unwrapReply,
} from '@trading-system/contracts';

/**
 * One typed request/reply call: the subject, the request and the reply type all follow from the request's name
 * (contracts' REQUESTS), so no caller chooses a generic. The body is validated by the bus against the catalog
 * before it is sent; an error reply is thrown as a ContractError carrying its registry code, hint and details; the
 * bus's own failures (no responders, timeout, closed bus, invalid message) carry their registry codes too, so
 * `registryCodeOf(err)` classifies whatever a call throws.
 */
export interface CallOptions {
  /** How long to wait for the reply, ms. */
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export async function callService<N extends RequestName>(
  bus: Bus,
  name: N,
  body: RequestBody<N>,
  opts: CallOptions,
  ...params: RequestParams<N>
): Promise<OkReplyOf<N>> {
  const subject = (REQUESTS[name].subject.build as (...a: unknown[]) => string)(...params);
  const reply = await bus.request<{ ok: boolean }>(subject, body, opts);
  return unwrapReply(reply) as unknown as OkReplyOf<N>;
}

/** A broker command (`broker.<broker>.cmd.<verb>`), typed by the verb (BROKER_COMMANDS). */
export async function callBroker<V extends BrokerCommandVerb>(
  bus: Bus,
  broker: string,
  verb: V,
  body: BrokerCommandBody<V>,
  opts: CallOptions,
): Promise<BrokerCommandOk<V>> {
  const reply = await requestBroker(bus, broker, verb, body, opts);
  return unwrapReply(reply) as unknown as BrokerCommandOk<V>;
}

/**
 * A broker command's raw reply (ok or ErrorReply, not thrown), for callers whose state machine tells refusals
 * apart from lost replies (the OMS); bus failures still throw.
 */
export async function requestBroker<V extends BrokerCommandVerb>(
  bus: Bus,
  broker: string,
  verb: V,
  body: BrokerCommandBody<V>,
  opts: CallOptions,
): Promise<BrokerCommandOk<V> | ErrorReply> {
  return bus.request(Subjects.brokerCommand.build({ broker, verb }), body, opts);
}

/** A gateway process's command (`gateway.<type>.cmd.<verb>`), typed by the verb (GATEWAY_COMMANDS). */
export async function callGateway<V extends GatewayCommandName>(
  bus: Bus,
  gatewayType: string,
  verb: V,
  body: GatewayCommandBody<V>,
  opts: CallOptions,
): Promise<GatewayCommandOk<V>> {
  const reply = await bus.request<{ ok: boolean }>(
    Subjects.gatewayCommand.build({ type: gatewayType, verb }),
    body,
    opts,
  );
  return unwrapReply(reply) as unknown as GatewayCommandOk<V>;
}
