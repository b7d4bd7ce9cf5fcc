import type { OptionGreeks, Tick, Trade } from '@trading-system/contracts';
import type { IbOptionComputation } from '../ib-port.js';
import { priceOrUndefined, sizeOrUndefined } from './numbers.js';

/**
 * L1 state of one market-data line, updated in place by each IB tick callback (hot path: no allocation per
 * tick beyond the decimal string) and turned into a `Tick` message when published.
 */
export interface TickState {
  bid?: string;
  ask?: string;
  last?: string;
  bidSize?: string;
  askSize?: string;
  lastSize?: string;
  volume?: string;
  open?: string;
  high?: string;
  low?: string;
  close?: string;
  /** Broker time of the latest change, epoch ms (RTVolume / last timestamp), else receipt time. */
  tsEventMs: number;
  /** True once any delayed tick type (66..76, 80..83) arrived on the line. */
  delayed: boolean;
  /** Options: the latest computations (IB tickOptionComputation), merged. */
  greeks?: { -readonly [K in keyof OptionGreeks]: OptionGreeks[K] };
}

type PriceField = 'bid' | 'ask' | 'last' | 'open' | 'high' | 'low' | 'close';
type SizeField = 'bidSize' | 'askSize' | 'lastSize' | 'volume';

/** IB TickType → field, live (1..14) and delayed (66..76) variants. Array lookup keeps the hot path cheap. */
const PRICE_FIELDS: Array<PriceField | undefined> = [];
const SIZE_FIELDS: Array<SizeField | undefined> = [];
const DELAYED_MIN = 66;
for (const [id, f] of [
  [1, 'bid'],
  [2, 'ask'],
  [4, 'last'],
  [6, 'high'],
  [7, 'low'],
  [9, 'close'],
  [14, 'open'],
  [66, 'bid'],
  [67, 'ask'],
  [68, 'last'],
  [72, 'high'],
  [73, 'low'],
  [75, 'close'],
  [76, 'open'],
] as const)
  PRICE_FIELDS[id] = f;
for (const [id, f] of [
  [0, 'bidSize'],
  [3, 'askSize'],
  [5, 'lastSize'],
  [8, 'volume'],
  [69, 'bidSize'],
  [70, 'askSize'],
  [71, 'lastSize'],
  [74, 'volume'],
] as const)
  SIZE_FIELDS[id] = f;

const LAST_TIMESTAMP = 45;
const RT_VOLUME = 48;
const DELAYED_LAST_TIMESTAMP = 88;

export function newTickState(nowMs: number): TickState {
  return { tsEventMs: nowMs, delayed: false };
}

/** Applies a tickPrice; returns true when the state changed (a -1 "no quote" sentinel clears nothing). */
export function applyTickPrice(s: TickState, field: number, value: number, nowMs: number): boolean {
  const f = PRICE_FIELDS[field];
  if (f === undefined) return false;
  const v = priceOrUndefined(value);
  if (v === undefined || s[f] === v) return false;
  s[f] = v;
  s.tsEventMs = nowMs;
  if (field >= DELAYED_MIN) s.delayed = true;
  return true;
}

export function applyTickSize(s: TickState, field: number, value: number | undefined, nowMs: number): boolean {
  const f = SIZE_FIELDS[field];
  if (f === undefined) return false;
  const v = sizeOrUndefined(value);
  if (v === undefined || s[f] === v) return false;
  s[f] = v;
  s.tsEventMs = nowMs;
  if (field >= DELAYED_MIN) s.delayed = true;
  return true;
}

/** One RTVolume (tick 48) string, `price;size;epochMillis;totalVolume;vwap;singleTrade`, as decimal strings. */
export interface RtVolume {
  readonly price: string | undefined;
  readonly size: string | undefined;
  /** Exchange time, epoch ms; undefined when absent or not a positive number. */
  readonly tsMs: number | undefined;
  readonly volume: string | undefined;
}

export function parseRtVolume(value: string): RtVolume {
  const parts = value.split(';');
  const ms = Number(parts[2]);
  return {
    price: priceOrUndefined(parts[0] === '' ? undefined : Number(parts[0])),
    size: sizeOrUndefined(parts[1] === '' ? undefined : Number(parts[1])),
    tsMs: Number.isFinite(ms) && ms > 0 ? ms : undefined,
    volume: sizeOrUndefined(parts[3] === '' ? undefined : Number(parts[3])),
  };
}

/**
 * The exact trade an RTVolume carries, or undefined when it carries none: IB also sends RTVolume without a price
 * or with size 0 (a volume correction, an unreported trade), which change the session volume but are no trade.
 */
export function rtVolumeTrade(
  broker: string,
  instrumentId: string,
  rt: RtVolume,
  delayed: boolean,
  nowMs: number,
): Trade | undefined {
  if (rt.price === undefined || rt.size === undefined || rt.size === '0') return undefined;
  const t: Trade = {
    v: 1,
    broker,
    instrumentId,
    price: rt.price,
    size: rt.size,
    tsEventMs: Math.floor(rt.tsMs ?? nowMs),
    tsInitMs: nowMs,
    delayed,
  };
  if (rt.volume !== undefined) t.volume = rt.volume;
  return t;
}

