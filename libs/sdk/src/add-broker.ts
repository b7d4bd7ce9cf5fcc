/**
 * addBroker: ask the gateway for a named broker connection and wait until its session is connected. An address
 * where nothing listens is reported at once as BROKER_UNREACHABLE with what to start, and nothing stays added:
 * embedded (the gateway runs in this process) a TCP probe answers before the gateway is even asked; deployed, the
 * gateway's first status of the new connection says so (IB code 502, "couldn't connect", before any session), and
 * the connection is removed again so the gateway does not keep retrying it.
 */
import type { Bus } from '@trading-system/bus';
import {
  type AddBrokerReply,
  type BrokerConnection,
  type BrokerInfo,
  type BrokerStatus,
  Subjects,
} from '@trading-system/contracts';
import { unreachableReason } from './broker-probe.js';
import { sdkError, type TradingSystemError } from './errors.js';

/** IB's "couldn't connect to TWS" (the API client could not open the socket). */
const IB_CANNOT_CONNECT = 502;

export interface AddBrokerDeps {
  readonly bus: Bus;
  readonly call: <T extends { ok: boolean }>(
    subject: string,
    body: unknown,
    what: string,
  ) => Promise<Extract<T, { ok: true }>>;
  readonly remove: (name: string, type: string) => Promise<void>;
  /** The built-in broker to suggest instead, when embedded (`sim` on ib-sim's address). */
  readonly builtIn: { readonly broker: string; readonly at?: string } | undefined;
  /** True when the gateway runs in this process (embedded): probe the address ourselves. */
  readonly gatewayLocal: boolean;
}

export async function addBroker(
  deps: AddBrokerDeps,
  name: string,
  /** Subject token of the gateway to ask (`gateway.<gateway>.cmd.addBroker`). */
  gateway: string,
  connection: BrokerConnection,
  waitMs: number,
): Promise<BrokerInfo> {
  // Types reached at a network address (ib) are probed and diagnosed by it; others (paper) have none to check.
  const address = 'host' in connection ? { host: connection.host, port: connection.port } : undefined;
  const where = address === undefined ? `broker type ${connection.type}` : `${address.host}:${address.port}`;
  const unreachable = (why: string): TradingSystemError =>
    sdkError(
      'BROKER_UNREACHABLE',
      `broker ${name}: nothing accepts connections at ${where} (${why}). Start TWS or IB Gateway there with the API ` +
        'enabled' +
        (deps.builtIn === undefined
          ? ', or trade on the paper broker `sim` (ib-sim)'
          : `, or use the built-in paper broker '${deps.builtIn.broker}'${deps.builtIn.at === undefined ? '' : ` (ib-sim on ${deps.builtIn.at})`}`),
    );
  if (deps.gatewayLocal && address !== undefined) {
    const why = await unreachableReason(address.host, address.port, 3_000);
    if (why !== undefined) throw unreachable(why);
  }
  const askedAt = Date.now();
  let settle: (s: BrokerStatus) => void = () => undefined;
  const outcome = new Promise<BrokerStatus>((resolve) => {
    settle = resolve;
  });
  // Subscribed before asking, so a session that connects (or fails) at once is not missed.
  const sub = deps.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.build({ broker: name }), (m) => {
    const s = m.data;
    if (s.state === 'connected') settle(s);
    else if (s.tsMs >= askedAt && (s.session ?? 0) === 0 && s.lastCode === IB_CANNOT_CONNECT) settle(s);
  });
  try {
    const r = await deps.call<AddBrokerReply>(
      Subjects.gatewayCommand.build({ type: gateway, verb: 'addBroker' }),
      { v: 1, name, connection },
      `addBroker ${name}`,
    );
    if (waitMs === 0 || r.broker.state === 'connected') return r.broker;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    const seen = await Promise.race([outcome, late]);
    clearTimeout(timer);
    if (seen === undefined)
      throw sdkError(
        'BROKER_DISCONNECTED',
        `broker ${name} was added but its session did not connect within ${waitMs} ms: ` +
          (connection.type === 'ib'
            ? `check that TWS / IB Gateway runs at ${where} with the API enabled and clientId ${connection.clientId} free `
            : `check what it connects to (${where}) `) +
          `(${Subjects.brokerStatus.build({ broker: name })} says why; removeBroker('${name}') to give up)`,
      );
    if (seen.state !== 'connected') {
      await deps.remove(name, gateway);
      throw unreachable(seen.lastCodeMessage ?? `IB code ${IB_CANNOT_CONNECT}`);
    }
    return { ...r.broker, state: 'connected', accounts: seen.accounts };
  } finally {
    sub.unsubscribe();
  }
}
