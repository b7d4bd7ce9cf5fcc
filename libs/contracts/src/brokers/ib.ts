/**
 * The connection settings of broker type `ib` (TWS / IB Gateway, or ib-sim which speaks the same protocol). Owned
 * by services/gateway-ib, which alone reads them (and guards paper against live: gateway-ib paper-guard.ts);
 * published here so every client, in any language, can build an addBroker request from the JSON Schema.
 */
import { z } from 'zod';
import type { FeedStatus, NoticeKind } from '../broker-health.js';
import { BrokerName, EpochMs, MAX_INT32 } from '../common.js';

/** How to reach one IB session. */
export const IbConnectionConfig = z.object({
  host: z.string().min(1).max(255),
  port: z.int().min(1).max(65_535),
  /** IB API clientId (0..2^31-1); must be unique per TWS and stay the same across restarts. */
  clientId: z.int().nonnegative().max(MAX_INT32),
  /** Declared paper or live; the gateway refuses to connect when the port or the session's accounts contradict it. */
  paper: z.boolean().default(true),
  /** IB market data type: live, frozen, delayed or delayed-frozen. */
  marketDataType: z.enum(['live', 'frozen', 'delayed', 'delayedFrozen']).default('live'),
  /** Outbound messages per second to IB (IB's limit is 50). */
  maxMessagesPerSecond: z.int().min(1).max(50).default(40),
  /** Concurrent market-data lines allowed by the account (IB default 100). */
  marketDataLines: z.int().min(1).max(10_000).default(100),
});
export type IbConnectionConfig = z.infer<typeof IbConnectionConfig>;

/** An `ib` connection as addBroker carries it: the settings, tagged with their broker type. */
export const IbBrokerConnection = IbConnectionConfig.extend({ type: z.literal('ib') });
export type IbBrokerConnection = z.infer<typeof IbBrokerConnection>;

/** What an `ib` connection adds to its status and info (BrokerStatus.details, BrokerInfo.details). */
export const IbBrokerDetails = z.object({
  type: z.literal('ib'),
  /** IB API clientId of the session (kept fixed across reconnects: IB ties orders to it). */
  clientId: z.int().nonnegative().max(MAX_INT32),
  /** TWS / IB Gateway server version negotiated, once connected. */
  serverVersion: z.int().optional(),
});
export type IbBrokerDetails = z.infer<typeof IbBrokerDetails>;

/**
 * `broker.<broker>.orderIds` (stream BROKER_ORDER_IDS, last value per broker), gateway-ib's own: the reserved
 * high-water mark of IB order ids. Written, and acknowledged by the stream, before any id below `highWater` is
 * handed out; a gateway starting (after a crash, a kill -9, a redeploy) hands out ids only at or above the stored
 * mark (and above IB's nextValidId). Only the gateway hosting the broker reads and writes it. The shape is the one
 * stored before the broker-neutral status (then BrokerOrderIdReservation), unchanged, so stored marks still read.
 */
export const IbOrderIdReservation = z.object({
  v: z.literal(1),
  broker: BrokerName,
  /** Every IB order id handed out so far for this broker is below this (exclusive bound). */
  highWater: z.int().positive().max(MAX_INT32),
  /** The IB clientId the ids belong to (IB order ids are per clientId). */
  clientId: z.int().nonnegative(),
  /** The gateway instance that reserved the block (BrokerStatus.instanceId). */
  instanceId: z.string().min(1).max(64),
  tsMs: EpochMs,
});
export type IbOrderIdReservation = z.infer<typeof IbOrderIdReservation>;

/**
 * Reading a status gateway-ib stored before the broker-neutral status (legacy-broker-status.ts): its IB
 * connectivity codes and farm kinds in the neutral words. Frozen: nothing writes the old shape any more.
 */
export const LEGACY_IB_NOTICE_KINDS: Readonly<Record<number, NoticeKind>> = {
  1100: 'connectivity-lost',
  2110: 'connectivity-lost',
  1101: 'restored-data-lost',
  1102: 'restored',
  502: 'unreachable',
};
export const LEGACY_IB_FEED_KINDS: Readonly<Record<string, FeedStatus['kind']>> = {
  market: 'market',
  hmds: 'history',
  secdef: 'reference',
};
