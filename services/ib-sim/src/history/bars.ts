/**
 * Historical bars: pure functions of (instrument, window, bar size, whatToShow, useRTH). Intraday bars sit on
 * a grid aligned to local midnight in the instrument's time zone and are clipped to sessions (so a US stock's
 * first 1-hour RTH bar is 09:30–10:00); daily bars are one per session, weekly/monthly group daily bars.
 * Volatility bars (HISTORICAL_VOLATILITY, OPTION_IMPLIED_VOLATILITY) sample the series of volatility.ts the way
 * price bars sample prices, unrounded, with volume, WAP and count -1 as for MIDPOINT.
 */

import { dayNumberToDate, fromWall, toWall } from '@trading-system/contracts';
import type { Instrument } from '../instruments/instrument.js';
import type { Session } from '../instruments/trading-hours.js';
import type { QuoteSource } from '../market/quote-source.js';
import { roundToTick } from '../market/quote-source.js';
import type { BarSeries, ReplayBar } from '../market/replay.js';
import { floorIndex } from '../market/replay.js';
import type { BarSize, Duration, WhatToShow } from './bar-size.js';
import { type VolatilityKind, volatilityAt } from './volatility.js';

export interface Bar {
  readonly startMs: number;
  /** Trade date `yyyyMMdd` for daily and longer bars. */
  readonly tradeDate: string | undefined;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** -1 when the data type has no volume (MIDPOINT/BID/ASK/BID_ASK). */
  readonly volume: number;
  readonly wap: number;
  readonly count: number;
}

export interface BarQuery {
  readonly instrument: Instrument;
  readonly endMs: number;
  readonly duration: Duration;
  readonly barSize: BarSize;
  readonly whatToShow: WhatToShow;
  readonly useRth: boolean;
}

/** Start of the request window. D counts sessions back from the end, W/M/Y are calendar spans. */
export function windowStart(q: Pick<BarQuery, 'instrument' | 'endMs' | 'duration' | 'useRth'>): number {
  const { duration, endMs, instrument } = q;
  switch (duration.unit) {
    case 'S':
      return endMs - duration.count * 1000;
    case 'D': {
      let session = instrument.schedule.lastSessionAtOrBefore(endMs - 1, !q.useRth);
      for (let i = 1; i < duration.count; i++)
        session = instrument.schedule.lastSessionAtOrBefore(session.startMs - 1, !q.useRth);
      return session.startMs;
    }
    case 'W':
      return endMs - duration.count * 7 * 86_400_000;
    case 'M': {
      const d = new Date(endMs);
      d.setUTCMonth(d.getUTCMonth() - duration.count);
      return d.getTime();
    }
    case 'Y': {
      const d = new Date(endMs);
      d.setUTCFullYear(d.getUTCFullYear() - duration.count);
      return d.getTime();
    }
  }
}

type Side = 'trade' | 'mid' | 'bid' | 'ask' | VolatilityKind;

function sideOf(what: WhatToShow): Side {
  if (what === 'TRADES' || what === 'ADJUSTED_LAST') return 'trade';
  if (what === 'BID') return 'bid';
  if (what === 'ASK') return 'ask';
  if (what === 'HISTORICAL_VOLATILITY' || what === 'OPTION_IMPLIED_VOLATILITY') return what;
  return 'mid';
}

const isVolatility = (side: Side): side is VolatilityKind =>
  side === 'HISTORICAL_VOLATILITY' || side === 'OPTION_IMPLIED_VOLATILITY';

/** Price (or volatility) of one side at exactly tMs. */
function priceAt(source: QuoteSource, instrument: Instrument, tMs: number, side: Side): number {
  if (isVolatility(side)) return volatilityAt(source, instrument, side, tMs);
  if (side === 'trade') {
    return instrument.hasTrades ? source.tradePriceAt(instrument, tMs) : source.midAt(instrument, tMs);
  }
  const { bid, ask } = source.bidAskAt(instrument, tMs);
  if (side === 'bid') return bid;
  if (side === 'ask') return ask;
  return roundToTick((bid + ask) / 2, instrument.minTick / 2);
}

function sampleStep(seconds: number): number {
  if (seconds <= 60) return 1_000;
  if (seconds <= 3_600) return Math.max(1_000, (seconds * 1000) / 60);
  return 300_000;
}

function fileSeries(source: QuoteSource, conId: number, startMs: number, endMs: number): BarSeries | undefined {
  const s = source.prices.seriesAt(conId, startMs);
  return s && endMs <= s.lastMs ? s : undefined;
}

function fileSideAdjust(series: BarSeries, instrument: Instrument, side: Side): number {
  if (series.side !== 'bid') return 0;
  if (side === 'ask') return 2 * instrument.minTick;
  if (side === 'mid' || side === 'trade') return instrument.minTick;
  return 0;
}

