/**
 * A skeleton gateway: one broker connection served on `broker.<name>.cmd.*`, its facts published on
 * `broker.<name>.evt.*` (stream BROKER_EVENTS) and its health on `broker.<name>.status`. Handlers are thin:
 * check what the contract says must be refused, call the port, reply; the venue's callbacks go through the
 * pure conversions of `parsing.ts` onto the bus. Read docs/adding-a-broker.md first.
 */
import { type Bus, type Subscription, toStreamConfig } from '@trading-system/bus';
import {
  BROKER_COMMAND_VERBS,
  BROKER_EVENTS_STREAM,
  type BrokerCancelOrderRequest,
  type BrokerCapabilities,
  type BrokerCommandVerb,
  type BrokerEventKind,
  type BrokerPlaceOrderRequest,
  type BrokerStatus,
  type ErrorCode,
  errorReply,
  orderCapabilityProblem,
  Subjects,
} from '@trading-system/contracts';
import { brokerOrderIdOf, toCommission, toExecution, toOrderStatus, venueSymbolId } from './parsing.js';

/**
 * What the venue takes and serves, announced in every status (BrokerStatus.capabilities): the OMS denies orders
 * outside it before they are sent, and the conformance suite holds the gateway to it. No history, no streaming
 * market data, no modify in this skeleton.
 */
export const CAPABILITIES: BrokerCapabilities = {
  assetClasses: ['STK'],
  orderTypes: { MKT: ['DAY'], LMT: ['DAY'] },
  outsideRth: [],
  fractionalQuantity: [],
  modify: false,
  marketDataLines: 0,
};

import type { VenueOrder, VenuePort } from './port.js';

export interface SkeletonDeps {
  readonly bus: Bus;
  /** Broker connection name: the `<broker>` token of every subject this gateway serves. */
  readonly broker: string;
  readonly venue: VenuePort;
  /** Where a fact that could not be published goes (a real gateway logs it and reconciles later). */
  readonly onError?: (err: unknown) => void;
  /** Status publish period, ms (consumers read the last one from stream BROKER_STATUS). */
  readonly statusEveryMs?: number;
}

export interface SkeletonGateway {
  stop(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export async function start(deps: SkeletonDeps): Promise<SkeletonGateway> {
  const { bus, broker, venue } = deps;
  const instanceId = `skel-${Date.now().toString(36)}`;
  const startedAtMs = Date.now();
  let accounts: readonly string[] = [];
  let state: BrokerStatus['state'] = 'disconnected';
  let session = 0;
  const orders = new Map<string, VenueOrder>();
  const statusCounts = new Map<string, number>();

  await bus.jetstream.ensureStream(toStreamConfig(BROKER_EVENTS_STREAM));

  const status = (): BrokerStatus => ({
    v: 1,
    broker,
    gatewayType: 'skeleton',
    state,
    // The venue has one data source: its own quotes. A real broker lists its feeds (contracts broker-health.ts).
    feeds: [{ name: 'venue', kind: 'market', state: state === 'connected' ? 'ok' : 'broken', sinceMs: startedAtMs }],
    accounts: [...accounts],
    paper: true,
    tsMs: Date.now(),
    instanceId,
    session,
    capabilities: CAPABILITIES,
  });
  const publishStatus = (): void => bus.publish(Subjects.brokerStatus.build({ broker }), status());
  // The stream drops a second message with the same id: a re-sent venue fact (after a reconnect) is stored once.
  const publishEvent = (kind: BrokerEventKind, msg: { eventId: string }): Promise<unknown> =>
    bus.jetstream.publish(Subjects.brokerEvent.build({ broker, kind }), msg, { msgId: `${broker}:${msg.eventId}` });
  const onError = deps.onError ?? ((err: unknown) => console.error('skeleton gateway: publish failed', err));

  await venue.connect({
    connected(list) {
      accounts = list;
      state = 'connected';
      session += 1;
      publishStatus();
    },
    disconnected() {
      state = 'disconnected';
      publishStatus();
    },
    order(o) {
      orders.set(brokerOrderIdOf(o.venueOrderId), o);
      const n = (statusCounts.get(o.venueOrderId) ?? 0) + 1;
      statusCounts.set(o.venueOrderId, n);
      publishEvent('orderStatus', toOrderStatus(broker, o, Date.now(), n)).catch(onError);
    },
    fill(f) {
      const account = accounts[0] ?? 'unknown';
      publishEvent('execution', toExecution(broker, account, f, Date.now()))
        .then(() => publishEvent('commissionReport', toCommission(broker, f, Date.now())))
        .catch(onError);
    },
  });

  const placeOrder = async (req: BrokerPlaceOrderRequest) => {
    if (state !== 'connected') throw new Refusal('BROKER_DISCONNECTED', 'venue not connected');
    if (!accounts.includes(req.account)) throw new Refusal('ACCOUNT_UNKNOWN', `no account ${req.account}`);
    // What the venue does not announce is refused here, unsent (the conformance suite checks it). It lists stocks
    // only, so every instrument is one.
    const problem = orderCapabilityProblem(CAPABILITIES, { ...req, secType: 'STK' });
    if (problem !== undefined) throw new Refusal(problem.code, problem.message);
    const symbolId = venueSymbolId(req.instrument.id);
    if (symbolId === undefined) throw new Refusal('CONTRACT_UNKNOWN', `no instrument ${req.instrument.id} here`);
    const venueOrderId = await venue.submit({
      clientRef: req.clientOrderId,
      symbolId,
      side: req.side === 'BUY' ? 'buy' : 'sell',
      qty: Number(req.quantity),
      kind: req.orderType === 'MKT' ? 'market' : 'limit',
      ...(req.limitPrice === undefined ? {} : { limit: Number(req.limitPrice) }),
    });
    return { v: 1, ok: true, clientOrderId: req.clientOrderId, orderId: brokerOrderIdOf(venueOrderId) };
  };

  const cancelOrder = async (req: BrokerCancelOrderRequest) => {
    const o = orders.get(req.orderId);
    if (o === undefined || o.clientRef !== req.clientOrderId)
      throw new Refusal('BROKER_ORDER_MISMATCH', `order ${req.orderId} is not ${req.clientOrderId}`);
    await venue.cancel(o.venueOrderId);
    return { v: 1, ok: true, clientOrderId: req.clientOrderId, orderId: req.orderId };
  };

  const handlers: Partial<Record<BrokerCommandVerb, (body: never) => Promise<unknown>>> = {
    status: async () => ({ v: 1, ok: true, status: status() }),
    placeOrder,
    cancelOrder,
  };
  const subs: Subscription[] = BROKER_COMMAND_VERBS.map((verb) =>
    bus.serve(Subjects.brokerCommand.build({ broker, verb }), async (body) => {
      const handler = handlers[verb];
      // Every verb gets an answer: an unimplemented one says so at once instead of leaving callers to time out.
      if (handler === undefined) return errorReply('SERVICE_UNAVAILABLE', `${verb} is not implemented`);
      try {
        return await handler(body as never);
      } catch (err) {
        if (err instanceof Refusal) return errorReply(err.code, err.message);
        throw err;
      }
    }),
  );
  const timer = setInterval(publishStatus, deps.statusEveryMs ?? 5_000);

  return {
    async stop() {
      clearInterval(timer);
      for (const s of subs) s.unsubscribe();
      await venue.close();
    },
  };
}
