/**
 * Turns quotes into IB tick messages for one reqMktData subscription: the initial burst (tickReqParams is
 * sent by the handler), then only what changed since the last emission — the way TWS batches at its cadence.
 * Delayed data (types 3/4) uses the delayed tick ids and prices from `delayedByMs` ago.
 */
import type { Instrument } from '../instruments/instrument.js';
import * as enc from '../wire/encoders.js';
import { optionComputations } from './option-ticks.js';
import type { Quote, QuoteSource } from './quote-source.js';
import { DELAYED, TICK } from './tick-types.js';

const size = (n: number): string => String(Math.round(n));

export class TickStream {
  private sent: Quote | undefined;
  private lastTradeSecond = -1;
  private high = Number.NEGATIVE_INFINITY;
  private low = Number.POSITIVE_INFINITY;
  private sessionStart = -1;
  private tradedVolume = 0;
  private tradedNotional = 0;
  private sentModelPrice: number | undefined;

  constructor(
    private readonly quotes: QuoteSource,
    readonly instrument: Instrument,
    readonly tickerId: number,
    private readonly delayed: boolean,
    private readonly delayedByMs: number,
    private readonly generic: ReadonlySet<number>,
    /**
     * The `epochMillis` of an RTVolume trade, given the sim time the trade is seen at: the sim process's wall clock
     * by default (what consumers measuring latency read), or that sim time, so a scaled clock stamps trades in its
     * own time (tests that run market time faster than the wall).
     */
    private readonly tradeStamp: (simMs: number) => number = () => Date.now(),
  ) {}

  private type(live: number): number {
    return this.delayed ? (DELAYED[live] ?? live) : live;
  }

  private at(nowMs: number): number {
    return this.delayed ? nowMs - this.delayedByMs : nowMs;
  }

  private get hasBook(): boolean {
    return this.instrument.secType !== 'IND';
  }

  /** Everything a fresh subscription (or snapshot) receives. */
  initial(nowMs: number): enc.Fields[] {
    const t = this.at(nowMs);
    const q = this.quotes.quoteAt(this.instrument.conId, t);
    const day = this.quotes.daySummary(this.instrument.conId, t);
    const id = this.tickerId;
    // Option computations first: a consumer publishing its first quote on the first price then has the greeks too.
    const out: enc.Fields[] = this.instrument.secType === 'OPT' ? this.optionTicks(t, q, undefined) : [];
    if (this.hasBook) {
      out.push(enc.tickPrice(id, this.type(TICK.BID), q.bid, size(q.bidSize), 1));
      out.push(enc.tickSize(id, this.type(TICK.BID_SIZE), size(q.bidSize)));
      out.push(enc.tickPrice(id, this.type(TICK.ASK), q.ask, size(q.askSize), 1));
    }
    if (this.instrument.hasTrades) {
      out.push(enc.tickPrice(id, this.type(TICK.LAST), q.last, size(q.lastSize), 0));
      out.push(enc.tickSize(id, this.type(TICK.VOLUME), size(q.volume)));
      out.push(
        enc.tickString(
          id,
          this.type(TICK.LAST_TIMESTAMP),
          String(Math.floor(this.quotes.effectiveTime(this.instrument, t) / 1000)),
        ),
      );
    }
    out.push(enc.tickPrice(id, this.type(TICK.HIGH), day.high, '0', 0));
    out.push(enc.tickPrice(id, this.type(TICK.LOW), day.low, '0', 0));
    out.push(enc.tickPrice(id, this.type(TICK.CLOSE), day.prevClose, '0', 0));
    out.push(enc.tickPrice(id, this.type(TICK.OPEN), day.open, '0', 0));
    if (this.instrument.secType === 'STK') {
      out.push(
        enc.tickString(id, TICK.BID_EXCH, 'Q'),
        enc.tickString(id, TICK.ASK_EXCH, 'Q'),
        enc.tickString(id, TICK.LAST_EXCH, 'Q'),
      );
    }
    if (this.instrument.hasTrades) out.push(enc.tickGeneric(id, TICK.HALTED, 0));
    out.push(...this.genericInitial(q, day.prevClose));
    this.sent = q;
    this.high = day.high;
    this.low = day.low;
    this.lastTradeSecond = Math.floor(this.quotes.effectiveTime(this.instrument, t) / 1000);
    this.sessionStart = this.instrument.schedule.lastSessionAtOrBefore(t, true).startMs;
    return out;
  }

