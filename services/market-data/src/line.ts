/**
 * One open market-data line (broker + instrument) inside market-data: the last-quote cache entry, the feed state
 * and rate, and the bar aggregators of the timeframes its leases asked for. No I/O: the app feeds it ticks and
 * 5-s bars, calls `sweep(now)` from its timer, and publishes what the callbacks hand out.
 */
import {
  type Bar,
  type FeedHealth,
  type FeedState,
  type Instrument,
  type Tick,
  type Trade,
  timeframeSeconds,
} from '@trading-system/contracts';
import { BarAggregator } from './bar-aggregator.js';
import type { StreamKind } from './lease-table.js';
import { type SessionSpec, sessionFor } from './sessions.js';
import { TradeExtractor } from './tick-trades.js';

export interface LineSettings {
  readonly staleAfterMs: number;
  readonly healthEveryMs: number;
  readonly barGraceMs: number;
}

export interface LineEvents {
  bar(bar: Bar): void;
  health(h: FeedHealth, changed: { from: FeedState; to: FeedState } | undefined): void;
}

type Source = 'ticks' | 'rtbars';
const RTBAR_MS = 5_000;

export class Line {
  readonly key: string;
  readonly session: SessionSpec;
  /** Streams open at the gateway for this line. */
  readonly gatewayStreams = new Set<StreamKind>();
  /**
   * Per stream, BrokerStatus.instanceId of the gateway instance holding it (none: an older gateway that does not
   * say). A status with another instanceId means the stream went with that instance and must be asked for again.
   */
  readonly streamInstance = new Map<StreamKind, string>();
  delayed = false;
  lastTick: Tick | undefined;
  /** Our clock when the last tick arrived. */
  lastTickAtMs: number | undefined;
  state: FeedState = 'live';
  ticks = 0;
  leases = 0;
  /**
   * True once the gateway is known to publish exact trades for the line (its mdSubscribe reply listed
   * `md.trade.*`, or a trade arrived): bars come from those only. Until then, and for a gateway that never
   * announces them, trades are guessed from the quote state's volume changes (`extractor`, the fallback).
   */
  exactTrades = false;
  /** Exact trades received (md.trade). */
  trades = 0;
  readonly extractor = new TradeExtractor();
  /** Aggregators fed by trades (hot path iterates this array). */
  tickAggs: BarAggregator[] = [];
  rtbarAggs: BarAggregator[] = [];
  private readonly openedAtMs: number;
  /** When the gateway last (re)opened the line: its opening burst of ticks may still be arriving after this. */
  private requestedAtMs: number;
  private healthAtMs: number;
  private ticksAtHealth = 0;
  /** Called after every tick; each returns true once it is satisfied (and is then dropped). */
  private tickWaiters: Array<() => boolean> = [];

  constructor(
    readonly broker: string,
    readonly instrument: Instrument,
    private readonly settings: LineSettings,
    private readonly events: LineEvents,
    private readonly now: () => number,
  ) {
    this.key = lineKey(broker, instrument.id);
    this.session = sessionFor(instrument);
    this.openedAtMs = now();
    this.requestedAtMs = this.openedAtMs;
    this.healthAtMs = this.openedAtMs;
  }

  get instrumentId(): string {
    return this.instrument.id;
  }

  /** Hot path: one tick from `md.tick.<broker>.<instrumentId>`. */
  onTick(t: Tick): void {
    this.lastTick = t;
    this.lastTickAtMs = this.now();
    this.ticks++;
    const x = this.extractor;
    if (!this.exactTrades && x.next(t)) {
      const aggs = this.tickAggs;
      if (x.reset) for (const a of aggs) a.feedLost();
      for (let i = 0; i < aggs.length; i++) aggs[i]?.addTrade(x.tsMs, x.price, x.priceNum, x.size);
    }
    if (this.state !== 'live' || t.delayed !== this.delayed) this.changeState(t.delayed ? 'delayed' : 'live');
    if (this.tickWaiters.length > 0) this.tickWaiters = this.tickWaiters.filter((w) => !w());
  }

  /** Hot path: one exact trade from `md.trade.<broker>.<instrumentId>`. */
  onTrade(t: Trade): void {
    this.exactTrades = true;
    this.trades++;
    const aggs = this.tickAggs;
    const priceNum = Number(t.price);
    for (let i = 0; i < aggs.length; i++) aggs[i]?.addTrade(t.tsEventMs, t.price, priceNum, t.size);
  }

  onRtBar(b: Bar): void {
    for (const a of this.rtbarAggs) a.addBar(b);
  }

  /**
   * Whether the cached state is a whole quote: bid and ask (an index, which has no quotes: a last or close), plus
   * greeks for options. gateway-ib publishes the state after each event-loop turn, so the first ticks of a line may
   * hold only part of IB's opening burst (a bid without the ask, greeks without bid/ask, only the instrumentId).
   */
  quoteComplete(): boolean {
    const t = this.lastTick;
    if (t === undefined) return false;
    const st = this.instrument.secType;
    if (st === 'IND') return t.last !== undefined || t.close !== undefined;
    if (t.bid === undefined || t.ask === undefined) return false;
    return st !== 'OPT' || t.greeks?.delta !== undefined;
  }

