/**
 * What an IB connection announces in its BrokerStatus (`capabilities`), pure. The defaults are IB's, limited to
 * what this gateway and ib-sim prove in the conformance suite; an operator may narrow them per gateway (IB_TIFS,
 * IB_ORDER_TYPES, IB_OUTSIDE_RTH: an account without GTC permission, a desk that never sends stops), never widen.
 * The gateway refuses what it does not announce (orders.ts), so a narrowed capability holds even for a caller
 * that does not read the announcement.
 */
import {
  type BrokerCapabilities,
  type HistoryBarLimit,
  OrderType,
  type SecType,
  type TimeInForce,
  timeframeSeconds,
} from '@trading-system/contracts';
import { IB_PACING_RULES, type PacingRules } from './history-pacing.js';
import { IB_BAR_SIZES, type IbBarSize } from './parsing/bar-sizes.js';

const DAY_MS = 86_400_000;

/**
 * Longest span of one historical request per IB bar size, ms (IB "Historical Data Limitations": the longest
 * duration that returns bars of that size in one request).
 */
export const IB_MAX_SPAN_MS: Readonly<Record<IbBarSize, number>> = {
  '1 secs': 1_800_000,
  '5 secs': 3_600_000,
  '10 secs': 14_400_000,
  '15 secs': 14_400_000,
  '30 secs': 28_800_000,
  '1 min': DAY_MS,
  '2 mins': 2 * DAY_MS,
  '3 mins': 7 * DAY_MS,
  '5 mins': 7 * DAY_MS,
  '10 mins': 14 * DAY_MS,
  '15 mins': 14 * DAY_MS,
  '20 mins': 28 * DAY_MS,
  '30 mins': 28 * DAY_MS,
  '1 hour': 31 * DAY_MS,
  '2 hours': 31 * DAY_MS,
  '3 hours': 31 * DAY_MS,
  '4 hours': 31 * DAY_MS,
  '8 hours': 31 * DAY_MS,
  '1 day': 365 * DAY_MS,
  '1 week': 365 * DAY_MS,
  '1 month': 365 * DAY_MS,
};

/** IB serves bars of 30 s and less only for the last six months. */
const SMALL_BAR_SECONDS = 30;
const SMALL_BAR_LOOKBACK_MS = 183 * DAY_MS;

/**
 * Asset classes traded: stocks, forex, futures, options. Indices are quoted only; commodities (IB CMDTY) are
 * tradable at IB but ib-sim lists none, so the claim could not be proven and is not made.
 */
const IB_ASSET_CLASSES: readonly SecType[] = ['STK', 'CASH', 'FUT', 'OPT'];

/** IB takes IOC and FOK for market and limit orders only; stops rest (DAY, GTC). */
const IB_ORDER_TYPES: Readonly<Record<OrderType, readonly TimeInForce[]>> = {
  MKT: ['DAY', 'GTC', 'IOC', 'FOK'],
  LMT: ['DAY', 'GTC', 'IOC', 'FOK'],
  STP: ['DAY', 'GTC'],
  'STP LMT': ['DAY', 'GTC'],
};

/** IB's outsideRth flag has no effect on market orders (they execute in regular hours only): not taken. */
const IB_OUTSIDE_RTH: readonly OrderType[] = ['LMT', 'STP', 'STP LMT'];

/** Operator narrowing of the announcement; every field absent = IB's defaults. */
export interface CapabilitySettings {
  /** Order types taken (a subset of IB's). */
  readonly orderTypes?: readonly OrderType[];
  /** Times-in-force taken, for every order type (a subset of what IB takes for it). */
  readonly tifs?: readonly TimeInForce[];
  /** False: no order may be flagged outsideRth. */
  readonly outsideRth?: boolean;
}

export function ibCapabilities(
  marketDataLines: number,
  settings: CapabilitySettings = {},
  pacing: Pick<PacingRules, 'longMax' | 'longWindowMs' | 'maxOpen' | 'timeScale'> = IB_PACING_RULES,
): BrokerCapabilities {
  const orderTypes: Partial<Record<OrderType, TimeInForce[]>> = {};
  for (const type of OrderType.options) {
    if (settings.orderTypes !== undefined && !settings.orderTypes.includes(type)) continue;
    const tifs = IB_ORDER_TYPES[type].filter((t) => settings.tifs === undefined || settings.tifs.includes(t));
    if (tifs.length > 0) orderTypes[type] = tifs;
  }
  const outsideRth = settings.outsideRth === false ? [] : IB_OUTSIDE_RTH.filter((t) => orderTypes[t] !== undefined);
  const bars: HistoryBarLimit[] = (Object.keys(IB_BAR_SIZES) as IbBarSize[]).map((size) => {
    const timeframe = IB_BAR_SIZES[size];
    const seconds = timeframe.endsWith('mo') ? undefined : timeframeSeconds(timeframe);
    const small = seconds !== undefined && seconds <= SMALL_BAR_SECONDS;
    return {
      timeframe,
      maxSpanMs: IB_MAX_SPAN_MS[size],
      ...(small ? { maxLookbackMs: SMALL_BAR_LOOKBACK_MS } : {}),
    };
  });
  return {
    assetClasses: [...IB_ASSET_CLASSES],
    orderTypes,
    outsideRth,
    fractionalQuantity: [],
    modify: true,
    history: {
      bars,
      // The windows the gateway paces to (shrunk together with ib-sim's in tests).
      requestWindow: { max: pacing.longMax, windowMs: Math.ceil(pacing.longWindowMs / pacing.timeScale) },
      maxOpenRequests: pacing.maxOpen,
    },
    marketDataLines,
  };
}
