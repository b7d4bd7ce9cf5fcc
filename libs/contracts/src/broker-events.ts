import { z } from 'zod';
import { AccountValue, Position } from './account.js';
import {
  AccountId,
  BrokerName,
  ClientOrderId,
  Currency,
  EpochMs,
  EventId,
  InstrumentId,
  RecordedBrokerOrderId,
  RequestId,
  V1,
} from './common.js';
import { Decimal, Price, Quantity, SignedDecimal } from './decimal.js';
import { Instrument } from './instrument.js';
import { readingLegacyConId } from './legacy-instrument-id.js';
import { OrderSide, OrderType, TimeInForce } from './order-commands.js';

/**
 * Broker-side facts published by gateway-ib on `broker.<broker>.evt.<kind>` (JetStream stream BROKER_EVENTS,
 * `Nats-Msg-Id` = eventId so a replay after reconnect is dropped as duplicate). Consumed by orders (state machine,
 * ledger, reconciliation). These are the broker's words, converted to contract types but not interpreted: the OMS
 * decides what they mean for its orders.
 */
const brokerEventBase = {
  v: V1,
  /** Deterministic where possible (`exec-<execId>`, `status-<permId>-<n>`), so a re-sent fact dedupes. */
  eventId: EventId,
  broker: BrokerName,
  /** Broker time when the broker gives one (executions), else receipt time, epoch ms. */
  tsEventMs: EpochMs,
  /** When gateway-ib built the message, epoch ms. */
  tsInitMs: EpochMs,
};

/**
 * Identity of a broker order: the broker's ids (opaque strings, see BrokerOrderId) and our id read back from it.
 * A broker may have two ids for an order: the one its commands take (`orderId`) and a permanent one (`permId`)
 * when the first is not stable (IB: orderId is per clientId session, permId global); a broker with one id gives it
 * as `orderId` and may repeat it as `permId`. Integers from gateways before the broker-neutral contract are read
 * as their decimal strings (RecordedBrokerOrderId).
 */
const orderIdentity = {
  /**
   * The id the broker knows this order by in commands. Absent when the broker gives none (IB: 0, for completed
   * orders and orders of other API clients; an order typed into TWS has a negative one, e.g. "-5").
   */
  orderId: RecordedBrokerOrderId.optional(),
  /** The broker's permanent id, stable across sessions; absent until the broker assigned it (IB permId 0). */
  permId: RecordedBrokerOrderId.optional(),
  /** Our clientOrderId read back from IB orderRef; absent for orders not placed by us. */
  clientOrderId: ClientOrderId.optional(),
};

/**
 * An order's status as its broker reports it, in the domain's words (not any broker's): each gateway maps its
 * broker's own words to these in its parsing layer, and the OMS decides what they mean for its order (order-state.ts).
 * - `pendingSubmit`: the broker has the order but has not yet confirmed it is accepted (IB: ApiPending,
 *   PendingSubmit).
 * - `held`: accepted by the broker, not yet working at the venue: it waits for its trigger, its session or a
 *   condition (IB: PreSubmitted; a stop order before it triggers).
 * - `working`: working at the venue (IB: Submitted).
 * - `pendingCancel`: a cancel was requested and is not confirmed yet (IB: PendingCancel).
 * - `cancelled`: ended by a cancel, ours or the broker's/venue's; fills before it stand (IB: Cancelled,
 *   ApiCancelled). A broker that cannot tell a time-in-force expiry from a cancel says `cancelled`; the OMS reads a
 *   cancelled IOC/FOK as expired.
 * - `expired`: ended because its time in force ran out (for brokers that say so; IB does not).
 * - `filled`: completely filled. The OMS takes fills from executions only, never from this word.
 * - `rejected`: the broker or venue refused or deactivated the order after receiving it; no further fills (IB:
 *   Inactive). With fills already, the OMS records the rest as cancelled.
 */
export const BrokerOrderState = z.enum([
  'pendingSubmit',
  'held',
  'working',
  'pendingCancel',
  'cancelled',
  'expired',
  'filled',
  'rejected',
]);
export type BrokerOrderState = z.infer<typeof BrokerOrderState>;