  private genericInitial(q: Quote, prevClose: number): enc.Fields[] {
    const id = this.tickerId;
    const out: enc.Fields[] = [];
    const vol = this.instrument.annualVol || 0.2;
    for (const g of this.generic) {
      switch (g) {
        case 100:
          out.push(
            enc.tickSize(id, TICK.OPTION_CALL_VOLUME, '41250'),
            enc.tickSize(id, TICK.OPTION_PUT_VOLUME, '35120'),
          );
          break;
        case 101:
          out.push(
            enc.tickSize(id, TICK.OPTION_CALL_OPEN_INTEREST, '512300'),
            enc.tickSize(id, TICK.OPTION_PUT_OPEN_INTEREST, '468900'),
          );
          break;
        case 104:
          out.push(enc.tickGeneric(id, TICK.OPTION_HISTORICAL_VOL, vol));
          break;
        case 106:
          out.push(enc.tickGeneric(id, TICK.OPTION_IMPLIED_VOL, vol * 1.05));
          break;
        case 165:
          out.push(
            enc.tickPrice(id, TICK.LOW_13_WEEK, prevClose * 0.9, '0', 0),
            enc.tickPrice(id, TICK.HIGH_13_WEEK, prevClose * 1.08, '0', 0),
            enc.tickPrice(id, TICK.LOW_26_WEEK, prevClose * 0.85, '0', 0),
            enc.tickPrice(id, TICK.HIGH_26_WEEK, prevClose * 1.1, '0', 0),
            enc.tickPrice(id, TICK.LOW_52_WEEK, prevClose * 0.78, '0', 0),
            enc.tickPrice(id, TICK.HIGH_52_WEEK, prevClose * 1.15, '0', 0),
            enc.tickSize(id, TICK.AVG_VOLUME, size(this.instrument.dailyVolume)),
          );
          break;
        case 221:
          out.push(enc.tickPrice(id, TICK.MARK_PRICE, (q.bid + q.ask) / 2, '0', 0));
          break;
        case 236:
          out.push(enc.tickGeneric(id, TICK.SHORTABLE, 3), enc.tickSize(id, TICK.SHORTABLE_SHARES, '25000000'));
          break;
        case 293:
          out.push(enc.tickGeneric(id, TICK.TRADE_COUNT, Math.round(q.volume / 150)));
          break;
        case 411:
          out.push(enc.tickGeneric(id, TICK.RT_HISTORICAL_VOL, vol * 100));
          break;
        case 588:
          if (this.instrument.secType === 'FUT') out.push(enc.tickSize(id, TICK.FUTURES_OPEN_INTEREST, '2150000'));
          break;
        default:
          break;
      }
    }
    return out;
  }

