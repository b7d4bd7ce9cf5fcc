import type { z } from 'zod';
import {
  AccountPositionsReply,
  AccountPositionsRequest,
  AccountSummaryReply,
  AccountSummaryRequest,
} from './account.js';
import type { BROKER_COMMANDS, BrokerCommandVerb } from './broker-commands.js';
import {
  AddBrokerReply,
  AddBrokerRequest,
  ListBrokersReply,
  ListBrokersRequest,
  RemoveBrokerReply,
  RemoveBrokerRequest,
} from './broker-status.js';
import {
  HistExportReply,
  HistExportRequest,
  HistOrdersReply,
  HistOrdersRequest,
  HistTradesReply,
  HistTradesRequest,
} from './history.js';
import {
  MdSnapshotReply,
  MdSnapshotRequest,
  MdSubscribeReply,
  MdSubscribeRequest,
  MdUnsubscribeReply,
  MdUnsubscribeRequest,
} from './market-data.js';
import { CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder } from './order-commands.js';
import {
  CancelAllOrdersReply,
  GetOrderReply,
  GetOrderRequest,
  ListOrdersReply,
  ListOrdersRequest,
  OrderCommandReply,
  OrdersPositionsReply,
  OrdersPositionsRequest,
  RiskLimitsReply,
  RiskLimitsRequest,
  TradingStateReply,
  TradingStateRequest,
} from './orders-service.js';
import { Subjects } from './subjects.js';

/**
 * Every request/reply API of the bus by name, with its subject and its request and reply schemas — what the typed
 * clients (libs/clients) are built from, so the reply type of a call follows from the name a caller gives and no
 * caller chooses a generic. The catalog builds its request rows from it (and from GATEWAY_COMMANDS), so each pair of
 * schemas is written once.
 *
 * Streamed replies (`hist.bars`, and `hist.export`'s chunks) are not plain request/reply: their client reassembles
 * the chunks (libs/clients history.ts). Broker commands (`broker.<broker>.cmd.<verb>`) are typed by BROKER_COMMANDS
 * and the gateway's commands (`gateway.<type>.cmd.<verb>`) by GATEWAY_COMMANDS below.
 */
export const REQUESTS = {
  'md.subscribe': { subject: Subjects.mdSubscribe, request: MdSubscribeRequest, reply: MdSubscribeReply },
  'md.unsubscribe': { subject: Subjects.mdUnsubscribe, request: MdUnsubscribeRequest, reply: MdUnsubscribeReply },
  'md.snapshot': { subject: Subjects.mdSnapshot, request: MdSnapshotRequest, reply: MdSnapshotReply },
  'orders.submit': { subject: Subjects.ordersSubmit, request: SubmitOrder, reply: OrderCommandReply },
  'orders.modify': { subject: Subjects.ordersModify, request: ModifyOrder, reply: OrderCommandReply },
  'orders.cancel': { subject: Subjects.ordersCancel, request: CancelOrder, reply: OrderCommandReply },
  'orders.cancelAll': { subject: Subjects.ordersCancelAll, request: CancelAllOrders, reply: CancelAllOrdersReply },
  'orders.get': { subject: Subjects.ordersGet, request: GetOrderRequest, reply: GetOrderReply },
  'orders.list': { subject: Subjects.ordersList, request: ListOrdersRequest, reply: ListOrdersReply },
  'orders.positions': {
    subject: Subjects.ordersPositions,
    request: OrdersPositionsRequest,
    reply: OrdersPositionsReply,
  },
  'orders.tradingState': {
    subject: Subjects.ordersTradingState,
    request: TradingStateRequest,
    reply: TradingStateReply,
  },
  'orders.riskLimits': { subject: Subjects.ordersRiskLimits, request: RiskLimitsRequest, reply: RiskLimitsReply },
  'account.positions': {
    subject: Subjects.accountPositions,
    request: AccountPositionsRequest,
    reply: AccountPositionsReply,
  },
  'account.summary': { subject: Subjects.accountSummary, request: AccountSummaryRequest, reply: AccountSummaryReply },
  'hist.orders': { subject: Subjects.histOrders, request: HistOrdersRequest, reply: HistOrdersReply },
  'hist.trades': { subject: Subjects.histTrades, request: HistTradesRequest, reply: HistTradesReply },
  'hist.export': { subject: Subjects.histExport, request: HistExportRequest, reply: HistExportReply },
} as const;

/** The commands a gateway process answers on `gateway.<type>.cmd.<verb>`. */
export const GATEWAY_COMMANDS = {
  addBroker: { request: AddBrokerRequest, reply: AddBrokerReply },
  removeBroker: { request: RemoveBrokerRequest, reply: RemoveBrokerReply },
  listBrokers: { request: ListBrokersRequest, reply: ListBrokersReply },
} as const;

export type RequestName = keyof typeof REQUESTS;
/** The body a caller gives for a request (zod input: defaults may be left out). */
export type RequestBody<N extends RequestName> = z.input<(typeof REQUESTS)[N]['request']>;
/** The successful reply of a request (`ok: true`); an error reply is thrown as a ContractError by the clients. */
export type OkReplyOf<N extends RequestName> = Extract<z.output<(typeof REQUESTS)[N]['reply']>, { ok: true }>;
/** The subject parameters of a request (`{ broker }` for `account.positions`, nothing for `orders.submit`). */
export type RequestParams<N extends RequestName> = Parameters<(typeof REQUESTS)[N]['subject']['build']>;

export type BrokerCommandBody<V extends BrokerCommandVerb> = z.input<(typeof BROKER_COMMANDS)[V]['request']>;
export type BrokerCommandOk<V extends BrokerCommandVerb> = Extract<
  z.output<(typeof BROKER_COMMANDS)[V]['reply']>,
  { ok: true }
>;

export type GatewayCommandName = keyof typeof GATEWAY_COMMANDS;
export type GatewayCommandBody<V extends GatewayCommandName> = z.input<(typeof GATEWAY_COMMANDS)[V]['request']>;
export type GatewayCommandOk<V extends GatewayCommandName> = Extract<
  z.output<(typeof GATEWAY_COMMANDS)[V]['reply']>,
  { ok: true }
>;
