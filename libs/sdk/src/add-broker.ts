/**
 * addBroker: ask the gateway for a named broker connection and wait until its session is connected. An address
 * where nothing answers is reported at once as BROKER_UNREACHABLE, worded by the broker's own gateway (its status's
 * notice of kind `unreachable`, before any session: what it could not reach, and a hint naming what to start), and
 * nothing stays added: the connection is removed again so the gateway does not keep retrying it. The SDK knows no
 * broker type's words: every type's gateway says what applies to it (gateway-ib: TWS / IB Gateway or ib-sim;
 * gateway-alpaca: the trading URL or alpaca-sim; gateway-paper: its quote source).
 */
import type { Bus } from '@trading-system/bus';
import type { GatewayClient } from '@trading-system/clients';
import {
  type BrokerConnection,
  type BrokerInfo,
  type BrokerNotice,
  type BrokerStatus,
  Subjects,
} from '@trading-system/contracts';
import { sdkError, type TradingSystemError } from './errors.js';

export interface AddBrokerDeps {
  readonly bus: Bus;
  readonly gateways: GatewayClient;
  /** Runs one client call, turning what it throws into a TradingSystemError saying `what` failed. */
  readonly ask: <R>(what: string, call: () => Promise<R>) => Promise<R>;
  readonly remove: (name: string, gateway: string) => Promise<void>;
  /** The built-in broker to suggest instead, when embedded (`sim` on ib-sim's address). */
  readonly builtIn: { readonly broker: string; readonly at?: string } | undefined;
}

/** The notice's hint as a sentence of its own (gateways write it in lower case, to follow a semicolon too). */
const sentence = (hint: string): string => `${hint.charAt(0).toUpperCase()}${hint.slice(1)}`;

export async function addBroker(
  deps: AddBrokerDeps,
  name: string,
  /** Subject token of the gateway to ask (`gateway.<gateway>.cmd.addBroker`). */
  gateway: string,
  connection: BrokerConnection,
  waitMs: number,
): Promise<BrokerInfo> {
  const builtIn =
    deps.builtIn === undefined
      ? ''
      : `, or use the built-in paper broker '${deps.builtIn.broker}'${deps.builtIn.at === undefined ? '' : ` (ib-sim on ${deps.builtIn.at})`}`;
  const unreachable = (where: string, n: BrokerNotice): TradingSystemError =>
    sdkError(
      'BROKER_UNREACHABLE',
      `broker ${name}: nothing accepts connections at ${where} (${n.message || n.code}).` +
        (n.hint === undefined ? '' : ` ${sentence(n.hint)}`) +
        builtIn,
      { details: { broker: name, type: connection.type, notice: n } },
    );
  const askedAt = Date.now();
  let last: BrokerStatus | undefined;
  let settle: (s: BrokerStatus) => void = () => undefined;
  const outcome = new Promise<BrokerStatus>((resolve) => {
    settle = resolve;
  });
  // Subscribed before asking, so a session that connects (or fails) at once is not missed.
  const sub = deps.bus.subscribe<BrokerStatus>(Subjects.brokerStatus.build({ broker: name }), (m) => {
    const s = m.data;
    if (s.tsMs < askedAt) return;
    last = s;
    if (s.state === 'connected') settle(s);
    // Unreachable before any session: the address is wrong or nothing runs there (not a later outage).
    else if ((s.session ?? 0) === 0 && s.notice?.kind === 'unreachable') settle(s);
  });
  try {
    const r = await deps.ask(`addBroker ${name}`, () =>
      deps.gateways.call(gateway, 'addBroker', { v: 1, name, connection }),
    );
    if (waitMs === 0 || r.broker.state === 'connected') return r.broker;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    const seen = await Promise.race([outcome, late]);
    clearTimeout(timer);
    if (seen === undefined) {
      const n = last?.notice;
      throw sdkError(
        'BROKER_DISCONNECTED',
        `broker ${name} was added but its session did not connect within ${waitMs} ms` +
          (n === undefined
            ? ''
            : ` (last notice ${n.kind} ${n.code}: ${n.message}${n.hint === undefined ? '' : `; ${n.hint}`})`) +
          `: check what it connects to (${r.broker.endpoint}); ${Subjects.brokerStatus.build({ broker: name })} ` +
          `says why, removeBroker('${name}') to give up`,
      );
    }
    if (seen.state !== 'connected' && seen.notice !== undefined) {
      await deps.remove(name, gateway);
      throw unreachable(r.broker.endpoint, seen.notice);
    }
    return { ...r.broker, state: 'connected', accounts: seen.accounts };
  } finally {
    sub.unsubscribe();
  }
}
