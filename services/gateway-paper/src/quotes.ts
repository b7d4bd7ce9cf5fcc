/**
 * The latest quote per instrument, as the exchange core reads it (`QuoteSource`), fed by the shadowed broker's
 * ticks. The core's quote source is a function of time; a live feed has only "now", so `quoteAt` answers the
 * latest quote whatever the time asked (the core asks for now, and marks positions with it).
 */
import type { Tick } from '@trading-system/contracts';
import type { Quote, QuoteSource } from '@trading-system/exchange';

/**
 * Displayed size when the source shows none: the source is a price feed, not a book, so the order fills as if the
 * touch held it (documented in the README; an IOC then never fills partially).
 */
export const UNLIMITED_SIZE = 1e12;

export class QuoteBook implements QuoteSource {
  private readonly quotes = new Map<string, Quote>();
  private readonly ticks = new Map<string, Tick>();

  quoteAt(instrumentId: string): Quote | undefined {
    return this.quotes.get(instrumentId);
  }

  /** The last tick of the source for an instrument (its fields are what `mdSnapshot` answers). */
  lastTick(instrumentId: string): Tick | undefined {
    return this.ticks.get(instrumentId);
  }

  /** Takes a tick; true when the instrument now has a two-sided quote the core can match against. */
  update(t: Tick): boolean {
    const key = t.instrumentId;
    const prev = this.ticks.get(key);
    // Ticks may carry only what changed: keep the fields the new one leaves out.
    const merged: Tick = prev === undefined ? t : { ...prev, ...stripUndefined(t) };
    this.ticks.set(key, merged);
    const q = toQuote(merged);
    if (q === undefined) this.quotes.delete(key);
    else this.quotes.set(key, q);
    return q !== undefined;
  }

  forget(instrumentId: string): void {
    this.quotes.delete(instrumentId);
    this.ticks.delete(instrumentId);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A tick as the core's quote; undefined without a bid and an ask above zero (nothing sound to fill at). */
export function toQuote(t: Tick): Quote | undefined {
  const bid = num(t.bid);
  const ask = num(t.ask);
  if (bid === undefined || ask === undefined || !(bid > 0) || !(ask > 0) || ask < bid) return undefined;
  const size = (s: string | undefined): number => {
    const n = num(s);
    return n === undefined || n <= 0 ? UNLIMITED_SIZE : n;
  };
  return {
    bid,
    ask,
    last: num(t.last) ?? (bid + ask) / 2,
    bidSize: size(t.bidSize),
    askSize: size(t.askSize),
    lastSize: num(t.lastSize) ?? 0,
    volume: num(t.volume) ?? 0,
  };
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};