/** Broker order states after which the order never changes again (no more fills, no more statuses). */
export const FINAL_BROKER_ORDER_STATES: ReadonlySet<BrokerOrderState> = new Set([
  'cancelled',
  'expired',
  'filled',
  'rejected',
]);

/** `broker.<broker>.evt.orderStatus`: the broker reports an order's status (IB: the orderStatus callback). */
export const BrokerOrderStatus = z.object({
  ...brokerEventBase,
  ...orderIdentity,
  status: BrokerOrderState,
  filled: Decimal,
  remaining: Decimal,
  avgFillPrice: Price.optional(),
  lastFillPrice: Price.optional(),
  /** Why IB holds the order (`locate`, ...), when it does. */
  whyHeld: z.string().optional(),
});
export type BrokerOrderStatus = z.infer<typeof BrokerOrderStatus>;

/** Which of our requests a broker refusal answers (BrokerOrderRejected.action). */
export const RefusedAction = z.enum(['place', 'modify', 'cancel', 'broker']);
export type RefusedAction = z.infer<typeof RefusedAction>;

/**
 * `broker.<broker>.evt.orderRejected`: the broker refused one of our requests for an order, with its code and text
 * (IB 201, 103, 110, 321 ... for a place or modify; 10147, 10148, 161 for a cancel; 202 when IB cancelled the
 * order on its own). `action` says what was refused:
 * - `place`: the new order (it is dead; a final `rejected` status may follow — or none, IB after a 321);
 * - `modify`: the modification (the order keeps working with its previous terms);
 * - `cancel`: the cancel (the order is unchanged: it may be filled already, or unknown to the broker);
 * - `broker`: not an answer to a request of ours: IB cancelled the order itself (202 with its reason, e.g. an IOC
 *   remainder or a venue's refusal after acceptance); the `cancelled` status follows.
 * Absent `action` (older gateways): `place`. A 202 confirming a cancel of ours is not published here.
 * eventId = `rej-<orderKey>-<action>-<code>-<instance>-<n>`: unique per refusal (IB never re-sends errors).
 */
export const BrokerOrderRejected = z.object({
  ...brokerEventBase,
  ...orderIdentity,
  brokerCode: z.int(),
  message: z.string().max(2048),
  action: RefusedAction.optional(),
});
export type BrokerOrderRejected = z.infer<typeof BrokerOrderRejected>;

/** An order as the broker holds it (IB openOrder): used by openOrder, externalOrder and reconciliation. */
export const BrokerOrder = z.object({
  ...orderIdentity,
  account: AccountId,
  instrument: Instrument,
  side: OrderSide,
  quantity: Quantity,
  orderType: OrderType,
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
  tif: TimeInForce,
  outsideRth: z.boolean(),
  status: BrokerOrderState,
  filled: Decimal,
  remaining: Decimal,
});
export type BrokerOrder = z.infer<typeof BrokerOrder>;

/** `broker.<broker>.evt.openOrder`: an order we placed, as the broker now holds it. */
export const BrokerOpenOrder = z.object({ ...brokerEventBase, order: BrokerOrder });
export type BrokerOpenOrder = z.infer<typeof BrokerOpenOrder>;

/**
 * `broker.<broker>.evt.externalOrder`: an order at the broker that we did not place (no known orderRef), e.g. typed
 * into TWS. The OMS records it for visibility and risk, never manages it.
 */
export const BrokerExternalOrder = z.object({ ...brokerEventBase, order: BrokerOrder });
export type BrokerExternalOrder = z.infer<typeof BrokerExternalOrder>;

/** One execution (fill) as the broker reports it. */
export const BrokerExecutionData = readingLegacyConId(
  'instrumentId',
  z.object({
    ...orderIdentity,
    /** Broker execution id; corrections carry a new execId with the same prefix (IB). */
    execId: z.string().min(1).max(64),
    account: AccountId,
    instrumentId: InstrumentId,
    /** IB BOT/SLD, converted to BUY/SELL. */
    side: OrderSide,
    quantity: Quantity,
    price: Price,
    cumQty: Quantity,
    avgPrice: Price,
    exchange: z.string().max(32),
    /** Execution time at the broker, epoch ms. */
    execTimeMs: EpochMs,
  }),
);
export type BrokerExecutionData = z.infer<typeof BrokerExecutionData>;

