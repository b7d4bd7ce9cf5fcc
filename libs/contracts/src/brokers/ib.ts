/**
 * The connection settings of broker type `ib` (TWS / IB Gateway, or ib-sim which speaks the same protocol). Owned
 * by services/gateway-ib, which alone reads them (and guards paper against live: gateway-ib paper-guard.ts);
 * published here so every client, in any language, can build an addBroker request from the JSON Schema.
 */
import { z } from 'zod';
import { MAX_INT32 } from '../common.js';

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
