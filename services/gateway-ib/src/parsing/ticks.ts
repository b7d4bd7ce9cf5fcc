import type { Tick } from '@trading-system/contracts';
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
  /** True once any delayed tick type (66..76) arrived on the line. */
  delayed: boolean;
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

/**
 * tickString: LAST_TIMESTAMP (epoch seconds) sets the event time; RT_VOLUME
 * (`price;size;epochMillis;totalVolume;vwap;singleTrade`) carries a trade with its exchange time.
 */
export function applyTickString(s: TickState, field: number, value: string): boolean {
  if (field === LAST_TIMESTAMP || field === DELAYED_LAST_TIMESTAMP) {
    const sec = Number(value);
    if (!Number.isFinite(sec) || sec <= 0) return false;
    s.tsEventMs = sec * 1000;
    return false;
  }
  if (field !== RT_VOLUME) return false;
  const parts = value.split(';');
  const price = priceOrUndefined(parts[0] === '' ? undefined : Number(parts[0]));
  const size = sizeOrUndefined(parts[1] === '' ? undefined : Number(parts[1]));
  const ms = Number(parts[2]);
  const volume = sizeOrUndefined(parts[3] === '' ? undefined : Number(parts[3]));
  let changed = false;
  if (price !== undefined) {
    s.last = price;
    changed = true;
  }
  if (size !== undefined) {
    s.lastSize = size;
    changed = true;
  }
  if (volume !== undefined && volume !== s.volume) {
    s.volume = volume;
    changed = true;
  }
  if (changed && Number.isFinite(ms) && ms > 0) s.tsEventMs = ms;
  return changed;
}

/** The contract message for the current state (absent fields stay absent). */
export function toTick(broker: string, conId: number, s: TickState, tsInitMs: number): Tick {
  const t: Tick = { v: 1, broker, conId, tsEventMs: Math.floor(s.tsEventMs), tsInitMs, delayed: s.delayed };
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
  return t;
}
