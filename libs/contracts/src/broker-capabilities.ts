import { z } from 'zod';
import { DurationMs } from './common.js';
import { compareDecimal, isMultipleOf } from './decimal.js';
import { SecType } from './instrument.js';
import { OrderType, TimeInForce } from './order-commands.js';
import { parseTimeframe, Timeframe } from './timeframe.js';

/**
 * What one broker connection takes and serves, announced by its gateway in every `BrokerStatus` (and in the
 * `status` reply), so that every consumer reads it from the broker instead of keeping its own per-broker rules:
 * the OMS denies an order outside it (nothing is sent), history plans its requests within `history`, the gateway
 * refuses lines beyond `marketDataLines` (market-data passes the refusal on), and the conformance suite holds the
 * gateway to it (everything claimed works, everything else is refused). A gateway enforces its own announcement too: it refuses what it does not claim.
 *
 * Broker-neutral: order types and TIFs are the domain's, asset classes are SecType values, bar sizes are domain
 * timeframes; each gateway maps them onto its broker. Absent lists mean "none" (a gateway claims explicitly).
 */
export const HistoryBarLimit = z.object({
  /** A bar size the broker serves directly (other timeframes are resampled from one of these by history). */
  timeframe: Timeframe,
  /** Longest span one request for bars of this size may cover, ms (the broker answers nothing or errors beyond). */
  maxSpanMs: DurationMs.min(1),
  /** How far back from now bars of this size exist at the broker, ms; absent: no announced limit. */
  maxLookbackMs: DurationMs.min(1).optional(),
});
export type HistoryBarLimit = z.infer<typeof HistoryBarLimit>;

export const HistoryCapabilities = z.object({
  /** Bar sizes served, smallest first. */
  bars: z.array(HistoryBarLimit).min(1),
  /**
   * Asset classes whose bars are served (each one of the connection's `assetClasses`); absent: all of them. Said
   * explicitly where a broker serves classes from different data sources (Alpaca: stocks and crypto pairs).
   */
  assetClasses: z.array(SecType).min(1).optional(),
  /**
   * Request budget: at most `max` historical requests within any `windowMs` (IB: 60 per 10 minutes). The gateway
   * paces its requests to it (they wait, they are not refused); planners use it to estimate how long a back-fill
   * takes. Absent: no announced limit.
   */
  requestWindow: z.object({ max: z.int().min(1), windowMs: DurationMs.min(1) }).optional(),
  /** Historical requests the broker allows open at once; absent: no announced limit. */
  maxOpenRequests: z.int().min(1).optional(),
});
export type HistoryCapabilities = z.infer<typeof HistoryCapabilities>;

export const BrokerCapabilities = z
  .object({
    /** Asset classes the broker trades (qualifying and quoting others, such as indices, may still work). */
    assetClasses: z.array(SecType),
    /**
     * Order types taken, each with the times-in-force taken for it: `{ "MKT": ["DAY", "IOC"], "LMT": [...] }`.
     * A type not listed, or a TIF not listed for its type, is not taken.
     */
    orderTypes: z.partialRecord(OrderType, z.array(TimeInForce).min(1)),
    /** Order types whose orders may be flagged `outsideRth` (execute outside regular trading hours); [] = none. */
    outsideRth: z.array(OrderType),
    /** Asset classes whose orders may have fractional quantities; [] = whole units only. */
    fractionalQuantity: z.array(SecType),
    /** Whether a working order can be modified (quantity, prices, TIF) instead of cancelled and placed again. */
    modify: z.boolean(),
    /** Historical bars served; absent: the broker serves no history (fetchHistory is refused). */
    history: HistoryCapabilities.optional(),
    /** Streaming market-data lines the connection may hold at once (its account's budget); 0 = no streaming. */
    marketDataLines: z.int().nonnegative(),
  })
  .meta({ description: 'What a broker connection takes and serves, announced by its gateway' });
export type BrokerCapabilities = z.infer<typeof BrokerCapabilities>;

/** The parts of an order a broker's capabilities decide on. */
export interface OrderShape {
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  readonly outsideRth: boolean;
  readonly quantity: string;
  readonly secType: SecType;
}