  /** True while the line's opening burst may still be arriving: opened (or re-requested) less than `ms` ago. */
  opening(ms: number): boolean {
    return this.now() - this.requestedAtMs < ms;
  }

  /** The gateway was asked for the line again (a new gateway instance): a new opening burst follows. */
  requested(): void {
    this.requestedAtMs = this.now();
  }

  /** Resolves true once `cond` holds (checked now and after each tick), or false after `ms`. */
  waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (!cond()) return false;
        clearTimeout(timer);
        resolve(true);
        return true;
      };
      const timer = setTimeout(() => {
        this.tickWaiters = this.tickWaiters.filter((w) => w !== check);
        resolve(false);
      }, ms);
      this.tickWaiters.push(check);
    });
  }

  ageMs(): number | undefined {
    return this.lastTickAtMs === undefined ? undefined : Math.max(0, this.now() - this.lastTickAtMs);
  }

  timeframes(): string[] {
    return [...this.tickAggs, ...this.rtbarAggs].map((a) => a.timeframe);
  }

  /**
   * Starts aggregating `timeframe`. Source: 5-s bars when the line has them (`withRtbars`) and the timeframe is a
   * whole multiple of 5 s (IB's own bars are complete even when ticks were conflated), ticks otherwise.
   */
  addTimeframe(timeframe: string, withRtbars: boolean): void {
    if (this.timeframes().includes(timeframe)) return;
    const tfMs = timeframeSeconds(timeframe) * 1000;
    const source: Source = withRtbars && tfMs % RTBAR_MS === 0 ? 'rtbars' : 'ticks';
    const agg = new BarAggregator({
      broker: this.broker,
      instrumentId: this.instrumentId,
      timeframe,
      tfMs,
      session: this.session,
      onBar: (bar) => this.events.bar(bar),
      now: this.now,
    });
    if (source === 'rtbars') this.rtbarAggs.push(agg);
    else this.tickAggs = [...this.tickAggs, agg];
  }

  /** Stops aggregating `timeframe`; its unfinished bar is discarded (nobody wants it any more). */
  dropTimeframe(timeframe: string): void {
    this.tickAggs = this.tickAggs.filter((a) => a.timeframe !== timeframe);
    this.rtbarAggs = this.rtbarAggs.filter((a) => a.timeframe !== timeframe);
  }

  /** The 5-s bars stopped: their timeframes continue from ticks (the next bar of each is flagged gap). */
  rtbarsClosed(): void {
    const moved = this.rtbarAggs.map((a) => a.timeframe);
    this.rtbarAggs = [];
    for (const tf of moved) this.addTimeframe(tf, false);
    for (const a of this.tickAggs) if (moved.includes(a.timeframe)) a.feedLost();
  }

  /** The broker connection is down: the line is `down` until ticks flow again. */
  brokerDown(): void {
    if (this.state !== 'down') this.changeState('down');
  }

  /** Timer: completes due bars, detects staleness, publishes periodic health. */
  sweep(): void {
    const now = this.now();
    for (const a of this.tickAggs) a.flush(now, this.settings.barGraceMs);
    for (const a of this.rtbarAggs) a.flush(now, this.settings.barGraceMs + RTBAR_MS);
    if (this.state === 'live' || this.state === 'delayed') {
      const since = this.lastTickAtMs ?? this.openedAtMs;
      if (now - since > this.settings.staleAfterMs) this.changeState('stale');
    }
    if (now - this.healthAtMs >= this.settings.healthEveryMs) this.emitHealth(undefined);
  }

  health(): FeedHealth {
    const now = this.now();
    const elapsed = now - this.healthAtMs;
    const age = this.ageMs();
    const h: FeedHealth = {
      v: 1,
      broker: this.broker,
      instrumentId: this.instrumentId,
      state: this.state,
      leases: this.leases,
      ticksPerSec: elapsed > 0 ? Math.round(((this.ticks - this.ticksAtHealth) * 1000 * 100) / elapsed) / 100 : 0,
      tsMs: now,
    };
    if (age !== undefined) h.lastTickAgeMs = age;
    return h;
  }

  private changeState(to: FeedState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.delayed = to === 'delayed' ? true : to === 'live' ? false : this.delayed;
    if (to === 'stale' || to === 'down') {
      for (const a of this.tickAggs) a.feedLost();
      for (const a of this.rtbarAggs) a.feedLost();
    }
    this.emitHealth({ from, to });
  }

  private emitHealth(changed: { from: FeedState; to: FeedState } | undefined): void {
    const h = this.health();
    this.healthAtMs = h.tsMs;
    this.ticksAtHealth = this.ticks;
    this.events.health(h, changed);
  }
}

export function lineKey(broker: string, instrumentId: string): string {
  return `${broker}/${instrumentId}`;
}
