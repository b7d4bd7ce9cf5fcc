/**
 * The fault-injection gateway: NOT a broker. It answers `broker.<b>.cmd.*` on the bus with scripted replies and
 * records what the OMS sent, and tests publish the broker events themselves. It has no order lifecycle and does not
 * pass the broker conformance suite; it exists for what a real broker will not do on demand: a placeOrder that hangs
 * or is refused, positions that never answer, reconciliation snapshots that disagree with the ledger, replayed and
 * out-of-order events, the shapes of older gateways (no capabilities, legacy ids and status words) and brokers that
 * publish no status. Normal order flows run against a real gateway-paper instead (`startFlowHarness`,
 * paper-broker.ts, proven conformant by paper-conformance.test.ts).
 */
import type { Bus, Subscription } from '@trading-system/bus';
import {
  type BrokerCapabilities,
  type BrokerReconciliationSnapshot,
  type Instrument,
  type Position,
  Subjects,
} from '@trading-system/contracts';

export const AAPL: Instrument = {
  id: '265598',
  secType: 'STK',
  symbol: 'AAPL',
  localSymbol: 'AAPL',
  exchange: 'SMART',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  minTick: '0.01',
};
export const ACCOUNT = 'DU111';

/** What the fault-injection gateways announce unless a test changes it: IB's capabilities (gateway-ib's defaults). */
export const TEST_CAPABILITIES: BrokerCapabilities = {
  assetClasses: ['STK', 'CASH', 'FUT', 'OPT'],
  orderTypes: {
    MKT: ['DAY', 'GTC', 'IOC', 'FOK'],
    LMT: ['DAY', 'GTC', 'IOC', 'FOK'],
    STP: ['DAY', 'GTC'],
    'STP LMT': ['DAY', 'GTC'],
  },
  outsideRth: ['LMT', 'STP', 'STP LMT'],
  fractionalQuantity: [],
  modify: true,
  marketDataLines: 100,
};

export type PlaceBehaviour = 'ok' | 'refuse' | 'hang';

export interface FaultGateway {
  readonly calls: Array<{ verb: string; body: Record<string, unknown> }>;
  place: PlaceBehaviour;
  /** Snapshot to publish on `reconcile` (none by default). */
  snapshot:
    | ((
        reconId: string,
      ) => Omit<
        BrokerReconciliationSnapshot,
        'v' | 'eventId' | 'broker' | 'reconId' | 'part' | 'parts' | 'tsEventMs' | 'tsInitMs'
      >)
    | undefined;
  nextOrderId: number;
  /** What `status` announces (BrokerStatus.capabilities); undefined: a gateway older than capabilities. */
  capabilities: BrokerCapabilities | undefined;
  /** What `positions` answers (the broker's positions now); `'silent'`: no answer, as a gateway that hangs. */
  positions: Position[] | 'silent';
  /**
   * Old ids the gateway still qualifies, each to the instrument under its current id (gateway-alpaca keeps the
   * hashed ids of the version before as aliases of the asset UUID).
   */
  readonly aliases: Map<string, Instrument>;
  /**
   * What `mdSnapshot` answers, after `afterMs` (a broker's market-data latency); undefined: no answer (no
   * responder), as before snapshots were served here.
   */
  quote: { readonly bid: string; readonly ask: string; readonly afterMs: number } | undefined;
  placed(): Array<Record<string, unknown>>;
}

