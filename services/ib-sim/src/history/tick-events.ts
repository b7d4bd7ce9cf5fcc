/**
 * The sim's tick history inside one trading session: every trade (one per second on the trade grid, at the bid or
 * ask of its second, as QuoteSource.tradePriceAt defines) and every change of the top of book (sampled on the
 * quote source's own flicker buckets: 100 ms for FX, 250 ms otherwise). Pure functions of time, so a tick
 * requested twice, or from either end, is the same tick.
 */
import type { Instrument } from '../instruments/instrument.js';
import type { Session } from '../instruments/trading-hours.js';
import { unit } from '../market/hash.js';
import { type Quote, type QuoteSource, roundToTick } from '../market/quote-source.js';

export type HistoricalTickKind = 'TRADES' | 'MIDPOINT' | 'BID_ASK';

export interface MidpointTick {
  readonly kind: 'MIDPOINT';
  readonly tMs: number;
  readonly price: number;
}

export interface BidAskTick {
  readonly kind: 'BID_ASK';
  readonly tMs: number;
  /** IB's historical bid/ask attribute bits (EDecoder, ib_async): 1 askPastHigh, 2 bidPastLow. */
  readonly mask: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

export interface LastTick {
  readonly kind: 'TRADES';
  readonly tMs: number;
  /** 1 pastLimit, 2 unreported: the sim has neither price limits nor unreported prints, so always 0. */
  readonly mask: number;
  readonly price: number;
  readonly size: number;
  readonly exchange: string;
  readonly specialConditions: string;
}

export type TickEvent = MidpointTick | BidAskTick | LastTick;

export const ASK_PAST_HIGH = 1;
export const BID_PAST_LOW = 2;

/** Venues a consolidated US stock print is reported from (IB's historical ticks name the venue). */
const STOCK_VENUES = ['NASDAQ', 'ARCA', 'NYSE', 'BATS', 'EDGEA', 'IEX', 'MEMX', 'FINRA'] as const;
/** IB marks prints outside regular hours with the Form T condition. */
const EXTENDED_HOURS_CONDITION = 'T';

const SECOND_MS = 1_000;

function quoteBucketMs(instrument: Instrument): number {
  return instrument.secType === 'CASH' ? 100 : 250;
}

/**
 * Running low / high of the session's trade prices (the mid for quote-only instruments) before a second, for the
 * bid/ask attributes: a bid below every earlier print is past the low, an ask above every one past the high.
 */
export class SessionExtremes {
  private readonly lows: number[] = [];
  private readonly highs: number[] = [];

  constructor(
    private readonly source: QuoteSource,
    private readonly instrument: Instrument,
    private readonly session: Session,
  ) {}

  private priceAt(tMs: number): number {
    if (this.instrument.hasTrades) return this.source.tradePriceAt(this.instrument, tMs);
    const { bid, ask } = this.source.bidAskAt(this.instrument, tMs);
    return roundToTick((bid + ask) / 2, this.instrument.minTick / 2);
  }

  /** [low, high] of the prints in [session start, tMs) on the one-second grid; undefined before the first. */
  before(tMs: number): readonly [number, number] | undefined {
    const first = Math.ceil(this.session.startMs / SECOND_MS);
    const n = Math.ceil(tMs / SECOND_MS) - first;
    if (n <= 0) return undefined;
    for (let i = this.lows.length; i < n; i++) {
      const p = this.priceAt((first + i) * SECOND_MS);
      this.lows.push(Math.min(p, this.lows[i - 1] ?? p));
      this.highs.push(Math.max(p, this.highs[i - 1] ?? p));
    }
    return [this.lows[n - 1] ?? 0, this.highs[n - 1] ?? 0];
  }
}

export interface TickWindow {
  readonly source: QuoteSource;
  readonly instrument: Instrument;
  readonly kind: HistoricalTickKind;
  readonly session: Session;
  /** Only for BID_ASK: a size-only change is no tick. */
  readonly ignoreSize: boolean;
  /** The regular session of the same trade date, to flag extended-hours prints. */
  readonly regular: Session | null;
  readonly extremes: SessionExtremes;
}

function trades(w: TickWindow, fromMs: number, toMs: number): LastTick[] {
  const { source, instrument } = w;
  const out: LastTick[] = [];
  for (let t = Math.ceil(fromMs / SECOND_MS) * SECOND_MS; t < toMs; t += SECOND_MS) {
    const q = source.quoteAt(instrument.conId, t);
    const second = t / SECOND_MS;
    const venue =
      instrument.secType === 'STK'
        ? (STOCK_VENUES[Math.floor(unit(source.seed, instrument.conId, second, 13) * STOCK_VENUES.length)] ?? 'NASDAQ')
        : instrument.exchange;
    const regular = w.regular !== null && w.regular.startMs <= t && t < w.regular.endMs;
    out.push({
      kind: 'TRADES',
      tMs: t,
      mask: 0,
      price: q.last,
      size: q.lastSize,
      exchange: venue,
      specialConditions: regular ? '' : EXTENDED_HOURS_CONDITION,
    });
  }
  return out;
}

function quoteChanged(w: TickWindow, prev: Quote | undefined, q: Quote): boolean {
  if (prev === undefined) return true;
  if (w.kind === 'MIDPOINT') return midOf(w.instrument, prev) !== midOf(w.instrument, q);
  if (prev.bid !== q.bid || prev.ask !== q.ask) return true;
  return !w.ignoreSize && (prev.bidSize !== q.bidSize || prev.askSize !== q.askSize);
}

function midOf(instrument: Instrument, q: Quote): number {
  return roundToTick((q.bid + q.ask) / 2, instrument.minTick / 2);
}

function quotes(w: TickWindow, fromMs: number, toMs: number): Array<MidpointTick | BidAskTick> {
  const { source, instrument } = w;
  const bucket = quoteBucketMs(instrument);
  const out: Array<MidpointTick | BidAskTick> = [];
  const first = Math.ceil(fromMs / bucket) * bucket;
  // The book just before the window decides whether its first sample is a change.
  let prev = first - bucket >= w.session.startMs ? source.quoteAt(instrument.conId, first - bucket) : undefined;
  for (let t = first; t < toMs; t += bucket) {
    const q = source.quoteAt(instrument.conId, t);
    if (quoteChanged(w, prev, q)) {
      if (w.kind === 'MIDPOINT') out.push({ kind: 'MIDPOINT', tMs: t, price: midOf(instrument, q) });
      else {
        const range = w.extremes.before(Math.floor(t / SECOND_MS) * SECOND_MS);
        const mask =
          range === undefined ? 0 : (q.ask > range[1] ? ASK_PAST_HIGH : 0) | (q.bid < range[0] ? BID_PAST_LOW : 0);
        out.push({ kind: 'BID_ASK', tMs: t, mask, bid: q.bid, ask: q.ask, bidSize: q.bidSize, askSize: q.askSize });
      }
    }
    prev = q;
  }
  return out;
}

/** The ticks of w's session in [fromMs, toMs), oldest first. */
export function ticksBetween(w: TickWindow, fromMs: number, toMs: number): TickEvent[] {
  const a = Math.max(fromMs, w.session.startMs);
  const b = Math.min(toMs, w.session.endMs);
  if (b <= a) return [];
  return w.kind === 'TRADES' ? trades(w, a, b) : quotes(w, a, b);
}
