import { z } from 'zod';
import { AccountSummary, Position } from './account.js';
import { BrokerStatus } from './broker-status.js';
import { AccountId, BrokerOrderId, ClientOrderId, DurationMs, EpochMs, RequestId, V1 } from './common.js';
import { OrderPrice, OrderQuantity } from './decimal.js';
import { okReply } from './errors.js';
import { Instrument, InstrumentById, InstrumentRef } from './instrument.js';
import { BarData, MdStreamKind, Tick } from './market-data.js';
import { OptionChainReply, OptionChainRequest } from './options.js';
import { OrderSide, OrderType, orderPriceProblems, TimeInForce } from './order-commands.js';
import { Timeframe } from './timeframe.js';
import { WhatToShow } from './what-to-show.js';

/**
 * Commands to one broker connection on `broker.<broker>.cmd.<verb>` (request/reply), answered by the gateway that
 * hosts the broker (gateway-ib). Callers: orders (orders), market-data (md*), history (fetchHistory), operators.
 *
 * Order commands (placeOrder, modifyOrder, cancelOrder) have three outcomes, and only three:
 * - ok: the command's message was WRITTEN to the broker's socket (not merely queued in the gateway). Whether the
 *   broker accepted it arrives as `broker.<broker>.evt.*` (openOrder / orderStatus, or orderRejected).
 * - an error reply: NOTHING was sent for this command. Retryable codes: BROKER_BUSY (the gateway's outbound queue
 *   could not send it within its budget; details.retryAfterMs), BROKER_DISCONNECTED, SERVICE_UNAVAILABLE (the
 *   order id store is unreachable). Final: BROKER_ORDER_MISMATCH (cancel/modify: the broker's order with this
 *   orderId is not this clientOrderId's, or not open), ACCOUNT_UNKNOWN, CONTRACT_UNKNOWN, ORDER_REJECTED (refused
 *   before sending, details.brokerCode), VALIDATION_FAILED.
 * - no reply before the caller's timeout: unknown; reconcile (`reconcile`) to learn whether the broker has it.
 * The gateway never holds an order message longer than its queue budget (default 2 s): callers' timeouts must be
 * longer, so that "unknown" only happens when the gateway itself died or hung.
 */

/** The order as sent to the broker: fully resolved (instrument id, account). */
const brokerOrderShape = {
  v: V1,
  /** Our id; sent as IB orderRef so every later broker event carries it back. */
  clientOrderId: ClientOrderId,
  account: AccountId,
  instrument: InstrumentById,
  side: OrderSide,
  /** At most 15 significant digits: what @stoqey/ib's double carries exactly. */
  quantity: OrderQuantity,
  orderType: OrderType,
  limitPrice: OrderPrice.optional(),
  stopPrice: OrderPrice.optional(),
  tif: TimeInForce,
  outsideRth: z.boolean(),
};
const priceCheck = (ctx: z.core.ParsePayload<Parameters<typeof orderPriceProblems>[0]>) => {
  for (const p of orderPriceProblems(ctx.value)) {
    ctx.issues.push({ code: 'custom', message: p.message, input: ctx.value, path: [p.path] });
  }
};

/**
 * `placeOrder`: send a new order. The ok reply carries the broker order id the gateway allocated (or the broker
 * chose); it comes once the
 * order is written to the broker's socket. Order ids are never reused, across gateway restarts included. A retry
 * with the same clientOrderId while the order is in flight or known to the gateway (placed by this gateway
 * instance, or reported open by the broker) answers the same orderId and sends nothing new.
 */
export const BrokerPlaceOrderRequest = z.object(brokerOrderShape).check(priceCheck);
export type BrokerPlaceOrderRequest = z.infer<typeof BrokerPlaceOrderRequest>;
export const BrokerPlaceOrderReply = okReply({ clientOrderId: ClientOrderId, orderId: BrokerOrderId });
export type BrokerPlaceOrderReply = z.infer<typeof BrokerPlaceOrderReply>;

/**
 * `modifyOrder`: the full new order is sent (IB modifies by re-sending the whole order under the same orderId).
 * Sent only when the broker's order with `orderId` carries orderRef = `clientOrderId` (else BROKER_ORDER_MISMATCH).
 */
export const BrokerModifyOrderRequest = z.object({ ...brokerOrderShape, orderId: BrokerOrderId }).check(priceCheck);
export type BrokerModifyOrderRequest = z.infer<typeof BrokerModifyOrderRequest>;
export const BrokerModifyOrderReply = okReply({ clientOrderId: ClientOrderId, orderId: BrokerOrderId });
export type BrokerModifyOrderReply = z.infer<typeof BrokerModifyOrderReply>;