/** Aggregates replayed minute bars in [startMs, endMs); undefined when the file has none there. */
function fromMinuteFile(series: BarSeries, startMs: number, endMs: number, shift: number): ReplayBar | undefined {
  let i = floorIndex(series.bars, startMs - 1, (b) => b.startMs) + 1;
  let agg: { open: number; high: number; low: number; close: number; volume: number | undefined } | undefined;
  for (; i < series.bars.length; i++) {
    const b = series.bars[i];
    if (!b || b.startMs >= endMs) break;
    if (!agg) agg = { open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
    else {
      agg.high = Math.max(agg.high, b.high);
      agg.low = Math.min(agg.low, b.low);
      agg.close = b.close;
      agg.volume = agg.volume === undefined || b.volume === undefined ? undefined : agg.volume + b.volume;
    }
  }
  if (!agg) return undefined;
  return {
    startMs,
    open: agg.open + shift,
    high: agg.high + shift,
    low: agg.low + shift,
    close: agg.close + shift,
    volume: agg.volume,
  };
}

interface Ohlcv {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | undefined;
}

function synthetic(
  source: QuoteSource,
  instrument: Instrument,
  startMs: number,
  endMs: number,
  side: Side,
  stepMs: number,
): Ohlcv {
  const open = priceAt(source, instrument, startMs, side);
  const close = priceAt(source, instrument, endMs - 1, side);
  let high = Math.max(open, close);
  let low = Math.min(open, close);
  for (let t = Math.ceil((startMs + 1) / stepMs) * stepMs; t < endMs - 1; t += stepMs) {
    const p = priceAt(source, instrument, t, side);
    if (p > high) high = p;
    if (p < low) low = p;
  }
  return { open, high, low, close, volume: undefined };
}

/** One bar over [startMs, endMs) inside a session (or a whole session for daily bars). */
function makeBar(
  source: QuoteSource,
  q: BarQuery,
  startMs: number,
  endMs: number,
  session: Session,
  daily: boolean,
): Bar | undefined {
  const { instrument } = q;
  const side = sideOf(q.whatToShow);
  let ohlc: Ohlcv | undefined;
  // Replayed files hold prices; volatility is always derived from the path.
  const s = isVolatility(side) ? undefined : fileSeries(source, instrument.conId, startMs, endMs);
  if (s && s.resolution === 'minute' && endMs - startMs >= 60_000) {
    ohlc = fromMinuteFile(s, startMs, endMs, fileSideAdjust(s, instrument, side));
    if (!ohlc) return undefined;
  } else if (daily && s && s.resolution === 'day') {
    const b = s.byDate.get(session.tradeDate);
    if (b) ohlc = { ...b };
  }
  ohlc ??= synthetic(source, instrument, startMs, endMs, side, sampleStep((endMs - startMs) / 1000));
  const hasVolume = side === 'trade' && instrument.hasTrades;
  let volume = -1;
  if (hasVolume) {
    volume = ohlc.volume ?? Math.max(0, source.volumeAt(instrument, endMs - 1) - source.volumeAt(instrument, startMs));
  }
  const tick = instrument.minTick;
  const r = (p: number): number => (isVolatility(side) ? p : roundToTick(p, side === 'mid' ? tick / 2 : tick));
  const high = Math.max(ohlc.high, ohlc.open, ohlc.close);
  const low = Math.min(ohlc.low, ohlc.open, ohlc.close);
  const avgTrade = instrument.secType === 'STK' ? 150 : 3;
  return {
    startMs,
    tradeDate: daily ? session.tradeDate : undefined,
    open: r(ohlc.open),
    high: r(high),
    low: r(low),
    close: r(ohlc.close),
    volume,
    wap: hasVolume ? Number(((high + low + ohlc.close) / 3).toFixed(6)) : -1,
    count: hasVolume ? (volume > 0 ? Math.max(1, Math.round(volume / avgTrade)) : 0) : -1,
  };
}

function mergeBars(group: Bar[], tradeDate: string): Bar {
  const first = group[0];
  const last = group[group.length - 1];
  if (!first || !last) throw new Error('mergeBars on an empty group');
  const volume = first.volume < 0 ? -1 : group.reduce((n, b) => n + b.volume, 0);
  return {
    startMs: first.startMs,
    tradeDate,
    open: first.open,
    high: Math.max(...group.map((b) => b.high)),
    low: Math.min(...group.map((b) => b.low)),
    close: last.close,
    volume,
    wap:
      first.wap < 0
        ? -1
        : Number(
            (
              group.reduce((n, b) => n + b.wap * Math.max(1, b.volume), 0) /
              group.reduce((n, b) => n + Math.max(1, b.volume), 0)
            ).toFixed(6),
          ),
    count: first.count < 0 ? -1 : group.reduce((n, b) => n + b.count, 0),
  };
}

/**
 * Intraday grid slots of a session: a grid from local midnight, restarted at every local midnight the session
 * crosses (a CME or IDEALPRO session opens the evening before its trade date), each slot cut at the session's ends
 * and at midnight. Every size divides a 24-hour day, so on ordinary days this is one grid; on a daylight-saving day
 * (23 or 25 hours) a grid carried on from the evening before would sit an hour off the next day's for 2-, 3-, 4- and
 * 8-hour bars all that trade date — gateway-ib ends bars and history cuts chunks on the per-day grid.
 */
function intradaySlots(instrument: Instrument, session: Session, seconds: number): Array<[number, number]> {
  const zone = instrument.schedule.timeZoneId;
  const stepMs = seconds * 1000;
  const slots: Array<[number, number]> = [];
  let midnight = Number.NEGATIVE_INFINITY;
  let nextMidnight = Number.NEGATIVE_INFINITY;
  for (let t = session.startMs; t < session.endMs; ) {
    if (t >= nextMidnight) {
      const w = toWall(zone, t);
      midnight = fromWall(zone, w.year, w.month, w.day, 0);
      nextMidnight = fromWall(zone, w.year, w.month, w.day + 1, 0);
    }
    const end = Math.min(midnight + (Math.floor((t - midnight) / stepMs) + 1) * stepMs, nextMidnight, session.endMs);
    slots.push([t, end]);
    t = end;
  }
  return slots;
}

/** The bars of a request, oldest first. The bar containing endMs is included, built up to endMs. */
export function buildBars(source: QuoteSource, q: BarQuery): Bar[] {
  const { instrument, barSize } = q;
  const start = windowStart(q);
  const sessions = instrument.schedule.sessionsBetween(start, q.endMs, !q.useRth);
  const bars: Bar[] = [];
  if (barSize.unit === 'intraday') {
    for (const session of sessions) {
      for (const [a, b] of intradaySlots(instrument, session, barSize.seconds)) {
        if (a < start || a >= q.endMs) continue;
        const bar = makeBar(source, q, a, Math.min(b, q.endMs), session, false);
        if (bar) bars.push(bar);
      }
    }
    return bars;
  }
  const daily: Bar[] = [];
  for (const session of sessions) {
    if (session.startMs >= q.endMs || session.endMs <= start) continue;
    const bar = makeBar(source, q, session.startMs, Math.min(session.endMs, q.endMs), session, true);
    if (bar) daily.push(bar);
  }
  if (barSize.unit === 'day') return daily;
  const groups = new Map<string, Bar[]>();
  for (const bar of daily) {
    const date = bar.tradeDate ?? '';
    const y = Number(date.slice(0, 4));
    const m = Number(date.slice(4, 6));
    const d = Number(date.slice(6, 8));
    let key = date.slice(0, 6);
    if (barSize.unit === 'week') {
      const day = Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
      const monday = day - ((dayNumberToDate(day).weekday + 6) % 7);
      key = String(monday);
    }
    groups.set(key, [...(groups.get(key) ?? []), bar]);
  }
  for (const group of groups.values()) bars.push(mergeBars(group, group[0]?.tradeDate ?? ''));
  return bars;
}

/** The still-forming bar containing tMs (keepUpToDate updates), or undefined when the market is closed. */
export function currentBar(source: QuoteSource, q: Omit<BarQuery, 'endMs' | 'duration'>, tMs: number): Bar | undefined {
  const { instrument, barSize } = q;
  const session = instrument.schedule.sessionAt(tMs, !q.useRth);
  if (!session) return undefined;
  const full: BarQuery = { ...q, endMs: tMs + 1, duration: { count: 1, unit: 'D', seconds: 86_400 } };
  if (barSize.unit !== 'intraday') return makeBar(source, full, session.startMs, tMs + 1, session, true);
  const slot = intradaySlots(instrument, session, barSize.seconds).find(([a, b]) => a <= tMs && tMs < b);
  return slot ? makeBar(source, full, slot[0], tMs + 1, session, false) : undefined;
}

/** One bar over an arbitrary [startMs, endMs) inside a session (real-time bars); undefined while closed. */
export function barOver(
  source: QuoteSource,
  instrument: Instrument,
  whatToShow: WhatToShow,
  useRth: boolean,
  startMs: number,
  endMs: number,
): Bar | undefined {
  const session = instrument.schedule.sessionAt(startMs, !useRth);
  if (!session || endMs > session.endMs) return undefined;
  const q: BarQuery = {
    instrument,
    endMs,
    duration: { count: 1, unit: 'D', seconds: 86_400 },
    barSize: { text: '5 secs', seconds: (endMs - startMs) / 1000, unit: 'intraday' },
    whatToShow,
    useRth,
  };
  return makeBar(source, q, startMs, endMs, session, false);
}
