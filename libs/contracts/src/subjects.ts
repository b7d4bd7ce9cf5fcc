import type { AccountEventKind } from './account.js';
import type { BrokerCommandVerb } from './broker-commands.js';
import type { BrokerEventKind } from './broker-events.js';
import type { OrderEventKind } from './order-events.js';
import { subjectTemplate } from './subject-template.js';

export type GatewayCommandVerb = 'addBroker' | 'removeBroker' | 'listBrokers';
export const GATEWAY_COMMAND_VERBS: readonly GatewayCommandVerb[] = ['addBroker', 'removeBroker', 'listBrokers'];

/** An instrument token: the InstrumentId. */
type Inst = { instrument: string };

/**
 * Every subject of the system. Usage:
 *   Subjects.mdTick.build({ broker: 'sim', instrument: '265598' })  → 'md.tick.sim.265598'
 *   Subjects.mdTick.filter({ broker: 'sim' })                      → 'md.tick.sim.*'
 *   Subjects.mdTick.pattern                                        → 'md.tick.*.*'
 *   Subjects.mdTick.parse('md.tick.sim.265598')                    → { broker: 'sim', instrument: '265598' }
 *   Subjects.ordersSubmit.build()                                  → 'orders.submit'
 * `build` throws SubjectTokenError (code INVALID_SUBJECT_TOKEN) on an empty token or one containing `.`, `*`, `>`
 * or whitespace.
 */
export const Subjects = {
  // Market data
  /** L1 ticks, gateway-ib → anyone (core NATS). */
  mdTick: subjectTemplate<'md.tick.<broker>.<instrument>', Inst>('md.tick.<broker>.<instrument>'),
  /** Exact trades, one message per trade, gateways → anyone (core NATS). */
  mdTrade: subjectTemplate<'md.trade.<broker>.<instrument>', Inst>('md.trade.<broker>.<instrument>'),
  /** IB 5-second real-time bars, gateway-ib → anyone (core NATS). */
  mdRtBar: subjectTemplate<'md.rtbar.<broker>.<instrument>', Inst>('md.rtbar.<broker>.<instrument>'),
  /** Completed bars of any timeframe, market-data → anyone (core NATS). */
  mdBar: subjectTemplate<'md.bar.<timeframe>.<broker>.<instrument>', Inst>('md.bar.<timeframe>.<broker>.<instrument>'),
  /** Feed health per instrument line, market-data (its only producer) → anyone. */
  mdHealth: subjectTemplate<'md.health.<broker>.<instrument>', Inst>('md.health.<broker>.<instrument>'),
  mdSubscribe: subjectTemplate('md.subscribe'),
  mdUnsubscribe: subjectTemplate('md.unsubscribe'),
  mdSnapshot: subjectTemplate('md.snapshot'),
  // Orders service
  ordersSubmit: subjectTemplate('orders.submit'),
  ordersModify: subjectTemplate('orders.modify'),
  ordersCancel: subjectTemplate('orders.cancel'),
  ordersCancelAll: subjectTemplate('orders.cancelAll'),
  ordersGet: subjectTemplate('orders.get'),
  ordersList: subjectTemplate('orders.list'),
  ordersPositions: subjectTemplate('orders.positions'),
  ordersTradingState: subjectTemplate('orders.tradingState'),
  ordersRiskLimits: subjectTemplate('orders.riskLimits'),
  /** Order events, orders → anyone (JetStream stream ORDERS). */
  orderEvent: subjectTemplate<'orders.evt.<broker>.<account>.<kind>', { kind: OrderEventKind }>(
    'orders.evt.<broker>.<account>.<kind>',
  ),
  // Brokers (gateway-ib)
  brokerCommand: subjectTemplate<'broker.<broker>.cmd.<verb>', { verb: BrokerCommandVerb }>(
    'broker.<broker>.cmd.<verb>',
  ),
  /** Broker facts, gateway → orders (JetStream stream BROKER_EVENTS). */
  brokerEvent: subjectTemplate<'broker.<broker>.evt.<kind>', { kind: BrokerEventKind }>('broker.<broker>.evt.<kind>'),
  /** Connection status, gateway → anyone (last value kept in stream BROKER_STATUS). */
  brokerStatus: subjectTemplate('broker.<broker>.status'),
  /** Reserved order-id high-water mark of a broker, its gateway → its gateway after a restart (BROKER_ORDER_IDS). */
  brokerOrderIds: subjectTemplate('broker.<broker>.orderIds'),
  gatewayCommand: subjectTemplate<'gateway.<type>.cmd.<verb>', { verb: GatewayCommandVerb }>(
    'gateway.<type>.cmd.<verb>',
  ),
  // Accounts (gateway-ib)
  accountPositions: subjectTemplate('account.<broker>.positions'),
  accountSummary: subjectTemplate('account.<broker>.summary'),
  accountEvent: subjectTemplate<'account.<broker>.evt.<kind>', { kind: AccountEventKind }>(
    'account.<broker>.evt.<kind>',
  ),
  // History
  histBars: subjectTemplate('hist.bars'),
  histOrders: subjectTemplate('hist.orders'),
  histTrades: subjectTemplate('hist.trades'),
  histExport: subjectTemplate('hist.export'),
  /** Chunks, progress and end of one streamed history request, history → the requester. */
  histStream: subjectTemplate('hist.stream.<requestId>'),
  /** Acknowledgements of a flow-controlled stream's chunks, the requester → history (HistBarsRequest.window). */
  histAck: subjectTemplate('hist.ack.<requestId>'),
} as const;

export type SubjectName = keyof typeof Subjects;
