import { z } from 'zod';
import { BrokerName, DurationMs, EpochMs, InstrumentId, LeaseId, V1 } from './common.js';
import { Decimal, Price } from './decimal.js';
import { ErrorCodeSchema, okReply } from './errors.js';
import { Instrument, InstrumentRef } from './instrument.js';
import { OptionGreeks } from './options.js';
import { BarSizeSpec, Timeframe } from './timeframe.js';

/**
 * Level-1 quote state of one instrument on `md.tick.<broker>.<instrumentId>`.
 * Published by the gateways (conflated: each message is the FULL current state after a change, not a delta; a field
 * is absent while unknown). Consumed by market-data (last-quote cache, bars), orders (price collar), SDK.
 */
export const Tick = z.object({
  v: V1,
  broker: BrokerName,
  instrumentId: InstrumentId,
  bid: Price.optional(),
  ask: Price.optional(),
  last: Price.optional(),
  bidSize: Decimal.optional(),
  askSize: Decimal.optional(),
  lastSize: Decimal.optional(),
  /** Session volume so far (IB reports some in lots; gateway-ib converts to shares/contracts). */
  volume: Decimal.optional(),
  /** Today's session open, high and low. */
  open: Price.optional(),
  high: Price.optional(),
  low: Price.optional(),
  /** Previous session's close (IB tick type 9). */
  close: Price.optional(),
  /** Options only: implied volatility and greeks (see OptionGreeks). */
  greeks: OptionGreeks.optional(),
  /** Broker (or ib-sim) time of the latest change, epoch ms. */
  tsEventMs: EpochMs,
  /** When gateway-ib built this message, epoch ms (latency = tsInitMs − tsEventMs). */
  tsInitMs: EpochMs,
  /** True when the data is IB delayed data (no live subscription); never trade on it blindly. */
  delayed: z.boolean(),
});
export type Tick = z.infer<typeof Tick>;

/**
 * One exact trade of one instrument on `md.trade.<broker>.<instrumentId>`, as the broker reported it (IB: each
 * RTVolume, generic tick 233). Not conflated: one message per trade, in the broker's order. Published by a gateway
 * while it holds a `ticks` line for the instrument, beside the quote state on `md.tick.*`; a gateway that does so
 * lists this subject in its `mdSubscribe` reply (the announcement market-data reads). Consumers: market-data
 * (bars), SDK.
 */
export const Trade = z.object({
  v: V1,
  broker: BrokerName,
  instrumentId: InstrumentId,
  /** Trade price, exact decimal string. */
  price: Price,
  /** Trade size in shares / contracts / units (never lots), exact decimal string, > 0. */
  size: Decimal,
  /** Session volume after this trade, when the broker says (IB RTVolume's total volume). */
  volume: Decimal.optional(),
  /** Exchange (or broker) time of the trade, epoch ms. */
  tsEventMs: EpochMs,
  /** When the gateway built this message, epoch ms. */
  tsInitMs: EpochMs,
  /** True when the line carries delayed data. */
  delayed: z.boolean(),
});
export type Trade = z.infer<typeof Trade>;

/** The OHLCV body of one bar, shared by live bars and historical chunks. */
export const BarData = z.object({
  /** Bar open time (inclusive), epoch ms. */
  tsStartMs: EpochMs,
  /** Bar close time (exclusive) = tsStartMs + timeframe, epoch ms. */
  tsEndMs: EpochMs,
  open: Price,
  high: Price,
  low: Price,
  close: Price,
  volume: Decimal,
  /** Volume-weighted average price, when the source provides it. */
  wap: Price.optional(),
  /** Number of trades in the bar, when known. */
  count: z.int().nonnegative().optional(),
  /**
   * True when the bar was synthesised across missing data (no ticks / feed outage): OHLC carried from the previous
   * close, volume 0. Consumers computing indicators may want to skip it.
   */
  gap: z.boolean().default(false),
});
export type BarData = z.infer<typeof BarData>;

/**
 * A bar of any timeframe for one instrument.
 * `md.rtbar.<broker>.<instrumentId>`: IB 5-second real-time bars, published by gateway-ib (timeframe `5s`).
 * `md.bar.<timeframe>.<broker>.<instrumentId>`: completed bars aggregated by market-data. Consumers: strategies, SDK.
 */
export const Bar = BarData.extend({
  v: V1,
  broker: BrokerName,
  instrumentId: InstrumentId,
  timeframe: Timeframe,
  /** False for an in-progress update of the current bar; completed bars (`md.bar.*`) always have true. */
  complete: z.boolean(),
  /** When the publisher built this message, epoch ms. */
  tsInitMs: EpochMs,
});
export type Bar = z.infer<typeof Bar>;

/** What a market-data subscription delivers. */
export const MdStreamKind = z.enum(['ticks', 'rtbars']).meta({ description: 'ticks = L1 quotes, rtbars = 5-s bars' });
export type MdStreamKind = z.infer<typeof MdStreamKind>;