/** `broker.<broker>.evt.execution`: IB execDetails. `eventId` = `exec-<execId>`. */
export const BrokerExecution = z.object({ ...brokerEventBase, execution: BrokerExecutionData });
export type BrokerExecution = z.infer<typeof BrokerExecution>;

/** `broker.<broker>.evt.commissionReport`: IB commissionReport for an earlier execution. */
export const BrokerCommissionReport = z.object({
  ...brokerEventBase,
  execId: z.string().min(1).max(64),
  commission: SignedDecimal,
  currency: Currency,
  /** Absent when IB sends its "not available" sentinel. */
  realizedPnl: SignedDecimal.optional(),
});
export type BrokerCommissionReport = z.infer<typeof BrokerCommissionReport>;

/** `broker.<broker>.evt.position`: IB position update. */
export const BrokerPosition = z.object({ ...brokerEventBase, position: Position });
export type BrokerPosition = z.infer<typeof BrokerPosition>;

/** `broker.<broker>.evt.accountValue`: one IB account value update. */
export const BrokerAccountValue = z.object({ ...brokerEventBase, account: AccountId, value: AccountValue });
export type BrokerAccountValue = z.infer<typeof BrokerAccountValue>;

/**
 * `broker.<broker>.evt.reconciliationSnapshot`: the broker's full view for reconciliation (on every connect and on
 * `cmd.reconcile`), split into parts so each message stays well below 1 MB. The OMS diffs it against the ledger
 * once it has parts 1..parts of the same reconId.
 */
export const BrokerReconciliationSnapshot = z.object({
  ...brokerEventBase,
  reconId: RequestId,
  /** 1-based part number and total parts of this snapshot. */
  part: z.int().positive(),
  parts: z.int().positive(),
  /** Executions reported since this time (IB ExecutionFilter time), epoch ms. */
  executionsSinceMs: EpochMs.optional(),
  /**
   * When the gateway asked the broker, epoch ms. Every order message the same gateway instance wrote before this
   * is reflected in the snapshot (one socket, answered in order), and so is every message of an earlier instance
   * (IB accepts a new session of the same clientId only after the old socket closed). So an order whose place
   * was answered ok, or whose place request ended before this instant, and which is in neither openOrders nor
   * completedOrders (by clientOrderId), never reached the broker.
   */
  requestedAtMs: EpochMs.optional(),
  /** BrokerStatus.instanceId of the gateway instance that took the snapshot. */
  instanceId: z.string().min(1).max(64).optional(),
  /** BrokerStatus.session of the IB session the snapshot was taken on. */
  session: z.int().nonnegative().optional(),
  openOrders: z.array(BrokerOrder),
  /**
   * Orders completed today (IB reqCompletedOrders: filled, cancelled, inactive). A broker may give no orderId for
   * them (IB does not): match by clientOrderId (our orderRef) or permId.
   */
  completedOrders: z.array(BrokerOrder),
  executions: z.array(BrokerExecutionData),
  positions: z.array(Position),
});
export type BrokerReconciliationSnapshot = z.infer<typeof BrokerReconciliationSnapshot>;

export const BROKER_EVENT_SCHEMAS = {
  orderStatus: BrokerOrderStatus,
  openOrder: BrokerOpenOrder,
  execution: BrokerExecution,
  commissionReport: BrokerCommissionReport,
  position: BrokerPosition,
  accountValue: BrokerAccountValue,
  reconciliationSnapshot: BrokerReconciliationSnapshot,
  externalOrder: BrokerExternalOrder,
  orderRejected: BrokerOrderRejected,
} as const;
export type BrokerEventKind = keyof typeof BROKER_EVENT_SCHEMAS;
export const BROKER_EVENT_KINDS = Object.keys(BROKER_EVENT_SCHEMAS) as BrokerEventKind[];
