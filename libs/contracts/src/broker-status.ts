import { z } from 'zod';
import { BrokerCapabilities } from './broker-capabilities.js';
import { BrokerConnection } from './brokers/index.js';
import { AccountId, BrokerName, DurationMs, EpochMs, GatewayType, V1 } from './common.js';
import { okReply } from './errors.js';

/**
 * connected: API session up, all farms OK. degraded: session up but something is impaired (a data farm broken,
 * IB 1100 connectivity lost while the socket stays open, messages overdue). disconnected: no usable session.
 */
export const ConnectionState = z.enum(['connected', 'degraded', 'disconnected']);
export type ConnectionState = z.infer<typeof ConnectionState>;

/** One IB data farm (from codes 2103/2104/2105/2106/2107/2108/2157/2158). */
export const FarmStatus = z.object({
  /** Farm name as IB reports it (`usfarm`, `ushmds`, `secdefnj`). */
  name: z.string().min(1).max(64),
  kind: z
    .enum(['market', 'hmds', 'secdef'])
    .meta({ description: 'market data, historical data, security definitions' }),
  state: z.enum(['ok', 'broken', 'inactive']),
  /** When the farm last changed state, epoch ms. */
  sinceMs: EpochMs,
});
export type FarmStatus = z.infer<typeof FarmStatus>;

/**
 * `broker.<broker>.status` (gateway-ib → anyone): published on every change and every 5 s, and kept as the last
 * value in stream BROKER_STATUS (one message per subject), so a newcomer reads the current state at once.
 * Consumers: orders (refuse with BROKER_DISCONNECTED, reconcile on reconnect), market-data, dashboards.
 */
export const BrokerStatus = z.object({
  v: V1,
  broker: BrokerName,
  /** Gateway type hosting the connection (`ib`). */
  gatewayType: GatewayType,
  state: ConnectionState,
  /**
   * Latest connectivity code from IB: 1100 connectivity lost, 1101 restored with data lost (resubscribe),
   * 1102 restored with data kept, 2110 TWS↔server connectivity broken. Absent until one arrived.
   */
  lastCode: z.int().optional(),
  lastCodeMessage: z.string().optional(),
  /** When lastCode arrived, epoch ms. */
  lastCodeAtMs: EpochMs.optional(),
  farms: z.array(FarmStatus),
  /** Age of the last message received from IB at tsMs, ms (stale socket detection). */
  lastMessageAgeMs: DurationMs.optional(),
  /** IB API clientId of the session (kept fixed across reconnects: IB ties orders to it). */
  clientId: z.int().nonnegative(),
  /** TWS / IB Gateway server version negotiated, once connected. */
  serverVersion: z.int().optional(),
  /** Accounts the session manages (IB managedAccounts). */
  accounts: z.array(AccountId),
  /** True for paper trading accounts. */
  paper: z.boolean(),
  /** Publisher time, epoch ms. */
  tsMs: EpochMs,
  /**
   * Identity of the gateway instance hosting the connection: new on every gateway start (process start, or the
   * broker added again), never reused. A change means the previous instance is gone with whatever it held in
   * memory (queued commands it had not written to the broker): reconcile then. Optional only for gateways older
   * than this field; gateway-ib always sets it.
   */
  instanceId: z.string().min(1).max(64).optional(),
  /**
   * IB sessions this instance has opened so far (1 after the first connect, +1 per reconnect); 0 before the first.
   * With instanceId it names one broker session: `<instanceId>/<session>`.
   */
  session: z.int().nonnegative().optional(),
  /**
   * What the broker takes and serves (broker-capabilities.ts), in every status so a newcomer learns it with the
   * connection state. The OMS validates orders against it and denies every order while it is absent
   * (BROKER_CAPABILITIES_UNKNOWN); optional only for gateways older than this field, gateway-ib always sets it.
   */
  capabilities: BrokerCapabilities.optional(),
});
export type BrokerStatus = z.infer<typeof BrokerStatus>;

/**
 * `broker.<broker>.orderIds` (stream BROKER_ORDER_IDS, last value per broker): the gateway's reserved high-water
 * mark of broker order ids. Written, and acknowledged by the stream, before any id below `highWater` is handed
 * out; a gateway starting (after a crash, a kill -9, a redeploy) hands out ids only at or above the stored mark
 * (and above the broker's nextValidId). Only the gateway hosting the broker reads and writes it.
 */
export const BrokerOrderIdReservation = z.object({
  v: V1,
  broker: BrokerName,
  /** Every broker order id handed out so far for this broker is below this (exclusive bound). */
  highWater: z.int().positive().max(2_147_483_647),
  /** The IB clientId the ids belong to (IB order ids are per clientId). */
  clientId: z.int().nonnegative(),
  /** The gateway instance that reserved the block (BrokerStatus.instanceId). */
  instanceId: z.string().min(1).max(64),
  tsMs: EpochMs,
});
export type BrokerOrderIdReservation = z.infer<typeof BrokerOrderIdReservation>;

/**
 * `gateway.<type>.cmd.addBroker` (operator / runtime → gateway of that type): open a named broker connection.
 * `connection.type` says which broker type's settings follow (brokers/); a gateway refuses a type it does not host.
 */
export const AddBrokerRequest = z.object({
  v: V1,
  name: BrokerName,
  connection: BrokerConnection,
});
export type AddBrokerRequest = z.infer<typeof AddBrokerRequest>;

/** What a gateway says about one broker connection it hosts. */
export const BrokerInfo = z.object({
  name: BrokerName,
  gatewayType: GatewayType,
  host: z.string(),
  port: z.int(),
  clientId: z.int(),
  paper: z.boolean(),
  state: ConnectionState,
  accounts: z.array(AccountId),
  /** The connection's announced capabilities (as in its BrokerStatus). */
  capabilities: BrokerCapabilities.optional(),
});
export type BrokerInfo = z.infer<typeof BrokerInfo>;

export const AddBrokerReply = okReply({ broker: BrokerInfo });
export type AddBrokerReply = z.infer<typeof AddBrokerReply>;

/** `gateway.<type>.cmd.removeBroker`: close and forget a broker connection (open orders stay at the broker). */
export const RemoveBrokerRequest = z.object({ v: V1, name: BrokerName });
export type RemoveBrokerRequest = z.infer<typeof RemoveBrokerRequest>;
export const RemoveBrokerReply = okReply({ name: BrokerName });
export type RemoveBrokerReply = z.infer<typeof RemoveBrokerReply>;

/** `gateway.<type>.cmd.listBrokers`: the connections hosted by the gateway(s) of that type. */
export const ListBrokersRequest = z.object({ v: V1 });
export type ListBrokersRequest = z.infer<typeof ListBrokersRequest>;
export const ListBrokersReply = okReply({ brokers: z.array(BrokerInfo) });
export type ListBrokersReply = z.infer<typeof ListBrokersReply>;