/**
 * `md.subscribe` (client → market-data). Opens or renews a lease: the market-data line stays open while any lease
 * on it is alive. Re-sending with the same leaseId before ttlMs elapses renews it (idempotent).
 */
export const MdSubscribeRequest = z.object({
  v: V1,
  /** Caller-chosen lease id; reuse it to renew. */
  leaseId: LeaseId,
  broker: BrokerName,
  instrument: InstrumentRef,
  /** Lease lifetime from now, ms (5 s .. 1 day); renew before it elapses, e.g. at ttlMs / 2. */
  ttlMs: z.int().min(5_000).max(86_400_000),
  /** Which live streams to open (default ticks). */
  streams: z.array(MdStreamKind).min(1).default(['ticks']),
  /**
   * Completed-bar timeframes market-data should publish on `md.bar.<timeframe>.*`, written any way a bar size is
   * ("7m", "7 mins", "15min", "1H"); the reply's subjects carry the canonical token.
   */
  timeframes: z.array(BarSizeSpec).max(16).default([]),
});
export type MdSubscribeRequest = z.infer<typeof MdSubscribeRequest>;

export const MdSubscribeReply = okReply({
  leaseId: LeaseId,
  /** The qualified instrument; its id is the subject token. */
  instrument: Instrument,
  /** Concrete subjects to subscribe to for the requested data. */
  subjects: z.array(z.string()),
  /** Lease expiry, epoch ms. */
  expiresAtMs: EpochMs,
  /** True when only delayed data is available. */
  delayed: z.boolean(),
});
export type MdSubscribeReply = z.infer<typeof MdSubscribeReply>;

/** `md.unsubscribe` (client → market-data): ends a lease now (the line closes when no lease is left). */
export const MdUnsubscribeRequest = z.object({ v: V1, leaseId: LeaseId });
export type MdUnsubscribeRequest = z.infer<typeof MdUnsubscribeRequest>;
export const MdUnsubscribeReply = okReply({
  leaseId: LeaseId,
  /** True when this was the last lease and the broker line was released. */
  lineReleased: z.boolean(),
});
export type MdUnsubscribeReply = z.infer<typeof MdUnsubscribeReply>;

/**
 * `md.snapshot` (client → market-data): latest known L1 state for many instruments at once. Instruments without
 * a live line are snapshotted from the broker (costs pacing) unless `cachedOnly`.
 */
export const MdSnapshotRequest = z.object({
  v: V1,
  broker: BrokerName,
  instruments: z.array(InstrumentRef).min(1).max(100),
  /** Answer from the cache only; missing instruments come back with an error instead of a broker round trip. */
  cachedOnly: z.boolean().default(false),
});
export type MdSnapshotRequest = z.infer<typeof MdSnapshotRequest>;

/** Feed state of one instrument's line. */
export const FeedState = z.enum(['live', 'delayed', 'stale', 'down']).meta({
  description:
    'live: ticks arriving; delayed: IB delayed data; stale: no tick for longer than expected; down: line lost (broker disconnected / farm broken)',
});
export type FeedState = z.infer<typeof FeedState>;

/** One snapshot result, in request order: the tick, or the reason there is none. */
export const MdSnapshotItem = z.union([
  z.object({
    ok: z.literal(true),
    tick: Tick,
    /** Time since market-data last received a tick for the instrument, ms (its own clock). */
    ageMs: DurationMs,
    /** Feed state of the line when answered (`stale` once no tick came for the staleness threshold). */
    state: FeedState.optional(),
    /**
     * False when the tick is not a whole quote: it lacks the bid or the ask (an index: both last and close), or,
     * for an option, its greeks. A new line's first ticks can hold only part of the broker's opening burst;
     * market-data waits for the rest until its deadline (MD_SNAPSHOT_WAIT_MS) and answers with what it has.
     * Absent from older market-data.
     */
    complete: z.boolean().optional(),
  }),
  z.object({ ok: z.literal(false), code: ErrorCodeSchema, message: z.string() }),
]);
export const MdSnapshotReply = okReply({ items: z.array(MdSnapshotItem) });
export type MdSnapshotReply = z.infer<typeof MdSnapshotReply>;

/**
 * `md.health.<broker>.<instrumentId>` (market-data → anyone; market-data is its only producer): published on every
 * state change and every 10 s while a line is open. Consumers: orders (refuse collars on stale data), dashboards.
 */
export const FeedHealth = z.object({
  v: V1,
  broker: BrokerName,
  instrumentId: InstrumentId,
  state: FeedState,
  /** Age of the latest tick at tsMs, ms; absent if none arrived yet. */
  lastTickAgeMs: DurationMs.optional(),
  /** Number of live leases on the line. */
  leases: z.int().nonnegative(),
  /** Ticks received per second, averaged over the last health interval; absent when the publisher does not count. */
  ticksPerSec: z.number().nonnegative().optional(),
  /** Publisher time, epoch ms. */
  tsMs: EpochMs,
});
export type FeedHealth = z.infer<typeof FeedHealth>;
