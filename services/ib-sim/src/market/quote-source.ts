/**
 * QuoteSource: the top of book of any instrument at any instant, a pure function of (conId, time). This is
 * the contract between market data and the exchange core (matching uses `quoteAt`), so its shape is fixed:
 * `quoteAt(conId, tMs) → Quote`. Outside trading hours the quote is frozen at the last session's close.
 */
import type { Catalog } from '../instruments/catalog.js';
import type { Instrument } from '../instruments/instrument.js';
import { signedUnit, unit } from './hash.js';
import type { PriceModel } from './price-model.js';

export interface Quote {
  readonly bid: number;
  readonly ask: number;
  /** Price of the most recent trade (for quote-only instruments — CASH, CMDTY — the rounded mid). */
  readonly last: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly lastSize: number;
  /** Cumulative volume of the current (or last) session, in shares/contracts; 0 for quote-only instruments. */
  readonly volume: number;
}

export interface DaySummary {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  /** Close of the previous session. */
  readonly prevClose: number;
  readonly volume: number;
}

export class UnknownInstrumentError extends Error {
  override readonly name = 'UnknownInstrumentError';
}

export function decimalsOf(tick: number): number {
  const text = String(tick);
  if (text.includes('e-')) return Number(text.split('e-')[1]);
  return text.includes('.') ? (text.split('.')[1]?.length ?? 0) : 0;
}

export function roundToTick(price: number, tick: number): number {
  const steps = Math.round(price / tick);
  return Number((steps * tick).toFixed(decimalsOf(tick)));
}

/** Trades happen on a one-second grid; the last trade of second s is at the bid or ask of that second. */
const TRADE_GRID_MS = 1_000;

export class QuoteSource {
  private readonly volumeCache = new Map<string, Float64Array>();

  constructor(
    readonly catalog: Catalog,
    readonly prices: PriceModel,
    readonly seed: number,
  ) {}

  instrument(conId: number): Instrument {
    const instrument = this.catalog.get(conId);
    if (!instrument) throw new UnknownInstrumentError(`no instrument with conId ${conId}`);
    return instrument;
  }

  /** The instant whose prices apply at tMs: tMs while the (extended) session is open, else the last close. */
  effectiveTime(instrument: Instrument, tMs: number): number {
    return instrument.schedule.lastOpenInstant(tMs, true);
  }

  /** Rounded mid at exactly tMs (no session clamping). */
  midAt(instrument: Instrument, tMs: number): number {
    return this.prices.midAt(instrument, tMs);
  }

  /** Bid/ask around the path at exactly tMs (no session clamping). */
  bidAskAt(instrument: Instrument, tMs: number): { bid: number; ask: number } {
    const replayed = this.prices.replayQuoteAt(instrument.conId, tMs);
    if (replayed) return replayed;
    const tick = instrument.minTick;
    // Microstructure: quotes flicker by up to about a tick per bucket (100 ms FX, 250 ms others), as real books
    // do far more than the diffusion at one-second scale would suggest. Still a pure function of time.
    const bucketMs = instrument.secType === 'CASH' ? 100 : 250;
    const flicker = tick * 0.9 * signedUnit(this.seed, instrument.conId, Math.floor(tMs / bucketMs), 11);
    const mid = this.prices.midAt(instrument, tMs) + flicker;
    if (instrument.spreadTicks === 0) {
      const p = roundToTick(mid, tick);
      return { bid: p, ask: p };
    }
    const bid = Math.max(tick, roundToTick(mid - (instrument.spreadTicks * tick) / 2, tick));
    return { bid, ask: roundToTick(bid + instrument.spreadTicks * tick, tick) };
  }

  /** Price of the last trade at or before tMs (no session clamping): the bid or ask of its second. */
  tradePriceAt(instrument: Instrument, tMs: number): number {
    const second = Math.floor(tMs / TRADE_GRID_MS);
    const q = this.bidAskAt(instrument, second * TRADE_GRID_MS);
    return unit(this.seed, instrument.conId, second, 3) < 0.5 ? q.bid : q.ask;
  }