/** The fault-injection gateway of one broker: answers `broker.<broker>.cmd.*` on the bus, records what was sent. */
export function serveFaultGateway(bus: Bus, broker: string): { gateway: FaultGateway; subs: Subscription[] } {
  const gateway: FaultGateway = {
    calls: [],
    place: 'ok',
    snapshot: undefined,
    nextOrderId: 100,
    capabilities: TEST_CAPABILITIES,
    positions: [],
    aliases: new Map(),
    quote: undefined,
    placed() {
      return this.calls.filter((c) => c.verb === 'placeOrder').map((c) => c.body);
    },
  };
  const subs = [
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'status' }), () => ({
      v: 1,
      ok: true,
      status: {
        v: 1,
        broker,
        gatewayType: 'ib',
        state: 'connected',
        feeds: [],
        accounts: [ACCOUNT],
        paper: true,
        tsMs: Date.now(),
        ...(gateway.capabilities === undefined ? {} : { capabilities: gateway.capabilities }),
      },
    })),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'qualifyContract' }), (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'qualifyContract', body });
      const ref = body.instrument as { id?: string; symbol?: string };
      const alias = ref.id === undefined ? undefined : gateway.aliases.get(ref.id);
      if (alias !== undefined) return { v: 1, ok: true, instruments: [alias] };
      if (ref.id === AAPL.id || ref.symbol === 'AAPL') return { v: 1, ok: true, instruments: [AAPL] };
      return { v: 1, ok: false, code: 'CONTRACT_UNKNOWN', message: 'no such contract' };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'placeOrder' }), async (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'placeOrder', body });
      // A reply that comes too late for the OMS (which gave up at brokerTimeoutMs): the outcome is unknown to it.
      if (gateway.place === 'hang') await new Promise((r) => setTimeout(r, 2_000));
      else if (gateway.place === 'refuse')
        return { v: 1, ok: false, code: 'BROKER_DISCONNECTED', message: 'socket closed', details: { brokerCode: 504 } };
      gateway.nextOrderId += 1;
      return { v: 1, ok: true, clientOrderId: body.clientOrderId, orderId: String(gateway.nextOrderId) };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'mdSnapshot' }), async (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'mdSnapshot', body });
      const q = gateway.quote;
      if (q === undefined) return { v: 1, ok: false, code: 'MARKET_DATA_NOT_PERMITTED', message: 'no quote here' };
      await new Promise((r) => setTimeout(r, q.afterMs));
      const instrumentId = String((body.instrument as { id: string }).id);
      const now = Date.now();
      const tick = {
        v: 1,
        broker,
        instrumentId,
        bid: q.bid,
        ask: q.ask,
        tsEventMs: now,
        tsInitMs: now,
        delayed: false,
      };
      return { v: 1, ok: true, tick };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'cancelOrder' }), (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'cancelOrder', body });
      return { v: 1, ok: true, clientOrderId: body.clientOrderId, orderId: body.orderId };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'modifyOrder' }), (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'modifyOrder', body });
      return { v: 1, ok: true, clientOrderId: body.clientOrderId, orderId: body.orderId };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'positions' }), async (body: Record<string, unknown>) => {
      gateway.calls.push({ verb: 'positions', body });
      if (gateway.positions === 'silent') await new Promise((r) => setTimeout(r, 5_000));
      return { v: 1, ok: true, positions: gateway.positions === 'silent' ? [] : gateway.positions };
    }),
    bus.serve(Subjects.brokerCommand.build({ broker, verb: 'reconcile' }), async (body: { reconId: string }) => {
      gateway.calls.push({ verb: 'reconcile', body });
      // As gateway-ib: the time it asked the broker, before the snapshot is taken.
      const requestedAtMs = Date.now();
      const snap = gateway.snapshot?.(body.reconId);
      if (snap !== undefined) {
        const now = Date.now();
        const msg = {
          v: 1,
          eventId: `recon-${body.reconId}`,
          broker,
          reconId: body.reconId,
          part: 1,
          parts: 1,
          tsEventMs: now,
          tsInitMs: now,
          requestedAtMs,
          ...snap,
        };
        await bus.jetstream.publish(Subjects.brokerEvent.build({ broker, kind: 'reconciliationSnapshot' }), msg, {
          msgId: `${broker}:${msg.eventId}`,
        });
      }
      return { v: 1, ok: true, reconId: body.reconId, parts: 1 };
    }),
  ];
  return { gateway, subs };
}