/** True for the tickString field that carries RTVolume. */
export function isRtVolume(field: number): boolean {
  return field === RT_VOLUME;
}

/**
 * tickString: LAST_TIMESTAMP (epoch seconds) sets the event time; RT_VOLUME (see parseRtVolume) updates the quote
 * state's last, lastSize and volume at the trade's exchange time. The trade itself is published apart (Trade).
 */
export function applyTickString(s: TickState, field: number, value: string): boolean {
  if (field === LAST_TIMESTAMP || field === DELAYED_LAST_TIMESTAMP) {
    const sec = Number(value);
    if (!Number.isFinite(sec) || sec <= 0) return false;
    s.tsEventMs = sec * 1000;
    return false;
  }
  if (field !== RT_VOLUME) return false;
  return applyRtVolume(s, parseRtVolume(value));
}

export function applyRtVolume(s: TickState, rt: RtVolume): boolean {
  let changed = false;
  if (rt.price !== undefined) {
    s.last = rt.price;
    changed = true;
  }
  if (rt.size !== undefined) {
    s.lastSize = rt.size;
    changed = true;
  }
  if (rt.volume !== undefined && rt.volume !== s.volume) {
    s.volume = rt.volume;
    changed = true;
  }
  if (changed && rt.tsMs !== undefined) s.tsEventMs = rt.tsMs;
  return changed;
}

const BID_OPTION = 10;
const ASK_OPTION = 11;
const LAST_OPTION = 12;
const MODEL_OPTION = 13;
const DELAYED_OPTION_OFFSET = 70; // 80..83 are the delayed 10..13

/** A usable analytic number: IB's "not computed" values arrive as undefined, NaN or the max-double sentinel. */
function num(v: number | undefined, min = Number.NEGATIVE_INFINITY): number | undefined {
  return v !== undefined && Number.isFinite(v) && Math.abs(v) < 1e100 && v >= min ? v : undefined;
}

/**
 * tickOptionComputation: the model computation (13, delayed 83) carries IV and greeks, the bid/ask/last ones
 * (10/11/12, delayed 80-82) the implied volatility of that price. Returns true when the state changed.
 */
export function applyOptionComputation(s: TickState, c: IbOptionComputation, nowMs: number): boolean {
  const delayed = c.tickType >= 80 && c.tickType <= 83;
  const type = delayed ? c.tickType - DELAYED_OPTION_OFFSET : c.tickType;
  const g = s.greeks ?? {};
  const before = JSON.stringify(g);
  const iv = num(c.impliedVol, 0);
  if (type === MODEL_OPTION) {
    const set = <K extends keyof OptionGreeks>(k: K, v: OptionGreeks[K]): void => {
      if (v === undefined) delete g[k];
      else g[k] = v;
    };
    set('iv', iv);
    const delta = num(c.delta);
    set('delta', delta !== undefined && Math.abs(delta) <= 1.5 ? delta : undefined);
    set('gamma', num(c.gamma));
    set('vega', num(c.vega));
    set('theta', num(c.theta));
    set('modelPrice', num(c.optPrice, 0));
    set('underlyingPrice', num(c.undPrice, 0));
    set('pvDividend', num(c.pvDividend, 0));
  } else if (type === BID_OPTION || type === ASK_OPTION || type === LAST_OPTION) {
    const key = type === BID_OPTION ? 'bidIv' : type === ASK_OPTION ? 'askIv' : 'lastIv';
    if (iv === undefined) delete g[key];
    else g[key] = iv;
  } else {
    return false;
  }
  s.greeks = g;
  if (delayed) s.delayed = true;
  if (JSON.stringify(g) === before) return false;
  s.tsEventMs = nowMs;
  return true;
}

/** The contract message for the current state (absent fields stay absent). */
export function toTick(broker: string, instrumentId: string, s: TickState, tsInitMs: number): Tick {
  const t: Tick = { v: 1, broker, instrumentId, tsEventMs: Math.floor(s.tsEventMs), tsInitMs, delayed: s.delayed };
  if (s.bid !== undefined) t.bid = s.bid;
  if (s.ask !== undefined) t.ask = s.ask;
  if (s.last !== undefined) t.last = s.last;
  if (s.bidSize !== undefined) t.bidSize = s.bidSize;
  if (s.askSize !== undefined) t.askSize = s.askSize;
  if (s.lastSize !== undefined) t.lastSize = s.lastSize;
  if (s.volume !== undefined) t.volume = s.volume;
  if (s.open !== undefined) t.open = s.open;
  if (s.high !== undefined) t.high = s.high;
  if (s.low !== undefined) t.low = s.low;
  if (s.close !== undefined) t.close = s.close;
  if (s.greeks !== undefined && Object.keys(s.greeks).length > 0) t.greeks = { ...s.greeks };
  return t;
}