/** Why a broker cannot take an order: which capability (`rule`) and, for a person, what it said. */
export interface CapabilityProblem {
  readonly code: 'ORDER_TYPE_UNSUPPORTED' | 'ORDER_ASSET_CLASS_UNSUPPORTED';
  readonly rule: 'assetClass' | 'orderType' | 'tif' | 'outsideRth' | 'fractionalQuantity';
  readonly message: string;
}

/**
 * The one reading of capabilities for an order, used by the OMS (a denial) and by gateways (a refusal) alike, so
 * the two can never disagree about what a broker takes. Undefined when the broker takes the order's shape.
 */
export function orderCapabilityProblem(caps: BrokerCapabilities, o: OrderShape): CapabilityProblem | undefined {
  if (!caps.assetClasses.includes(o.secType))
    return {
      code: 'ORDER_ASSET_CLASS_UNSUPPORTED',
      rule: 'assetClass',
      message: `the broker does not trade ${o.secType} (it trades ${caps.assetClasses.join(', ') || 'nothing'})`,
    };
  const tifs = caps.orderTypes[o.orderType];
  if (tifs === undefined)
    return {
      code: 'ORDER_TYPE_UNSUPPORTED',
      rule: 'orderType',
      message: `the broker does not take ${o.orderType} orders`,
    };
  if (!tifs.includes(o.tif))
    return {
      code: 'ORDER_TYPE_UNSUPPORTED',
      rule: 'tif',
      message: `the broker takes ${o.orderType} orders only with ${tifs.join(', ')}, not ${o.tif}`,
    };
  if (o.outsideRth && !caps.outsideRth.includes(o.orderType))
    return {
      code: 'ORDER_TYPE_UNSUPPORTED',
      rule: 'outsideRth',
      message: `the broker does not execute ${o.orderType} orders outside regular trading hours`,
    };
  if (
    compareDecimal(o.quantity, '0') > 0 &&
    !isMultipleOf(o.quantity, '1') &&
    !caps.fractionalQuantity.includes(o.secType)
  )
    return {
      code: 'ORDER_TYPE_UNSUPPORTED',
      rule: 'fractionalQuantity',
      message: `the broker takes ${o.secType} orders in whole units only, not ${o.quantity}`,
    };
  return undefined;
}

/** The announced limit for bars of `timeframe`, when the broker serves that size directly. */
export function historyBarLimit(caps: BrokerCapabilities, timeframe: string): HistoryBarLimit | undefined {
  return caps.history?.bars.find((b) => b.timeframe === timeframe);
}

/**
 * Problems that make an announcement unusable although it parses: TIF lists with repeats, bar sizes out of order
 * or repeated, a bar size longer than its own max span. Empty when well-formed. The conformance suite asserts it.
 */
export function capabilityProblems(caps: BrokerCapabilities): string[] {
  const out: string[] = [];
  for (const [type, tifs] of Object.entries(caps.orderTypes))
    if (new Set(tifs).size !== tifs.length) out.push(`${type}: a TIF is listed twice`);
  for (const [name, list] of [
    ['assetClasses', caps.assetClasses],
    ['outsideRth', caps.outsideRth],
    ['fractionalQuantity', caps.fractionalQuantity],
  ] as const)
    if (new Set<string>(list).size !== list.length) out.push(`${name}: an entry is listed twice`);
  for (const t of caps.outsideRth) if (caps.orderTypes[t] === undefined) out.push(`outsideRth: ${t} is not taken`);
  const historyClasses = caps.history?.assetClasses ?? [];
  if (new Set(historyClasses).size !== historyClasses.length)
    out.push('history.assetClasses: an entry is listed twice');
  for (const c of historyClasses)
    if (!caps.assetClasses.includes(c)) out.push(`history.assetClasses: ${c} is not one of assetClasses`);
  const bars = caps.history?.bars ?? [];
  const lengthMs = (tf: string) => (parseTimeframe(tf).seconds ?? 31 * 86_400) * 1_000;
  for (const [i, b] of bars.entries()) {
    const prev = bars[i - 1];
    if (prev !== undefined && lengthMs(prev.timeframe) >= lengthMs(b.timeframe))
      out.push(`history: ${b.timeframe} is not larger than ${prev.timeframe} before it`);
    if (b.maxSpanMs < lengthMs(b.timeframe)) out.push(`history: ${b.timeframe} spans more than its maxSpanMs`);
  }
  return out;
}