  quoteAt(conId: number, tMs: number): Quote {
    const instrument = this.instrument(conId);
    const t = this.effectiveTime(instrument, tMs);
    const { bid, ask } = this.bidAskAt(instrument, t);
    const second = Math.floor(t / TRADE_GRID_MS);
    const lotUnit = instrument.secType === 'STK' ? 100 : instrument.secType === 'CASH' ? 100_000 : 1;
    const bidSize = lotUnit * (1 + Math.floor(unit(this.seed, conId, second, 1) * 30));
    const askSize = lotUnit * (1 + Math.floor(unit(this.seed, conId, second, 2) * 30));
    if (!instrument.hasTrades) {
      return {
        bid,
        ask,
        last: roundToTick((bid + ask) / 2, instrument.minTick / 2),
        bidSize,
        askSize,
        lastSize: 0,
        volume: 0,
      };
    }
    const last = this.tradePriceAt(instrument, t);
    const lastSize =
      instrument.secType === 'STK'
        ? 100 * (1 + Math.floor(unit(this.seed, conId, second, 4) * 5))
        : 1 + Math.floor(unit(this.seed, conId, second, 4) * 10);
    return { bid, ask, last, bidSize, askSize, lastSize, volume: this.volumeAt(instrument, t) };
  }

  /**
   * Cumulative volume of the session containing tMs (or the last one): per-minute weights seeded per
   * minute, U-shaped over the session, so that bar volumes are additive and identical on every request.
   */
  volumeAt(instrument: Instrument, tMs: number): number {
    if (!instrument.hasTrades || instrument.dailyVolume === 0) return 0;
    const session = instrument.schedule.lastSessionAtOrBefore(tMs, true);
    const t = Math.min(tMs, session.endMs);
    const cum = this.cumulativeWeights(instrument, session.startMs, session.endMs);
    const total = cum[cum.length - 1] ?? 1;
    const minute = Math.floor((t - session.startMs) / 60_000);
    const frac = (t - session.startMs) / 60_000 - minute;
    const before = cum[minute] ?? total;
    const after = cum[minute + 1] ?? total;
    return Math.floor((instrument.dailyVolume * (before + (after - before) * frac)) / total);
  }

  private cumulativeWeights(instrument: Instrument, startMs: number, endMs: number): Float64Array {
    const key = `${instrument.conId}:${startMs}`;
    let cum = this.volumeCache.get(key);
    if (cum) return cum;
    const minutes = Math.ceil((endMs - startMs) / 60_000);
    cum = new Float64Array(minutes + 1);
    for (let m = 0; m < minutes; m++) {
      const x = (m + 0.5) / minutes;
      const shape = 1 + 2.5 * (x - 0.5) ** 2 * 4;
      cum[m + 1] = (cum[m] ?? 0) + shape * (0.4 + unit(this.seed, instrument.conId, startMs / 60_000 + m, 7));
    }
    if (this.volumeCache.size > 4_000) this.volumeCache.clear();
    this.volumeCache.set(key, cum);
    return cum;
  }

  /** Session open/high/low so far (sampled each minute), previous close and volume, as of tMs. */
  daySummary(conId: number, tMs: number): DaySummary {
    const instrument = this.instrument(conId);
    const session = instrument.schedule.lastSessionAtOrBefore(tMs, true);
    const previous = instrument.schedule.lastSessionAtOrBefore(session.startMs - 1, true);
    const t = Math.min(tMs, session.endMs - 1);
    const open = this.quoteAt(conId, session.startMs).last;
    let high = open;
    let low = open;
    for (let s = session.startMs; s <= t; s += 60_000) {
      const p = this.quoteAt(conId, s).last;
      if (p > high) high = p;
      if (p < low) low = p;
    }
    const last = this.quoteAt(conId, t).last;
    return {
      open,
      high: Math.max(high, last),
      low: Math.min(low, last),
      prevClose: this.quoteAt(conId, previous.endMs - 1).last,
      volume: this.volumeAt(instrument, t),
    };
  }
}
