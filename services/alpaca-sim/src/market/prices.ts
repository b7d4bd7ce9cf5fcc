/**
 * Deterministic market: the mid price of an asset is a pure function of (seed, asset, t), a sum of smoothed
 * noise at several time scales, so any instant (a quote now, a bar three months ago) costs the same and two runs
 * with one seed agree. Stocks trade in the regular session only (outside it their quote is frozen at the last
 * close); crypto trades around the clock. Trades happen on a one-second grid at that second's bid or ask.
 */
import type { Asset } from './assets.js';
import { isMarketOpen, lastSessionAtOrBefore } from './calendar.js';
import { unit } from './hash.js';

export interface MarketQuote {
  readonly bid: number;
  readonly ask: number;
  /** Sizes in shares / coins. */
  readonly bidSize: number;
  readonly askSize: number;
  /** The instant the quote was set (a frozen stock quote keeps its close-time stamp). */
  readonly tMs: number;
}

export interface MarketTrade {
  readonly price: number;
  readonly size: number;
  readonly tMs: number;
  /** Trade id, unique per asset (the second it happened in). */
  readonly id: number;
}

const SCALES: readonly { readonly periodMs: number; readonly amplitude: number }[] = [
  { periodMs: 20 * 86_400_000, amplitude: 0.1 },
  { periodMs: 3 * 86_400_000, amplitude: 0.035 },
  { periodMs: 6 * 3_600_000, amplitude: 0.012 },
  { periodMs: 45 * 60_000, amplitude: 0.005 },
  { periodMs: 5 * 60_000, amplitude: 0.002 },
  { periodMs: 30_000, amplitude: 0.0008 },
  { periodMs: 3_000, amplitude: 0.0003 },
];

export function roundTo(price: number, tick: number): number {
  const decimals = Math.max(0, Math.round(-Math.log10(tick)));
  return Number((Math.round(price / tick) * tick).toFixed(decimals));
}

export class MarketModel {
  constructor(readonly seed: number) {}

  midAt(asset: Asset, tMs: number): number {
    let x = 0;
    SCALES.forEach((s, k) => {
      const cell = Math.floor(tMs / s.periodMs);
      const frac = tMs / s.periodMs - cell;
      const a = unit(this.seed, asset.conId, k, cell) * 2 - 1;
      const b = unit(this.seed, asset.conId, k, cell + 1) * 2 - 1;
      const smooth = frac * frac * (3 - 2 * frac);
      x += s.amplitude * asset.vol * (a + (b - a) * smooth);
    });
    return asset.basePrice * Math.exp(x);
  }

  isTrading(asset: Asset, tMs: number): boolean {
    return asset.class === 'crypto' || isMarketOpen(tMs);
  }

  /** The instant whose prices apply at tMs: tMs while trading, else the last regular close (stocks). */
  effectiveTime(asset: Asset, tMs: number): number {
    if (this.isTrading(asset, tMs)) return tMs;
    return Math.min(tMs, lastSessionAtOrBefore(tMs).closeMs - 1);
  }

  /** Bid/ask of the quarter-second bucket containing tMs (quotes change at most four times a second). */
  quoteAt(asset: Asset, tMs: number): MarketQuote {
    const t = this.effectiveTime(asset, tMs);
    const bucket = Math.floor(t / 250);
    const mid = this.midAt(asset, bucket * 250);
    const spreadTicks = asset.class === 'crypto' ? 1 + Math.floor(unit(this.seed, asset.conId, bucket, 5) * 20) : 1;
    const bid = roundTo(mid - (spreadTicks * asset.tick) / 2, asset.tick);
    const ask = roundTo(bid + spreadTicks * asset.tick, asset.tick);
    const lot = asset.class === 'crypto' ? 0.05 : 100;
    const second = Math.floor(t / 1000);
    return {
      bid,
      ask,
      bidSize: roundTo(lot * (1 + Math.floor(unit(this.seed, asset.conId, second, 1) * 20)), 1e-4),
      askSize: roundTo(lot * (1 + Math.floor(unit(this.seed, asset.conId, second, 2) * 20)), 1e-4),
      tMs: bucket * 250,
    };
  }

  /** The trade of the one-second slot starting at `secondMs` (undefined when the asset was not trading). */
  tradeInSecond(asset: Asset, secondMs: number): MarketTrade | undefined {
    const second = Math.floor(secondMs / 1000);
    const t = second * 1000 + Math.floor(unit(this.seed, asset.conId, second, 6) * 1000);
    if (!this.isTrading(asset, t)) return undefined;
    const q = this.quoteAt(asset, t);
    const price = unit(this.seed, asset.conId, second, 3) < 0.5 ? q.bid : q.ask;
    const size =
      asset.class === 'crypto'
        ? roundTo(0.001 + unit(this.seed, asset.conId, second, 4) * 0.5, 1e-4)
        : 1 + Math.floor(unit(this.seed, asset.conId, second, 4) * 300);
    return { price, size, tMs: t, id: second };
  }

  /** The most recent trade at or before tMs. */
  lastTrade(asset: Asset, tMs: number): MarketTrade {
    const t = this.effectiveTime(asset, tMs);
    for (let s = Math.floor(t / 1000) * 1000; ; s -= 1000) {
      const trade = this.tradeInSecond(asset, s);
      if (trade && trade.tMs <= tMs) return trade;
    }
  }
}