  /** Ticks for what changed since the last emission. */
  update(nowMs: number): enc.Fields[] {
    const t = this.at(nowMs);
    const q = this.quotes.quoteAt(this.instrument.conId, t);
    const prev = this.sent;
    const id = this.tickerId;
    const out: enc.Fields[] = [];
    if (!prev) return this.initial(nowMs);
    const session = this.instrument.schedule.lastSessionAtOrBefore(t, true).startMs;
    if (session !== this.sessionStart) {
      this.sessionStart = session;
      this.high = Number.NEGATIVE_INFINITY;
      this.low = Number.POSITIVE_INFINITY;
    }
    if (this.hasBook) {
      if (q.bid !== prev.bid || q.bidSize !== prev.bidSize) {
        out.push(enc.tickPrice(id, this.type(TICK.BID), q.bid, size(q.bidSize), 1));
        // @stoqey/ib derives no BID_SIZE from tickPrice (its size-type test is falsy for 0): send it too.
        out.push(enc.tickSize(id, this.type(TICK.BID_SIZE), size(q.bidSize)));
      }
      if (q.ask !== prev.ask || q.askSize !== prev.askSize)
        out.push(enc.tickPrice(id, this.type(TICK.ASK), q.ask, size(q.askSize), 1));
    }
    const effective = this.quotes.effectiveTime(this.instrument, t);
    const second = Math.floor(effective / 1000);
    if (this.instrument.hasTrades && second !== this.lastTradeSecond) {
      this.lastTradeSecond = second;
      out.push(enc.tickPrice(id, this.type(TICK.LAST), q.last, size(q.lastSize), 0));
      out.push(enc.tickSize(id, this.type(TICK.VOLUME), size(q.volume)));
      out.push(enc.tickString(id, this.type(TICK.LAST_TIMESTAMP), String(second)));
      if (this.generic.has(233)) out.push(this.rtVolume(q.last, q.lastSize, q.volume, this.tradeStamp(t)));
    } else if (!this.instrument.hasTrades && this.instrument.secType === 'IND' && q.last !== prev.last) {
      out.push(enc.tickPrice(id, this.type(TICK.LAST), q.last, '0', 0));
    }
    if (q.last > this.high) {
      this.high = q.last;
      out.push(enc.tickPrice(id, this.type(TICK.HIGH), q.last, '0', 0));
    }
    if (q.last < this.low) {
      this.low = q.last;
      out.push(enc.tickPrice(id, this.type(TICK.LOW), q.last, '0', 0));
    }
    if (this.instrument.secType === 'OPT') out.push(...this.optionTicks(t, q, prev));
    this.sent = q;
    return out;
  }

  /**
   * tickOptionComputation for the bid, ask and last (price-based, tickAttrib 1) when that price changed, and
   * the model (tickAttrib 0) when the model price moved; everything on the first call.
   */
  private optionTicks(t: number, q: Quote, prev: Quote | undefined): enc.Fields[] {
    const at = this.quotes.effectiveTime(this.instrument, t);
    const c = optionComputations(this.quotes.prices, this.instrument, at, q);
    const id = this.tickerId;
    const out: enc.Fields[] = [];
    if (prev === undefined || prev.bid !== q.bid)
      out.push(enc.tickOptionComputation(id, this.type(TICK.BID_OPTION), 1, c.bid));
    if (prev === undefined || prev.ask !== q.ask)
      out.push(enc.tickOptionComputation(id, this.type(TICK.ASK_OPTION), 1, c.ask));
    if (prev === undefined || prev.last !== q.last)
      out.push(enc.tickOptionComputation(id, this.type(TICK.LAST_OPTION), 1, c.last));
    const model = c.model.optPrice;
    if (prev === undefined || model === undefined || Math.abs(model - (this.sentModelPrice ?? Number.NaN)) >= 0.0005) {
      this.sentModelPrice = model;
      out.push(enc.tickOptionComputation(id, this.type(TICK.MODEL_OPTION), 0, c.model));
    }
    return out;
  }

  /** RTVolume (tick 48): `price;size;epochMillis;totalVolume;vwap;singleTrade`. */
  private rtVolume(price: number, lastSize: number, volume: number, epochMs: number): enc.Fields {
    this.tradedVolume += lastSize;
    this.tradedNotional += price * lastSize;
    const vwap = this.tradedVolume > 0 ? this.tradedNotional / this.tradedVolume : price;
    return enc.tickString(
      this.tickerId,
      TICK.RT_VOLUME,
      `${price};${size(lastSize)};${epochMs};${size(volume)};${vwap.toFixed(8)};true`,
    );
  }

  /**
   * High-rate mode: one synthetic trade = LAST tickPrice + RTVolume tickString whose third field is the
   * sim's wall-clock emit time in epoch ms (clients measure latency as receive time − that field).
   */
  highRateTick(nowMs: number, wallMs: number): enc.Fields[] {
    const price = this.quotes.tradePriceAt(this.instrument, this.quotes.effectiveTime(this.instrument, this.at(nowMs)));
    return [
      enc.tickPrice(this.tickerId, this.type(TICK.LAST), price, '1', 0),
      this.rtVolume(price, 1, this.tradedVolume + 1, wallMs),
    ];
  }
}
