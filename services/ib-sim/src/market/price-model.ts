/**
 * Mid price of every catalog instrument at any instant: replayed files where they cover the instant,
 * otherwise the synthetic path. Futures follow their underlying's path plus carry; options are priced with
 * Black-Scholes off their underlying. No trading-hours clamping here (QuoteSource does that).
 */

import { fromWall } from '@trading-system/contracts';
import type { Catalog } from '../instruments/catalog.js';
import { FUTURE_ROOTS } from '../instruments/catalog-data.js';
import type { Instrument } from '../instruments/instrument.js';
import {
  dividendYield,
  forward,
  type OptionSpec,
  RISK_FREE_RATE,
  surfaceVolatility,
  valueOption,
} from './option-model.js';
import { logNoise, pathSeed } from './price-path.js';
import { type BarSeries, floorIndex, type ReplayBar, type ReplayStore } from './replay.js';

const YEAR_MS = 365.25 * 86_400_000;
/** Option time is calendar days / 365, as IB's option analytics count it. */
const OPTION_YEAR_MS = 365 * 86_400_000;

export class PriceModel {
  private readonly expiryMs = new Map<number, number>();

  constructor(
    readonly catalog: Catalog,
    readonly replay: ReplayStore,
    readonly seed: number,
  ) {}

  /** Unrounded mid at tMs. */
  midAt(instrument: Instrument, tMs: number): number {
    const replayed = this.replayMid(instrument, tMs);
    if (replayed !== undefined) return replayed;
    switch (instrument.secType) {
      case 'FUT':
        return this.futureMid(instrument, tMs);
      case 'OPT':
        return this.optionMid(instrument, tMs);
      default:
        return (
          instrument.basePrice * Math.exp(logNoise(pathSeed(this.seed, instrument.conId), tMs, instrument.annualVol))
        );
    }
  }

  /** The replay series covering tMs for this instrument, if any. */
  seriesAt(conId: number, tMs: number): BarSeries | undefined {
    return this.replay.series.get(conId)?.find((s) => s.firstMs <= tMs && tMs < s.lastMs);
  }

  /** The replayed quote in force at tMs (tick files), if tMs is inside a tick file's range. */
  replayQuoteAt(conId: number, tMs: number): { bid: number; ask: number } | undefined {
    const quotes = this.replay.quotes.get(conId);
    if (!quotes || quotes.length === 0) return undefined;
    const last = quotes[quotes.length - 1];
    if (!last || tMs > last.tMs + 60_000) return undefined;
    const i = floorIndex(quotes, tMs, (q) => q.tMs);
    return i >= 0 ? quotes[i] : undefined;
  }

  private replayMid(instrument: Instrument, tMs: number): number | undefined {
    const quote = this.replayQuoteAt(instrument.conId, tMs);
    if (quote) return (quote.bid + quote.ask) / 2;
    const s = this.seriesAt(instrument.conId, tMs);
    if (!s) return undefined;
    const halfSpread = s.side === 'bid' ? instrument.minTick : 0;
    if (s.resolution === 'minute') {
      const i = floorIndex(s.bars, tMs, (b) => b.startMs);
      const bar = i >= 0 ? s.bars[i] : undefined;
      if (!bar) return undefined;
      if (tMs >= bar.startMs + 60_000) return bar.close + halfSpread;
      return this.insideBar(instrument, bar, (tMs - bar.startMs) / 60_000, tMs) + halfSpread;
    }
    const session = instrument.schedule.sessionAt(tMs, false) ?? instrument.schedule.lastSessionAtOrBefore(tMs, false);
    const bar = s.byDate.get(session.tradeDate);
    if (!bar) return undefined;
    if (tMs < session.startMs) return bar.open;
    if (tMs >= session.endMs) return bar.close;
    return this.insideBar(instrument, bar, (tMs - session.startMs) / (session.endMs - session.startMs), tMs);
  }

  /** A path through a replayed bar: open → close with seeded texture, kept inside [low, high]. */
  private insideBar(instrument: Instrument, bar: ReplayBar, fraction: number, tMs: number): number {
    const drift = bar.open + (bar.close - bar.open) * fraction;
    const texture = logNoise(pathSeed(this.seed, instrument.conId), tMs, 1, 3_600) * 4;
    const swing = (bar.high - bar.low) * Math.sin(Math.PI * fraction) * texture;
    return Math.min(bar.high, Math.max(bar.low, drift + swing));
  }

  private futureMid(instrument: Instrument, tMs: number): number {
    const root = FUTURE_ROOTS.find((r) => r.symbol === instrument.symbol);
    const path = root ? this.catalog.get(root.pathConId) : undefined;
    if (!path) throw new Error(`future ${instrument.localSymbol} has no path instrument`);
    const years = Math.max(0, (this.expiry(instrument) - tMs) / YEAR_MS);
    return this.midAt(path, tMs) * (1 + 0.015 * years);
  }

  private optionMid(instrument: Instrument, tMs: number): number {
    const { spec, vol } = this.optionAt(instrument, tMs);
    return valueOption(spec, vol).price;
  }

  /** The model inputs of an option at tMs: underlying mid, time to expiry, rate, yield and surface volatility. */
  optionAt(instrument: Instrument, tMs: number): { spec: OptionSpec; vol: number } {
    const under = this.catalog.get(instrument.underConId);
    if (!under) throw new Error(`option ${instrument.localSymbol} has no underlying`);
    const spec: OptionSpec = {
      spot: this.midAt(under, tMs),
      strike: instrument.strike,
      years: Math.max(0, (this.expiry(instrument) - tMs) / OPTION_YEAR_MS),
      rate: RISK_FREE_RATE,
      dividendYield: dividendYield(under.symbol),
      call: instrument.right === 'C',
    };
    const fwd = forward(spec.spot, spec.years, spec.rate, spec.dividendYield);
    return { spec, vol: surfaceVolatility(under.annualVol, fwd, spec.strike, spec.years) };
  }

  /** Last trading instant of a derivative: 16:00 in its time zone on lastTradeDate. */
  expiry(instrument: Instrument): number {
    let ms = this.expiryMs.get(instrument.conId);
    if (ms === undefined) {
      const d = instrument.lastTradeDate;
      ms = fromWall(
        instrument.schedule.timeZoneId,
        Number(d.slice(0, 4)),
        Number(d.slice(4, 6)),
        Number(d.slice(6, 8)),
        16 * 60,
      );
      this.expiryMs.set(instrument.conId, ms);
    }
    return ms;
  }
}
