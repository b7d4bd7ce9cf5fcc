/**
 * Historical bars from the deterministic market: timeframes as Alpaca spells them, bucket edges as Alpaca sets
 * them (minute and hour bars on UTC multiples, day bars at New York midnight), stock bars only where the regular
 * session traded, and lazy enumeration so a page of 1,000 one-minute bars never computes the rest of the year.
 */
import type { Asset } from './assets.js';
import { nyDay, nyWallToMs, sessionOf } from './calendar.js';
import { unit } from './hash.js';
import { type MarketModel, roundTo } from './prices.js';

export type TimeframeUnit = 'Min' | 'Hour' | 'Day';

export interface Timeframe {
  readonly amount: number;
  readonly unit: TimeframeUnit;
}

export class TimeframeError extends Error {
  override readonly name = 'TimeframeError';
}

/** `1Min`, `5T`, `1Hour`, `2H`, `1Day`, `1D`. Weeks and months are not simulated (TimeframeError). */
export function parseTimeframe(text: string): Timeframe {
  const m = /^(\d+)(Min|T|Hour|H|Day|D|Week|W|Month|M)$/.exec(text);
  if (!m) throw new TimeframeError('invalid timeframe');
  const amount = Number(m[1]);
  const u = m[2];
  if (u === 'Min' || u === 'T') {
    if (amount < 1 || amount > 59) throw new TimeframeError('invalid timeframe');
    return { amount, unit: 'Min' };
  }
  if (u === 'Hour' || u === 'H') {
    if (amount < 1 || amount > 23) throw new TimeframeError('invalid timeframe');
    return { amount, unit: 'Hour' };
  }
  if ((u === 'Day' || u === 'D') && amount === 1) return { amount, unit: 'Day' };
  throw new TimeframeError(`timeframe ${text} is not supported by alpaca-sim (minutes, hours and 1Day are)`);
}

export interface Bar {
  readonly tMs: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
  readonly n: number;
  readonly vw: number;
}

interface Bucket {
  readonly startMs: number;
  readonly endMs: number;
}

function fixedMs(tf: Timeframe): number {
  return tf.unit === 'Min' ? tf.amount * 60_000 : tf.amount * 3_600_000;
}

function bucketAt(tf: Timeframe, tMs: number): Bucket {
  if (tf.unit === 'Day') {
    const day = nyDay(tMs);
    return { startMs: nyWallToMs(day, 0), endMs: nyWallToMs(day + 1, 0) };
  }
  const d = fixedMs(tf);
  const start = Math.floor(tMs / d) * d;
  return { startMs: start, endMs: start + d };
}

/** The part of a bucket in which the asset traded (stocks: the regular session), or undefined. */
function tradedPart(asset: Asset, b: Bucket): Bucket | undefined {
  if (asset.class === 'crypto') return b;
  for (let day = nyDay(b.startMs); day <= nyDay(b.endMs - 1); day++) {
    const s = sessionOf(day);
    if (!s) continue;
    const start = Math.max(b.startMs, s.openMs);
    const end = Math.min(b.endMs, s.closeMs);
    if (start < end) return { startMs: start, endMs: end };
  }
  return undefined;
}

const SAMPLES_PER_BAR = 60;

/** One bar over [startMs, min(endMs, nowMs)); undefined when nothing traded in it. */
export function barOf(
  model: MarketModel,
  asset: Asset,
  tf: Timeframe,
  startMs: number,
  nowMs: number,
): Bar | undefined {
  const bucket = bucketAt(tf, startMs);
  const part = tradedPart(asset, { startMs: bucket.startMs, endMs: Math.min(bucket.endMs, nowMs) });
  if (!part) return undefined;
  const step = Math.max(1_000, Math.floor((part.endMs - part.startMs) / SAMPLES_PER_BAR / 1_000) * 1_000);
  let o: number | undefined;
  let h = Number.NEGATIVE_INFINITY;
  let l = Number.POSITIVE_INFINITY;
  let c = 0;
  let volume = 0;
  let notional = 0;
  let count = 0;
  for (let s = Math.floor(part.startMs / 1_000) * 1_000; s < part.endMs; s += step) {
    const trade = model.tradeInSecond(asset, s);
    if (!trade || trade.tMs < part.startMs || trade.tMs >= part.endMs) continue;
    o ??= trade.price;
    h = Math.max(h, trade.price);
    l = Math.min(l, trade.price);
    c = trade.price;
    // A sampled trade stands for the `step / 1 s` trades around it.
    const weight = step / 1_000;
    volume += trade.size * weight;
    notional += trade.price * trade.size * weight;
    count += weight;
  }
  if (o === undefined) return undefined;
  const v = asset.class === 'crypto' ? roundTo(volume, 1e-4) : Math.round(volume);
  const n = Math.max(1, Math.round(count * (0.5 + unit(model.seed, asset.conId, bucket.startMs / 1_000, 8))));
  return { tMs: bucket.startMs, o, h, l, c, v, n, vw: roundTo(notional / volume, 1e-6) };
}

/** Bucket starts within [startMs, endMs] in `direction`, skipping stock buckets where the market was shut. */
export function* bucketStarts(
  asset: Asset,
  tf: Timeframe,
  startMs: number,
  endMs: number,
  direction: 'asc' | 'desc',
): Generator<number> {
  if (direction === 'asc') {
    let t = bucketAt(tf, startMs).startMs;
    if (t < startMs) t = bucketAt(tf, startMs).endMs;
    while (t <= endMs) {
      const b = bucketAt(tf, t);
      if (tradedPart(asset, b)) yield b.startMs;
      t = nextTradingBucket(asset, tf, b.endMs);
    }
    return;
  }
  let t = bucketAt(tf, endMs).startMs;
  while (t >= startMs) {
    const b = bucketAt(tf, t);
    if (tradedPart(asset, b)) yield b.startMs;
    t = previousTradingBucket(asset, tf, b.startMs - 1);
  }
}

/** The first bucket at or after tMs that can hold stock trades (jumps over nights and weekends). */
function nextTradingBucket(asset: Asset, tf: Timeframe, tMs: number): number {
  if (asset.class === 'crypto' || tf.unit === 'Day') return bucketAt(tf, tMs).startMs;
  for (let day = nyDay(tMs); ; day++) {
    const s = sessionOf(day);
    if (!s || tMs >= s.closeMs) continue;
    return bucketAt(tf, Math.max(tMs, s.openMs)).startMs;
  }
}

function previousTradingBucket(asset: Asset, tf: Timeframe, tMs: number): number {
  if (asset.class === 'crypto' || tf.unit === 'Day') return bucketAt(tf, tMs).startMs;
  for (let day = nyDay(tMs); day > 0; day--) {
    const s = sessionOf(day);
    if (!s || tMs < s.openMs) continue;
    return bucketAt(tf, Math.min(tMs, s.closeMs - 1)).startMs;
  }
  return Number.NEGATIVE_INFINITY;
}
