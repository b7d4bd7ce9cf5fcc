import type { ZodType } from 'zod';
import { ACCOUNT_EVENT_SCHEMAS } from './account.js';
import { BROKER_COMMANDS, type BrokerCommandVerb } from './broker-commands.js';
import { BROKER_EVENT_SCHEMAS } from './broker-events.js';
import { BrokerStatus } from './broker-status.js';
import { IbOrderIdReservation } from './brokers/ib.js';
import { catalogExamples } from './catalog-examples.js';
import type { CatalogEntry, MessageCatalog, SubjectKind } from './catalog-types.js';
import { HistBarsReply, HistBarsRequest, HistStreamAck, HistStreamMessage } from './history.js';
import { Bar, FeedHealth, Tick, Trade } from './market-data.js';
import { ORDER_EVENT_SCHEMAS } from './order-events.js';
import { GATEWAY_COMMANDS, REQUESTS, type RequestName } from './requests.js';
import { BROKER_EVENTS_STREAM, BROKER_ORDER_IDS_STREAM, BROKER_STATUS_STREAM, ORDERS_STREAM } from './streams.js';
import { createCatalog } from './subject-match.js';
import { type GatewayCommandVerb, Subjects } from './subjects.js';

interface Spec {
  readonly description: string;
  readonly producer: string;
  readonly consumers: string;
  readonly message?: ZodType;
  readonly request?: ZodType;
  readonly reply?: ZodType;
  readonly stream?: string;
}

/** The catalog row of a plain request/reply API: its subject and schemas from REQUESTS, the words from `spec`. */
function requestRow(name: RequestName, spec: Omit<Spec, 'request' | 'reply'>): CatalogEntry {
  const { subject, request, reply } = REQUESTS[name];
  return row('request', subject, { ...spec, request, reply });
}

/** A catalog row from a template; `fixed` replaces named params by literals (e.g. `{ kind: 'filled' }`). */
function row(
  kind: SubjectKind,
  t: { template: string; filter(p?: Record<string, string>): string },
  spec: Spec,
  fixed?: Record<string, string>,
): CatalogEntry {
  let template = t.template;
  for (const [k, v] of Object.entries(fixed ?? {})) template = template.replace(`<${k}>`, v);
  const pattern = t.filter(fixed);
  const example = catalogExamples[pattern];
  return { pattern, template, kind, ...spec, ...(example === undefined ? {} : { example }) };
}

/**
 * Producer of every broker-side subject: whichever gateway hosts the broker (gateway-ib, gateway-paper,
 * gateway-alpaca, or one added later); the contract is the same for each.
 */
const GW = 'any gateway';
const CLIENTS = 'SDK, CLI, strategies';

const brokerCommandText: Record<BrokerCommandVerb, [string, string]> = {
  placeOrder: ['orders', 'Send a new order, tagged with its clientOrderId at the broker. Reply = sent, not filled.'],
  modifyOrder: ['orders', 'Send the full modified order under its broker order id.'],
  cancelOrder: ['orders', 'Cancel one order by its broker order id.'],
  cancelAll: ['orders, operators', 'Global cancel: every open order of the connection.'],
  qualifyContract: ['orders, market-data, history, SDK', 'Resolve an instrument reference to full contract details.'],
  optionChain: ['SDK, CLI', 'Option chain of an underlying: expirations and strikes per exchange (cached).'],
  mdSubscribe: ['market-data', 'Open market-data lines for an instrument (ticks / 5-s bars).'],
  mdUnsubscribe: ['market-data', 'Close market-data lines for an instrument.'],
  mdSnapshot: ['market-data', 'One L1 snapshot from the broker for an instrument without a live line.'],
  fetchHistory: ['history', 'One paced historical-data request: bars of a timeframe over a range.'],
  historyForecast: ['history', "When the broker's pacing queue will send queued (and more) historical requests."],
  positions: ['orders, SDK', 'Positions as the broker reports them.'],
  accountSummary: ['orders, SDK', 'Account values and PnL.'],
  reconcile: ['orders', 'Publish a reconciliation snapshot on broker.<broker>.evt.reconciliationSnapshot.'],
  status: ['orders, market-data, history, SDK', 'Current connection status (same body as broker.<broker>.status).'],
};