/**
 * `cancelOrder`: cancel one order by its broker order id. Sent only when the broker's order with `orderId` carries
 * orderRef = `clientOrderId` (known to the gateway, or found among the broker's open orders); otherwise
 * BROKER_ORDER_MISMATCH and nothing is sent, so a cancel can never reach another order.
 */
export const BrokerCancelOrderRequest = z.object({ v: V1, clientOrderId: ClientOrderId, orderId: BrokerOrderId });
export type BrokerCancelOrderRequest = z.infer<typeof BrokerCancelOrderRequest>;
export const BrokerCancelOrderReply = okReply({ clientOrderId: ClientOrderId, orderId: BrokerOrderId });
export type BrokerCancelOrderReply = z.infer<typeof BrokerCancelOrderReply>;

/** `cancelAll`: IB global cancel (every open order of the connection, including ones placed in TWS). */
export const BrokerCancelAllRequest = z.object({ v: V1 });
export type BrokerCancelAllRequest = z.infer<typeof BrokerCancelAllRequest>;
export const BrokerCancelAllReply = okReply({});
export type BrokerCancelAllReply = z.infer<typeof BrokerCancelAllReply>;

/** `qualifyContract`: resolve an instrument reference to full contract details (IB reqContractDetails). */
export const QualifyContractRequest = z.object({
  v: V1,
  instrument: InstrumentRef,
  /** Return every match instead of failing with CONTRACT_AMBIGUOUS (at most 50). */
  allowMany: z.boolean().default(false),
});
export type QualifyContractRequest = z.infer<typeof QualifyContractRequest>;
export const QualifyContractReply = okReply({ instruments: z.array(Instrument).min(1) });
export type QualifyContractReply = z.infer<typeof QualifyContractReply>;

/**
 * `mdSubscribe`: open broker market-data lines for an instrument (market-data calls it once per line however many
 * leases it holds; a shadowing paper broker calls it too). The gateway owns the broker's lines: it ref-counts its
 * callers per instrument and stream and enforces the line budget it announces (LINE_BUDGET_EXHAUSTED). Data then
 * flows on `md.tick.*`, `md.trade.*` (when the reply lists it: exact trades) and `md.rtbar.*`.
 */
export const BrokerMdSubscribeRequest = z.object({
  v: V1,
  instrument: InstrumentById,
  streams: z.array(MdStreamKind).min(1),
  /** What 5-s real-time bars are built from (IB allows TRADES, MIDPOINT, BID, ASK). */
  rtBarsWhatToShow: z.enum(['TRADES', 'MIDPOINT', 'BID', 'ASK']).default('TRADES'),
  /** Accept delayed data when there is no live subscription (IB market data type 3). */
  allowDelayed: z.boolean().default(false),
});
export type BrokerMdSubscribeRequest = z.infer<typeof BrokerMdSubscribeRequest>;
export const BrokerMdSubscribeReply = okReply({
  /** Concrete subjects now carrying the data. */
  subjects: z.array(z.string()),
  delayed: z.boolean(),
  /**
   * The gateway instance now holding the subscription (BrokerStatus.instanceId). A status with another instanceId
   * means the subscription went with that instance: subscribe again. Optional only for older gateways.
   */
  instanceId: z.string().min(1).max(64).optional(),
});
export type BrokerMdSubscribeReply = z.infer<typeof BrokerMdSubscribeReply>;

/** `mdUnsubscribe`: close the lines for an instrument. */
export const BrokerMdUnsubscribeRequest = z.object({
  v: V1,
  instrument: InstrumentById,
  streams: z.array(MdStreamKind).min(1),
});
export type BrokerMdUnsubscribeRequest = z.infer<typeof BrokerMdUnsubscribeRequest>;
export const BrokerMdUnsubscribeReply = okReply({});
export type BrokerMdUnsubscribeReply = z.infer<typeof BrokerMdUnsubscribeReply>;

/**
 * `mdSnapshot`: one L1 snapshot from the broker (IB reqMktData snapshot), for an instrument without a live line.
 * Takes a market-data line while it runs (LINE_BUDGET_EXHAUSTED when none is free); IB answers within ~11 s.
 */
export const BrokerMdSnapshotRequest = z.object({
  v: V1,
  instrument: InstrumentById,
  /** Accept delayed data when there is no live subscription (IB market data type 3). */
  allowDelayed: z.boolean().default(false),
});
export type BrokerMdSnapshotRequest = z.infer<typeof BrokerMdSnapshotRequest>;
export const BrokerMdSnapshotReply = okReply({ tick: Tick });
export type BrokerMdSnapshotReply = z.infer<typeof BrokerMdSnapshotReply>;

