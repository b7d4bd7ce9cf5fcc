import { z } from 'zod';
import { BrokerCapabilities } from './broker-capabilities.js';
import { BrokerNotice, FeedStatus } from './broker-health.js';
import { BrokerConnection, BrokerDetails } from './brokers/index.js';
import { AccountId, BrokerName, DurationMs, EpochMs, GatewayType, V1 } from './common.js';
import { okReply } from './errors.js';
import { currentFromPrevious, PreviousBrokerStatus } from './stored-broker-status.js';

/**
 * connected: session up, every data feed serving. degraded: session up but something is impaired (a feed broken,
 * the broker's own link lost while our session stays open, messages overdue). disconnected: no usable session.
 */
export const ConnectionState = z.enum(['connected', 'degraded', 'disconnected']);
export type ConnectionState = z.infer<typeof ConnectionState>;

/**
 * `broker.<broker>.status` (gateway → anyone): published on every change and every 5 s, and kept as the last
 * value in stream BROKER_STATUS (one message per subject), so a newcomer reads the current state at once.
 * Consumers: orders (refuse with BROKER_DISCONNECTED, reconcile on reconnect), market-data, history, dashboards,
 * SDK. The same for every broker type: what only one type knows goes in `details`, its schema in that type's file
 * (brokers/).
 */
export const CurrentBrokerStatus = z.object({
  v: V1,
  broker: BrokerName,
  /** Token of the gateway hosting the connection (`gateway.<gatewayType>.cmd.*`; its GATEWAY_TYPE, default its broker type). */
  gatewayType: GatewayType,
  state: ConnectionState,
  /** The connection's data feeds (IB: its farms as IB reports them; empty until one reported). */
  feeds: z.array(FeedStatus),
  /** The last notice about the connection (broker-health.ts); absent until one arrived. */
  notice: BrokerNotice.optional(),
  /** Age of the last message received from the broker at tsMs, ms (stale socket detection). */
  lastMessageAgeMs: DurationMs.optional(),
  /** Accounts the session manages. */
  accounts: z.array(AccountId),
  /** True for paper trading accounts. */
  paper: z.boolean(),
  /** Publisher time, epoch ms. */
  tsMs: EpochMs,
  /**
   * The broker's clock at `tsMs`, epoch ms, as the gateway last learned it (IB: reqCurrentTime, whole seconds;
   * Alpaca: its clock endpoint; paper: its quote source's clock, or its replay's), so "the last N days" and "now"
   * are counted on the broker's time, not the reader's: a reader's broker now is `brokerTimeMs + (its now − tsMs)`.
   * Absent until the gateway learned it (before the first session) and from gateways older than this field: then
   * readers count from their own clock.
   */
  brokerTimeMs: EpochMs.optional(),
  /**
   * Identity of the gateway instance hosting the connection: new on every gateway start (process start, or the
   * broker added again), never reused. A change means the previous instance is gone with whatever it held in
   * memory (queued commands it had not written to the broker): reconcile then. Optional only for gateways older
   * than this field; every gateway sets it.
   */
  instanceId: z.string().min(1).max(64).optional(),
  /**
   * Broker sessions this instance has opened so far (1 after the first connect, +1 per reconnect); 0 before the
   * first. With instanceId it names one broker session: `<instanceId>/<session>`.
   */
  session: z.int().nonnegative().optional(),
  /**
   * What the broker takes and serves (broker-capabilities.ts), in every status so a newcomer learns it with the
   * connection state. The OMS validates orders against it and denies every order while it is absent
   * (BROKER_CAPABILITIES_UNKNOWN); optional only for gateways older than this field, every gateway sets it.
   */
  capabilities: BrokerCapabilities.optional(),
  /** What only this broker type says about the connection (brokers/<type>.ts), tagged with the broker type. */
  details: BrokerDetails.optional(),
});

/**
 * What readers parse: the current shape, or the previous version's (stored-broker-status.ts) given in the current
 * one, so a status a not-yet-upgraded gateway publishes, or one kept in BROKER_STATUS from before, reads the same.
 * Gateways write CurrentBrokerStatus (the conformance suite holds them to it).
 */
export const BrokerStatus = z.union([
  CurrentBrokerStatus,
  PreviousBrokerStatus.transform((p): z.output<typeof CurrentBrokerStatus> => currentFromPrevious(p)),
]);
export type BrokerStatus = z.output<typeof BrokerStatus>;

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

/** A connection's address as shown to people: no user info (`user:password@`) in it, whatever the scheme. */
const Endpoint = z
  .string()
  .min(1)
  .max(512)
  .refine((e) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(e), 'an endpoint carries no user info (credentials)');

/** What a gateway says about one broker connection it hosts. */
export const BrokerInfo = z.object({
  name: BrokerName,
  gatewayType: GatewayType,
  /**
   * Where the connection points, for people (IB `host:port`, Alpaca its trading URL, paper its quote source). Never
   * a secret: no keys, no passwords, no user info in a URL.
   */
  endpoint: Endpoint,
  paper: z.boolean(),
  state: ConnectionState,
  accounts: z.array(AccountId),
  /** The connection's announced capabilities (as in its BrokerStatus). */
  capabilities: BrokerCapabilities.optional(),
  /** What only this broker type says about the connection (as in its BrokerStatus). */
  details: BrokerDetails.optional(),
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
export const ListBrokersReply = okReply({
  brokers: z.array(BrokerInfo),
  /**
   * The broker type the answering gateway hosts (brokers/: `ib`, `paper`, `alpaca`): how a client learns which type
   * a gateway token serves (an operator may run a gateway under any GATEWAY_TYPE). Absent from older gateways.
   */
  brokerType: z.string().min(1).max(64).optional(),
});
export type ListBrokersReply = z.infer<typeof ListBrokersReply>;

/**
 * The broker's clock now, by a status it published: its `brokerTimeMs` carried forward by the time passed since
 * (`nowMs − tsMs`, on the reader's clock, which is taken to agree with the gateway's). Undefined when the status
 * carries no broker time (an older gateway, or none learned yet): the reader then counts from its own clock.
 */
export function brokerNowMs(
  status: { readonly tsMs: number; readonly brokerTimeMs?: number | undefined },
  nowMs: number,
): number | undefined {
  return status.brokerTimeMs === undefined ? undefined : status.brokerTimeMs + Math.max(0, nowMs - status.tsMs);
}