const gatewayCommandText: Record<GatewayCommandVerb, string> = {
  addBroker: 'Open a named broker connection.',
  removeBroker: 'Close and forget a broker connection.',
  listBrokers: 'Broker connections hosted.',
};

const entries: CatalogEntry[] = [
  // Market data
  row('event', Subjects.mdTick, {
    message: Tick,
    producer: GW,
    consumers: 'market-data, orders, SDK',
    description: 'L1 quote state (full state after each change) of one instrument; instrument token = instrument id.',
  }),
  row('event', Subjects.mdTrade, {
    message: Trade,
    producer: GW,
    consumers: 'market-data, SDK',
    description:
      'Exact trades, one message per trade (not conflated), while a ticks line is open; announced by listing the subject in the mdSubscribe reply.',
  }),
  row('event', Subjects.mdRtBar, {
    message: Bar,
    producer: GW,
    consumers: 'market-data, SDK',
    description: '5-second real-time bars (timeframe 5s), from gateways whose broker streams them.',
  }),
  row('event', Subjects.mdBar, {
    message: Bar,
    producer: 'market-data',
    consumers: CLIENTS,
    description: 'Completed bars of any timeframe (canonical token: 1s, 7m, 1h, 1d, ...).',
  }),
  row('event', Subjects.mdHealth, {
    message: FeedHealth,
    producer: 'market-data',
    consumers: 'orders, dashboards, SDK',
    description: 'Feed state of one instrument line (live / delayed / stale / down), on change and every 10 s.',
  }),
  requestRow('md.subscribe', {
    producer: 'market-data',
    consumers: `${CLIENTS}, orders`,
    description: 'Open or renew a market-data lease (ttlMs); lines are ref-counted across leases.',
  }),
  requestRow('md.unsubscribe', {
    producer: 'market-data',
    consumers: CLIENTS,
    description: 'End a lease now.',
  }),
  requestRow('md.snapshot', {
    producer: 'market-data',
    consumers: CLIENTS,
    description: 'Latest L1 state of up to 100 instruments.',
  }),
  // Orders service
  requestRow('orders.submit', {
    producer: 'orders',
    consumers: CLIENTS,
    description: 'Submit an order (idempotent on clientOrderId); risk-checked, denied with RISK_*/TRADING_* codes.',
  }),
  requestRow('orders.modify', {
    producer: 'orders',
    consumers: CLIENTS,
    description: 'Modify quantity, prices or TIF of a working order.',
  }),
  requestRow('orders.cancel', {
    producer: 'orders',
    consumers: CLIENTS,
    description: 'Cancel one order (allowed even when trading is halted).',
  }),
  requestRow('orders.cancelAll', {
    producer: 'orders',
    consumers: `${CLIENTS}, operators`,
    description: 'Cancel every open order matching the filters.',
  }),
  requestRow('orders.get', {
    producer: 'orders',
    consumers: CLIENTS,
    description: 'The OMS view of one order.',
  }),
  requestRow('orders.list', {
    producer: 'orders',
    consumers: CLIENTS,
    description: 'Orders, newest first, paged.',
  }),
  requestRow('orders.positions', {
    producer: 'orders',
    consumers: CLIENTS,
    description:
      'Positions according to the OMS ledger (from fills) and their differences from a broker snapshot taken for the request.',
  }),
  requestRow('orders.tradingState', {
    producer: 'orders',
    consumers: 'operators, SDK',
    description: 'Read or set the trading mode: active / reducingOnly / halted.',
  }),
  requestRow('orders.riskLimits', {
    producer: 'orders',
    consumers: 'operators, SDK',
    description: 'Read or replace the pre-trade risk limits.',
  }),
  ...Object.entries(ORDER_EVENT_SCHEMAS).map(([kind, message]) =>
    row(
      'stream',
      Subjects.orderEvent,
      {
        message,
        stream: ORDERS_STREAM.name,
        producer: 'orders',
        consumers: 'history, SDK, dashboards',
        description: `Order event \`${kind}\` (Nats-Msg-Id = <broker>:<eventId>; per-order seq without gaps).`,
      },
      { kind },
    ),
  ),
  // Brokers
  ...Object.entries(BROKER_COMMANDS).map(([verb, { request, reply }]) => {
    const [consumers, description] = brokerCommandText[verb as BrokerCommandVerb];
    return row('request', Subjects.brokerCommand, { request, reply, producer: GW, consumers, description }, { verb });
  }),
  ...Object.entries(BROKER_EVENT_SCHEMAS).map(([kind, message]) =>
    row(
      'stream',
      Subjects.brokerEvent,
      {
        message,
        stream: BROKER_EVENTS_STREAM.name,
        producer: GW,
        consumers: 'orders',
        description: `Broker event \`${kind}\` (Nats-Msg-Id = <broker>:<eventId>).`,
      },
      { kind },
    ),
  ),
  row('event', Subjects.brokerStatus, {
    message: BrokerStatus,
    stream: BROKER_STATUS_STREAM.name,
    producer: GW,
    consumers: 'orders, market-data, history, dashboards, SDK',
    description:
      'Connection state, data feeds, last notice, broker-type details; on change and every 5 s; last value kept in BROKER_STATUS.',
  }),
  row('stream', Subjects.brokerOrderIds, {
    message: IbOrderIdReservation,
    stream: BROKER_ORDER_IDS_STREAM.name,
    producer: 'gateway-ib',
    consumers: 'gateway-ib (the same broker, after a restart)',
    description: "gateway-ib's reserved IB order id high-water mark; written before any id below it is handed out.",
  }),
  ...Object.entries(GATEWAY_COMMANDS).map(([verb, { request, reply }]) =>
    row(
      'request',
      Subjects.gatewayCommand,
      {
        request,
        reply,
        producer: 'gateway of <type>',
        consumers: 'runtime, operators',
        description: gatewayCommandText[verb as GatewayCommandVerb],
      },
      { verb },
    ),
  ),
  // Accounts
  requestRow('account.positions', {
    producer: GW,
    consumers: CLIENTS,
    description: 'Positions as the broker reports them.',
  }),
  requestRow('account.summary', {
    producer: GW,
    consumers: CLIENTS,
    description: 'Account values (net liquidation, cash, margin) and PnL.',
  }),
  ...Object.entries(ACCOUNT_EVENT_SCHEMAS).map(([kind, message]) =>
    row(
      'event',
      Subjects.accountEvent,
      { message, producer: GW, consumers: CLIENTS, description: `Account update \`${kind}\`.` },
      { kind },
    ),
  ),
  // History
  row('request', Subjects.histBars, {
    request: HistBarsRequest,
    reply: HistBarsReply,
    producer: 'history',
    consumers: CLIENTS,
    description: 'Historical bars; reply acknowledges, data streams on hist.stream.<requestId>.',
  }),
  requestRow('hist.orders', {
    producer: 'history',
    consumers: CLIENTS,
    description: 'Order audit trail, paged.',
  }),
  requestRow('hist.trades', {
    producer: 'history',
    consumers: CLIENTS,
    description: 'Fills, paged.',
  }),
  requestRow('hist.export', {
    producer: 'history',
    consumers: CLIENTS,
    description: 'CSV export of bars, orders or trades, streamed on hist.stream.<requestId>.',
  }),
  row('event', Subjects.histStream, {
    message: HistStreamMessage,
    producer: 'history',
    consumers: 'the requester',
    description: 'Chunks (bars / text), progress and the final `end` of one request; subscribe before requesting.',
  }),
  row('event', Subjects.histAck, {
    message: HistStreamAck,
    producer: 'the requester',
    consumers: 'history',
    description:
      'Chunks of a flow-controlled hist.bars stream taken so far (cumulative index); the service sends at most `window` beyond it.',
  }),
];

/** Every subject of the system with its schema(s); the bus validates every publish and receive against it. */
export const catalog: MessageCatalog = createCatalog(entries);