/**
 * `fetchHistory`: ONE historical request, in the domain's terms: bars of `timeframe` with tsStartMs in
 * [startMs, endMs) (or in the `spanMs` before endMs). The timeframe must be one the broker announces (`capabilities.history.bars`; others are refused
 * with VALIDATION_FAILED) and the span should stay within its announced `maxSpanMs` and `maxLookbackMs`. Each gateway
 * turns it into its broker's request (gateway-ib: IB's barSizeSetting and durationStr). The history service plans,
 * paces and splits big ranges; the gateway only queues the request in its pacing governor. Replies larger than the
 * payload limit are refused with PAYLOAD_TOO_LARGE: request shorter spans.
 */
export const FetchHistoryRequest = z
  .object({
    v: V1,
    /** Correlates log lines across history and gateway. */
    requestId: RequestId,
    instrument: InstrumentById,
    /** Bar size, a canonical timeframe token the broker serves directly ("1m", "5m", "1h", "1d"). */
    timeframe: Timeframe,
    /** Start of the range, epoch ms (inclusive, by bar start); excludes `spanMs`. */
    startMs: EpochMs.optional(),
    /**
     * Length of the range back from its end, ms; excludes `startMs`. For a range ending at the broker's now when its
     * clock is not the caller's (a simulator, a replay).
     */
    spanMs: DurationMs.min(1).optional(),
    /** End of the range, epoch ms (exclusive); absent = the broker's now. Must be absent for ADJUSTED_LAST (IB). */
    endMs: EpochMs.optional(),
    whatToShow: WhatToShow,
    /** Regular trading hours only. */
    useRth: z.boolean(),
    /**
     * Give up (TIMEOUT) after this long at the broker plus waiting for anything but its pacing rules (a broker
     * connection that is down, too many requests open). Time held back by the pacing rules does not count: it is
     * bounded by the rules and `historyForecast` says how long it is.
     */
    timeoutMs: DurationMs.max(600_000).default(60_000),
  })
  .check((ctx) => {
    const r = ctx.value;
    if ((r.startMs === undefined) === (r.spanMs === undefined))
      ctx.issues.push({ code: 'custom', message: 'give exactly one of startMs or spanMs', input: r });
    if (r.startMs !== undefined && r.endMs !== undefined && r.startMs >= r.endMs)
      ctx.issues.push({ code: 'custom', message: 'startMs must be before endMs', input: r, path: ['startMs'] });
  });
export type FetchHistoryRequest = z.infer<typeof FetchHistoryRequest>;
export const FetchHistoryReply = okReply({
  requestId: RequestId,
  /**
   * Bars in time order with tsStartMs in [startMs, endMs) of the request; each bar's tsStartMs/tsEndMs are UTC
   * epoch ms (daily bars start at session open).
   */
  bars: z.array(BarData),
  /** Range the broker reported for the answer, epoch ms. */
  startMs: EpochMs,
  endMs: EpochMs,
  /** Time spent waiting in the pacing queue, ms. */
  queuedMs: DurationMs,
});
export type FetchHistoryReply = z.infer<typeof FetchHistoryReply>;

/**
 * `historyForecast`: when the broker's pacing queue will send historical requests. The queue may be shared by every
 * client of the broker's login (IB), so the answer includes everyone's requests ahead. Covers the queued `fetchHistory`
 * requests whose requestId starts with `requestIdPrefix`, and `more` requests for `instrument` not queued yet (as if
 * queued now, behind everything queued). History reports it as the ETA of a download that IB's pacing holds back.
 */
export const HistoryForecastRequest = z.object({
  v: V1,
  requestIdPrefix: z.string().min(1).max(64).optional(),
  more: z
    .object({
      instrument: InstrumentById,
      timeframe: Timeframe,
      whatToShow: WhatToShow,
      count: z.int().nonnegative().max(10_000_000),
    })
    .optional(),
});
export type HistoryForecastRequest = z.infer<typeof HistoryForecastRequest>;
export const HistoryForecastReply = okReply({
  /** The gateway's clock when it forecast; the send times below are on the same clock. */
  nowMs: EpochMs,
  /** Typical time from sending a request to IB's first answer (recent average), ms. */
  answerMs: DurationMs,
  /** Requests waiting in the queue (all clients) and open at IB. */
  queued: z.int().nonnegative(),
  open: z.int().nonnegative(),
  /** Queued requests matching `requestIdPrefix`: predicted send time (absent: not before their connection is back). */
  waiting: z.array(z.object({ requestId: RequestId, sendAtMs: EpochMs.optional() })).max(10_000),
  /** Predicted send times of the first and last of `more`. */
  more: z.object({ firstSendAtMs: EpochMs, lastSendAtMs: EpochMs }).optional(),
});
export type HistoryForecastReply = z.infer<typeof HistoryForecastReply>;

/** `positions`: current positions of the connection's accounts (IB reqPositions). */
export const BrokerPositionsRequest = z.object({ v: V1, account: AccountId.optional() });
export type BrokerPositionsRequest = z.infer<typeof BrokerPositionsRequest>;
export const BrokerPositionsReply = okReply({ positions: z.array(Position) });
export type BrokerPositionsReply = z.infer<typeof BrokerPositionsReply>;

/** `accountSummary`: account values and PnL (IB reqAccountSummary / reqPnL). */
export const BrokerAccountSummaryRequest = z.object({ v: V1, account: AccountId.optional() });
export type BrokerAccountSummaryRequest = z.infer<typeof BrokerAccountSummaryRequest>;
export const BrokerAccountSummaryReply = okReply({ accounts: z.array(AccountSummary) });
export type BrokerAccountSummaryReply = z.infer<typeof BrokerAccountSummaryReply>;

/**
 * `reconcile`: publish a reconciliation snapshot (open + completed orders, executions since, positions) on
 * `broker.<broker>.evt.reconciliationSnapshot` under the returned reconId. Also done by the gateway on every
 * (re)connect without being asked. Cheap enough to run periodically while orders are pending or unresolved.
 */
export const ReconcileRequest = z.object({
  v: V1,
  /** Caller-chosen id of the snapshot to produce. */
  reconId: RequestId,
  /** Report executions since this time, epoch ms (IB keeps about a day). */
  executionsSinceMs: EpochMs.optional(),
});
export type ReconcileRequest = z.infer<typeof ReconcileRequest>;
export const ReconcileReply = okReply({
  reconId: RequestId,
  /** Number of snapshot parts that were published. */
  parts: z.int().positive(),
  /** Same as the snapshot's requestedAtMs (absent from older gateways). */
  requestedAtMs: EpochMs.optional(),
  /** Same as the snapshot's instanceId (absent from older gateways). */
  instanceId: z.string().min(1).max(64).optional(),
});
export type ReconcileReply = z.infer<typeof ReconcileReply>;

/**
 * `status`: the connection's current BrokerStatus (same body as the last `broker.<broker>.status`), for a
 * newcomer that cannot wait for the next periodic publish or read the BROKER_STATUS stream.
 */
export const BrokerStatusRequest = z.object({ v: V1 });
export type BrokerStatusRequest = z.infer<typeof BrokerStatusRequest>;
export const BrokerStatusReply = okReply({ status: BrokerStatus });
export type BrokerStatusReply = z.infer<typeof BrokerStatusReply>;

/** Request and reply schema of every broker command verb (catalog, gateway dispatch table). */
export const BROKER_COMMANDS = {
  placeOrder: { request: BrokerPlaceOrderRequest, reply: BrokerPlaceOrderReply },
  modifyOrder: { request: BrokerModifyOrderRequest, reply: BrokerModifyOrderReply },
  cancelOrder: { request: BrokerCancelOrderRequest, reply: BrokerCancelOrderReply },
  cancelAll: { request: BrokerCancelAllRequest, reply: BrokerCancelAllReply },
  qualifyContract: { request: QualifyContractRequest, reply: QualifyContractReply },
  optionChain: { request: OptionChainRequest, reply: OptionChainReply },
  mdSubscribe: { request: BrokerMdSubscribeRequest, reply: BrokerMdSubscribeReply },
  mdUnsubscribe: { request: BrokerMdUnsubscribeRequest, reply: BrokerMdUnsubscribeReply },
  mdSnapshot: { request: BrokerMdSnapshotRequest, reply: BrokerMdSnapshotReply },
  fetchHistory: { request: FetchHistoryRequest, reply: FetchHistoryReply },
  historyForecast: { request: HistoryForecastRequest, reply: HistoryForecastReply },
  positions: { request: BrokerPositionsRequest, reply: BrokerPositionsReply },
  accountSummary: { request: BrokerAccountSummaryRequest, reply: BrokerAccountSummaryReply },
  reconcile: { request: ReconcileRequest, reply: ReconcileReply },
  status: { request: BrokerStatusRequest, reply: BrokerStatusReply },
} as const;
export type BrokerCommandVerb = keyof typeof BROKER_COMMANDS;
export const BROKER_COMMAND_VERBS = Object.keys(BROKER_COMMANDS) as BrokerCommandVerb[];
